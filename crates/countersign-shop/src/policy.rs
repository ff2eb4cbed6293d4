//! The shop's policy, checked outside any model: pure functions from the facts of one
//! conversation and a typed write call to either an [`Effect`] or a [`PolicyViolation`].
//!
//! Checks run in a fixed order so the reason given is stable: the customer exists, the order
//! exists and belongs to the conversation's customer, the order's status allows the action, then
//! the action's own arguments (reason, items, payment method, balance).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::effect::Effect;
use crate::model::{
    Order, OrderItem, OrderStatus, PaymentMethod, Product, Transaction, TransactionType, User,
    Variant,
};
use crate::money::Money;
use crate::tools::{ItemSwapArgs, WriteCall, CANCEL_REASONS};

/// Stable codes for every way a write can break policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ViolationCode {
    UnknownCustomer,
    OrderNotFound,
    NotOwner,
    WrongStatus,
    InvalidCancelReason,
    InvalidAddress,
    ItemNotInOrder,
    LengthMismatch,
    SameItem,
    ItemNotFound,
    DifferentProduct,
    ItemUnavailable,
    PaymentMethodNotOwned,
    RefundMethodNotAllowed,
    PaymentHistoryNotSingle,
    SamePaymentMethod,
    InsufficientGiftCardBalance,
}

impl ViolationCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ViolationCode::UnknownCustomer => "unknown_customer",
            ViolationCode::OrderNotFound => "order_not_found",
            ViolationCode::NotOwner => "not_owner",
            ViolationCode::WrongStatus => "wrong_status",
            ViolationCode::InvalidCancelReason => "invalid_cancel_reason",
            ViolationCode::InvalidAddress => "invalid_address",
            ViolationCode::ItemNotInOrder => "item_not_in_order",
            ViolationCode::LengthMismatch => "length_mismatch",
            ViolationCode::SameItem => "same_item",
            ViolationCode::ItemNotFound => "item_not_found",
            ViolationCode::DifferentProduct => "different_product",
            ViolationCode::ItemUnavailable => "item_unavailable",
            ViolationCode::PaymentMethodNotOwned => "payment_method_not_owned",
            ViolationCode::RefundMethodNotAllowed => "refund_method_not_allowed",
            ViolationCode::PaymentHistoryNotSingle => "payment_history_not_single",
            ViolationCode::SamePaymentMethod => "same_payment_method",
            ViolationCode::InsufficientGiftCardBalance => "insufficient_gift_card_balance",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{}: {message}", code.as_str())]
pub struct PolicyViolation {
    pub code: ViolationCode,
    pub message: String,
}

fn violation(code: ViolationCode, message: impl Into<String>) -> PolicyViolation {
    PolicyViolation {
        code,
        message: message.into(),
    }
}

/// Everything policy needs to judge one write: the conversation's customer, the order the
/// write names (if any) and the products of the items involved. Loaded by the caller.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// The conversation's authenticated customer id.
    pub customer_id: String,
    pub customer: Option<User>,
    pub order: Option<Order>,
    pub products: BTreeMap<String, Product>,
}

/// Judges a write. `Ok` carries exactly what would change; nothing has changed yet.
pub fn evaluate(facts: &Facts, call: &WriteCall) -> Result<Effect, PolicyViolation> {
    let customer = facts.customer.as_ref().ok_or_else(|| {
        violation(
            ViolationCode::UnknownCustomer,
            format!("customer {} is not in the shop", facts.customer_id),
        )
    })?;
    match call {
        WriteCall::ModifyUserAddress(a) => {
            if a.user_id != customer.user_id {
                return Err(violation(
                    ViolationCode::NotOwner,
                    "the address belongs to another customer than this conversation's",
                ));
            }
            let address = a.address();
            check_address(&address)?;
            let mut after = customer.clone();
            after.address = address;
            let summary = format!(
                "Change {}'s default address to {}",
                customer.user_id,
                one_line(&after.address)
            );
            Ok(Effect::from_states(
                summary,
                Money::ZERO,
                None,
                Some((customer, after)),
            ))
        }
        _ => {
            let order_id = order_id_of(call);
            let order = facts
                .order
                .as_ref()
                .filter(|o| o.order_id == order_id)
                .ok_or_else(|| {
                    violation(
                        ViolationCode::OrderNotFound,
                        format!("order {order_id} not found"),
                    )
                })?;
            if order.user_id != customer.user_id {
                // Say nothing about the order: it is another customer's.
                return Err(violation(
                    ViolationCode::NotOwner,
                    format!("order {order_id} does not belong to this conversation's customer"),
                ));
            }
            evaluate_order_write(customer, order, &facts.products, call)
        }
    }
}

fn order_id_of(call: &WriteCall) -> &str {
    match call {
        WriteCall::CancelPendingOrder(a) => &a.order_id,
        WriteCall::ModifyPendingOrderAddress(a) => &a.order_id,
        WriteCall::ModifyPendingOrderPayment(a) => &a.order_id,
        WriteCall::ModifyPendingOrderItems(a) | WriteCall::ExchangeDeliveredOrderItems(a) => {
            &a.order_id
        }
        WriteCall::ReturnDeliveredOrderItems(a) => &a.order_id,
        WriteCall::ModifyUserAddress(_) => "",
    }
}

fn evaluate_order_write(
    customer: &User,
    order: &Order,
    products: &BTreeMap<String, Product>,
    call: &WriteCall,
) -> Result<Effect, PolicyViolation> {
    let id = &order.order_id;
    match call {
        WriteCall::CancelPendingOrder(a) => {
            require_status(order, OrderStatus::Pending, "cancelled")?;
            if !CANCEL_REASONS.contains(&a.reason.as_str()) {
                return Err(violation(
                    ViolationCode::InvalidCancelReason,
                    format!("`{}` is not an accepted reason; use `no longer needed` or `ordered by mistake`", a.reason),
                ));
            }
            let mut after = order.clone();
            let mut user = customer.clone();
            after.status = OrderStatus::Cancelled;
            after.cancel_reason = Some(a.reason.clone());
            let payments: Vec<Transaction> = order
                .payment_history
                .iter()
                .filter(|t| t.transaction_type == TransactionType::Payment)
                .cloned()
                .collect();
            let mut refunded = Money::ZERO;
            for p in payments {
                refunded += p.amount;
                credit_gift_card(&mut user, &p.payment_method_id, p.amount);
                after.payment_history.push(Transaction {
                    transaction_type: TransactionType::Refund,
                    ..p
                });
            }
            let summary = format!("Cancel order {id} ({}), refunding {refunded}", a.reason);
            Ok(Effect::from_states(
                summary,
                refunded,
                Some((order, after)),
                Some((customer, user)),
            ))
        }
        WriteCall::ModifyPendingOrderAddress(a) => {
            require_pending_like(order, "have its address changed")?;
            let address = a.address();
            check_address(&address)?;
            let mut after = order.clone();
            after.address = address;
            let summary = format!("Ship order {id} to {}", one_line(&after.address));
            Ok(Effect::from_states(
                summary,
                Money::ZERO,
                Some((order, after)),
                None,
            ))
        }
        WriteCall::ModifyPendingOrderPayment(a) => {
            require_pending_like(order, "have its payment changed")?;
            let method = owned_method(customer, &a.payment_method_id)?;
            let [only] = order.payment_history.as_slice() else {
                return Err(violation(
                    ViolationCode::PaymentHistoryNotSingle,
                    format!(
                        "order {id} has more than one transaction; its payment cannot be switched"
                    ),
                ));
            };
            if only.transaction_type != TransactionType::Payment {
                return Err(violation(
                    ViolationCode::PaymentHistoryNotSingle,
                    format!("order {id} has no single payment to switch"),
                ));
            }
            if only.payment_method_id == a.payment_method_id {
                return Err(violation(
                    ViolationCode::SamePaymentMethod,
                    format!("order {id} is already paid with {}", a.payment_method_id),
                ));
            }
            require_gift_card_covers(method, only.amount)?;
            let mut after = order.clone();
            let mut user = customer.clone();
            after.payment_history.push(Transaction {
                transaction_type: TransactionType::Payment,
                amount: only.amount,
                payment_method_id: a.payment_method_id.clone(),
            });
            after.payment_history.push(Transaction {
                transaction_type: TransactionType::Refund,
                amount: only.amount,
                payment_method_id: only.payment_method_id.clone(),
            });
            credit_gift_card(&mut user, &a.payment_method_id, -only.amount);
            credit_gift_card(&mut user, &only.payment_method_id, only.amount);
            let summary = format!(
                "Pay order {id} ({}) with {} instead of {}",
                only.amount, a.payment_method_id, only.payment_method_id
            );
            Ok(Effect::from_states(
                summary,
                only.amount,
                Some((order, after)),
                Some((customer, user)),
            ))
        }
        WriteCall::ModifyPendingOrderItems(a) => {
            if order.status == OrderStatus::PendingItemModified {
                return Err(violation(ViolationCode::WrongStatus, format!("the items of order {id} were already modified once; they cannot be modified again")));
            }
            require_status(order, OrderStatus::Pending, "have its items modified")?;
            let swaps = check_swaps(order, products, a)?;
            let method = owned_method(customer, &a.payment_method_id)?;
            let difference: Money = swaps.iter().map(|(old, new)| new.price - old.price).sum();
            if difference.is_positive() {
                require_gift_card_covers(method, difference)?;
            }
            let mut after = order.clone();
            let mut user = customer.clone();
            apply_swaps(&mut after.items, &swaps);
            after.status = OrderStatus::PendingItemModified;
            after.payment_history.push(Transaction {
                transaction_type: if difference.is_positive() {
                    TransactionType::Payment
                } else {
                    TransactionType::Refund
                },
                amount: difference.abs(),
                payment_method_id: a.payment_method_id.clone(),
            });
            credit_gift_card(&mut user, &a.payment_method_id, -difference);
            let summary = format!(
                "Change {} item(s) in order {id}; price difference {difference} on {}",
                swaps.len(),
                a.payment_method_id
            );
            Ok(Effect::from_states(
                summary,
                difference.abs(),
                Some((order, after)),
                Some((customer, user)),
            ))
        }
        WriteCall::ReturnDeliveredOrderItems(a) => {
            require_status(order, OrderStatus::Delivered, "returned")?;
            let method = owned_method(customer, &a.payment_method_id)?;
            let original = order
                .payment_history
                .first()
                .map(|t| t.payment_method_id.as_str());
            if original != Some(a.payment_method_id.as_str()) && !method.is_gift_card() {
                return Err(violation(
                    ViolationCode::RefundMethodNotAllowed,
                    "a refund goes to the original payment method or to one of the customer's gift cards",
                ));
            }
            let items = take_items(order, &a.item_ids)?;
            let value: Money = items.iter().map(|i| i.price).sum();
            let mut after = order.clone();
            after.status = OrderStatus::ReturnRequested;
            let mut sorted = a.item_ids.clone();
            sorted.sort();
            after.return_items = Some(sorted);
            after.return_payment_method_id = Some(a.payment_method_id.clone());
            let summary = format!(
                "Return {} item(s) from order {id}, refunding {value} to {}",
                items.len(),
                a.payment_method_id
            );
            Ok(Effect::from_states(
                summary,
                value,
                Some((order, after)),
                None,
            ))
        }
        WriteCall::ExchangeDeliveredOrderItems(a) => {
            require_status(order, OrderStatus::Delivered, "exchanged")?;
            let swaps = check_swaps(order, products, a)?;
            let method = owned_method(customer, &a.payment_method_id)?;
            let difference: Money = swaps.iter().map(|(old, new)| new.price - old.price).sum();
            if difference.is_positive() {
                require_gift_card_covers(method, difference)?;
            }
            let value: Money = swaps.iter().map(|(old, _)| old.price).sum();
            let mut after = order.clone();
            after.status = OrderStatus::ExchangeRequested;
            let mut old_ids = a.item_ids.clone();
            old_ids.sort();
            let mut new_ids = a.new_item_ids.clone();
            new_ids.sort();
            after.exchange_items = Some(old_ids);
            after.exchange_new_items = Some(new_ids);
            after.exchange_payment_method_id = Some(a.payment_method_id.clone());
            after.exchange_price_difference = Some(difference);
            let summary = format!(
                "Exchange {} item(s) in order {id}; price difference {difference} on {}",
                swaps.len(),
                a.payment_method_id
            );
            Ok(Effect::from_states(
                summary,
                value,
                Some((order, after)),
                None,
            ))
        }
        WriteCall::ModifyUserAddress(_) => unreachable_user_write(),
    }
}

fn unreachable_user_write() -> Result<Effect, PolicyViolation> {
    // `evaluate` routes user writes before looking up an order.
    Err(violation(
        ViolationCode::OrderNotFound,
        "not an order write",
    ))
}

fn require_status(order: &Order, wanted: OrderStatus, verb: &str) -> Result<(), PolicyViolation> {
    if order.status == wanted {
        Ok(())
    } else {
        Err(violation(
            ViolationCode::WrongStatus,
            format!(
                "order {} is {}; only {} orders can be {verb}",
                order.order_id,
                order.status.as_str(),
                wanted.as_str()
            ),
        ))
    }
}

fn require_pending_like(order: &Order, verb: &str) -> Result<(), PolicyViolation> {
    if order.status.is_pending_like() {
        Ok(())
    } else {
        Err(violation(
            ViolationCode::WrongStatus,
            format!(
                "order {} is {}; only pending orders can {verb}",
                order.order_id,
                order.status.as_str()
            ),
        ))
    }
}

fn owned_method<'u>(customer: &'u User, id: &str) -> Result<&'u PaymentMethod, PolicyViolation> {
    customer.payment_methods.get(id).ok_or_else(|| {
        violation(
            ViolationCode::PaymentMethodNotOwned,
            format!("payment method {id} is not one of the customer's"),
        )
    })
}

fn require_gift_card_covers(method: &PaymentMethod, amount: Money) -> Result<(), PolicyViolation> {
    if !method.is_gift_card() {
        return Ok(());
    }
    let balance = method.balance.unwrap_or(Money::ZERO);
    if balance < amount {
        return Err(violation(
            ViolationCode::InsufficientGiftCardBalance,
            format!(
                "gift card {} has {balance}, less than the {amount} needed",
                method.id
            ),
        ));
    }
    Ok(())
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

fn check_address(a: &crate::model::Address) -> Result<(), PolicyViolation> {
    let required = [
        ("address1", &a.address1),
        ("city", &a.city),
        ("state", &a.state),
        ("country", &a.country),
        ("zip", &a.zip),
    ];
    for (name, value) in required {
        if value.trim().is_empty() {
            return Err(violation(
                ViolationCode::InvalidAddress,
                format!("the address needs a {name}"),
            ));
        }
    }
    Ok(())
}

fn one_line(a: &crate::model::Address) -> String {
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

/// The order's items named by `ids`, counting duplicates: two of the same id need two in the order.
fn take_items<'o>(order: &'o Order, ids: &[String]) -> Result<Vec<&'o OrderItem>, PolicyViolation> {
    let mut used = vec![false; order.items.len()];
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let slot = order
            .items
            .iter()
            .enumerate()
            .position(|(i, item)| !used[i] && &item.item_id == id);
        let Some(i) = slot else {
            return Err(violation(
                ViolationCode::ItemNotInOrder,
                format!(
                    "item {id} is not in order {} (or not that many times)",
                    order.order_id
                ),
            ));
        };
        used[i] = true;
        out.push(&order.items[i]);
    }
    Ok(out)
}

/// Pairs each old item with its new variant, checking same product, different option, available.
fn check_swaps<'a>(
    order: &'a Order,
    products: &'a BTreeMap<String, Product>,
    a: &ItemSwapArgs,
) -> Result<Vec<(&'a OrderItem, &'a Variant)>, PolicyViolation> {
    if a.item_ids.len() != a.new_item_ids.len() {
        return Err(violation(
            ViolationCode::LengthMismatch,
            "item_ids and new_item_ids must have the same length",
        ));
    }
    let olds = take_items(order, &a.item_ids)?;
    let mut swaps = Vec::with_capacity(olds.len());
    for (old, new_id) in olds.into_iter().zip(&a.new_item_ids) {
        if &old.item_id == new_id {
            return Err(violation(
                ViolationCode::SameItem,
                format!("item {new_id} would be replaced by itself"),
            ));
        }
        let product = products.get(&old.product_id);
        let variant = product.and_then(|p| p.variants.get(new_id));
        let Some(variant) = variant else {
            let elsewhere = products.values().any(|p| p.variants.contains_key(new_id));
            return Err(if elsewhere {
                violation(ViolationCode::DifferentProduct, format!("item {new_id} is not a variant of {}; only options of the same product can be swapped", old.name))
            } else {
                violation(
                    ViolationCode::ItemNotFound,
                    format!("item {new_id} does not exist"),
                )
            });
        };
        if !variant.available {
            return Err(violation(
                ViolationCode::ItemUnavailable,
                format!("item {new_id} ({}) is not available", old.name),
            ));
        }
        swaps.push((old, variant));
    }
    Ok(swaps)
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

/// Item ids a write names whose products policy needs: the order's items and the new ones.
pub fn item_ids_needing_products(call: &WriteCall) -> Vec<&str> {
    match call {
        WriteCall::ModifyPendingOrderItems(a) | WriteCall::ExchangeDeliveredOrderItems(a) => {
            a.new_item_ids.iter().map(String::as_str).collect()
        }
        _ => Vec::new(),
    }
}

/// What a write changes: `order:<id>` or `user:<id>`, as [`Effect::subject`] names it.
/// Edits may not change it, and approval compares it to detect a changed world.
pub fn subject_of(call: &WriteCall) -> String {
    match call {
        WriteCall::ModifyUserAddress(a) => format!("user:{}", a.user_id),
        other => format!("order:{}", order_id_of(other)),
    }
}

/// The order a write names, if any.
pub fn order_of(call: &WriteCall) -> Option<&str> {
    match call {
        WriteCall::ModifyUserAddress(_) => None,
        other => Some(order_id_of(other)),
    }
}
