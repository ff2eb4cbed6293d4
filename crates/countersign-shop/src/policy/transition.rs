//! The state transitions the checks approve: each builds the records as they would be after
//! the write and wraps them in an [`Effect`]. They run only after every check has passed, so
//! they refuse nothing; what they compute (refunds, price differences, gift-card balances) is
//! what the approver sees in the preview and what execution stores.

use crate::effect::Effect;
use crate::model::{
    Address, Order, OrderItem, OrderStatus, Transaction, TransactionType, User, Variant,
};
use crate::money::Money;

/// Cancels a pending order: every payment is refunded to where it came from (gift cards at
/// once, other methods outside the shop).
pub(super) fn cancel(customer: &User, order: &Order, reason: &str) -> Effect {
    let mut after = order.clone();
    let mut user = customer.clone();
    after.status = OrderStatus::Cancelled;
    after.cancel_reason = Some(reason.to_owned());
    let mut refunded = Money::ZERO;
    for p in order
        .payment_history
        .iter()
        .filter(|t| t.transaction_type == TransactionType::Payment)
    {
        refunded += p.amount;
        credit_gift_card(&mut user, &p.payment_method_id, p.amount);
        after.payment_history.push(Transaction {
            transaction_type: TransactionType::Refund,
            ..p.clone()
        });
    }
    let summary = format!(
        "Cancel order {} ({reason}), refunding {refunded}",
        order.order_id
    );
    Effect::on_order(summary, refunded, (order, after), Some((customer, user)))
}

pub(super) fn ship_to(order: &Order, address: Address) -> Effect {
    let mut after = order.clone();
    after.address = address;
    let summary = format!(
        "Ship order {} to {}",
        order.order_id,
        one_line(&after.address)
    );
    Effect::on_order(summary, Money::ZERO, (order, after), None)
}

/// Pays the order's single payment with another method and refunds the original.
pub(super) fn switch_payment(
    customer: &User,
    order: &Order,
    only: &Transaction,
    new_method_id: &str,
) -> Effect {
    let mut after = order.clone();
    let mut user = customer.clone();
    after.payment_history.push(Transaction {
        transaction_type: TransactionType::Payment,
        amount: only.amount,
        payment_method_id: new_method_id.to_owned(),
    });
    after.payment_history.push(Transaction {
        transaction_type: TransactionType::Refund,
        amount: only.amount,
        payment_method_id: only.payment_method_id.clone(),
    });
    credit_gift_card(&mut user, new_method_id, -only.amount);
    credit_gift_card(&mut user, &only.payment_method_id, only.amount);
    let summary = format!(
        "Pay order {} ({}) with {new_method_id} instead of {}",
        order.order_id, only.amount, only.payment_method_id
    );
    Effect::on_order(summary, only.amount, (order, after), Some((customer, user)))
}

/// Swaps items of a pending order (once), settling the difference on `method_id`.
pub(super) fn modify_items(
    customer: &User,
    order: &Order,
    swaps: &[(&OrderItem, &Variant)],
    difference: Money,
    method_id: &str,
) -> Effect {
    let mut after = order.clone();
    let mut user = customer.clone();
    apply_swaps(&mut after.items, swaps);
    after.status = OrderStatus::PendingItemModified;
    after.payment_history.push(Transaction {
        transaction_type: if difference.is_positive() {
            TransactionType::Payment
        } else {
            TransactionType::Refund
        },
        amount: difference.abs(),
        payment_method_id: method_id.to_owned(),
    });
    credit_gift_card(&mut user, method_id, -difference);
    let summary = format!(
        "Change {} item(s) in order {}; price difference {difference} on {method_id}",
        swaps.len(),
        order.order_id
    );
    Effect::on_order(
        summary,
        difference.abs(),
        (order, after),
        Some((customer, user)),
    )
}

pub(super) fn request_return(
    order: &Order,
    items: &[&OrderItem],
    item_ids: &[String],
    method_id: &str,
) -> Effect {
    let value: Money = items.iter().map(|i| i.price).sum();
    let mut after = order.clone();
    after.status = OrderStatus::ReturnRequested;
    let mut sorted = item_ids.to_vec();
    sorted.sort();
    after.return_items = Some(sorted);
    after.return_payment_method_id = Some(method_id.to_owned());
    let summary = format!(
        "Return {} item(s) from order {}, refunding {value} to {method_id}",
        items.len(),
        order.order_id
    );
    Effect::on_order(summary, value, (order, after), None)
}

pub(super) fn request_exchange(
    order: &Order,
    swaps: &[(&OrderItem, &Variant)],
    difference: Money,
    item_ids: &[String],
    new_item_ids: &[String],
    method_id: &str,
) -> Effect {
    let value: Money = swaps.iter().map(|(old, _)| old.price).sum();
    let mut after = order.clone();
    after.status = OrderStatus::ExchangeRequested;
    let mut old_ids = item_ids.to_vec();
    old_ids.sort();
    let mut new_ids = new_item_ids.to_vec();
    new_ids.sort();
    after.exchange_items = Some(old_ids);
    after.exchange_new_items = Some(new_ids);
    after.exchange_payment_method_id = Some(method_id.to_owned());
    after.exchange_price_difference = Some(difference);
    let summary = format!(
        "Exchange {} item(s) in order {}; price difference {difference} on {method_id}",
        swaps.len(),
        order.order_id
    );
    Effect::on_order(summary, value, (order, after), None)
}

pub(super) fn change_default_address(customer: &User, address: Address) -> Effect {
    let mut after = customer.clone();
    after.address = address;
    let summary = format!(
        "Change {}'s default address to {}",
        customer.user_id,
        one_line(&after.address)
    );
    Effect::on_user(summary, Money::ZERO, (customer, after))
}

/// Adds `amount` (negative to debit) to the customer's gift card `id`; other methods settle
/// outside the shop ("5 to 7 business days"), so their records do not change.
fn credit_gift_card(user: &mut User, id: &str, amount: Money) {
    if let Some(pm) = user.payment_methods.get_mut(id) {
        if pm.is_gift_card() {
            pm.balance = Some(pm.balance.unwrap_or(Money::ZERO) + amount);
        }
    }
}

fn apply_swaps(items: &mut [OrderItem], swaps: &[(&OrderItem, &Variant)]) {
    let mut done = vec![false; items.len()];
    for (old, new) in swaps {
        if let Some(i) = (0..items.len()).find(|&i| !done[i] && items[i].item_id == old.item_id) {
            items[i].item_id = new.item_id.clone();
            items[i].price = new.price;
            items[i].options = new.options.clone();
            done[i] = true;
        }
    }
}

fn one_line(a: &Address) -> String {
    let mut parts = vec![a.address1.as_str()];
    if !a.address2.is_empty() {
        parts.push(&a.address2);
    }
    format!(
        "{}, {}, {} {}, {}",
        parts.join(" "),
        a.city,
        a.state,
        a.zip,
        a.country
    )
}
