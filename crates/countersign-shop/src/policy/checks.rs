//! The checks: pure predicates over the facts that refuse a write with a stable code. They
//! read and never build a new state; [`super::transition`] does that once they have passed.

use std::collections::BTreeMap;

use crate::model::{Address, Order, OrderItem, OrderStatus, PaymentMethod, Product, User, Variant};
use crate::money::Money;
use crate::tools::{ItemSwapArgs, CANCEL_REASONS};

use super::{violation, PolicyViolation, ViolationCode};

pub(super) fn require_status(
    order: &Order,
    wanted: OrderStatus,
    verb: &str,
) -> Result<(), PolicyViolation> {
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

pub(super) fn require_pending_like(order: &Order, verb: &str) -> Result<(), PolicyViolation> {
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

/// Items can be modified once: a second modification is refused even though the order is
/// still pending-like.
pub(super) fn require_items_not_modified(order: &Order) -> Result<(), PolicyViolation> {
    if order.status == OrderStatus::PendingItemModified {
        return Err(violation(
            ViolationCode::WrongStatus,
            format!(
                "the items of order {} were already modified once; they cannot be modified again",
                order.order_id
            ),
        ));
    }
    Ok(())
}

pub(super) fn require_cancel_reason(reason: &str) -> Result<(), PolicyViolation> {
    if CANCEL_REASONS.contains(&reason) {
        Ok(())
    } else {
        Err(violation(
            ViolationCode::InvalidCancelReason,
            format!(
                "`{reason}` is not an accepted reason; use `no longer needed` or `ordered by mistake`"
            ),
        ))
    }
}

pub(super) fn owned_method<'u>(
    customer: &'u User,
    id: &str,
) -> Result<&'u PaymentMethod, PolicyViolation> {
    customer.payment_methods.get(id).ok_or_else(|| {
        violation(
            ViolationCode::PaymentMethodNotOwned,
            format!("payment method {id} is not one of the customer's"),
        )
    })
}

pub(super) fn require_gift_card_covers(
    method: &PaymentMethod,
    amount: Money,
) -> Result<(), PolicyViolation> {
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

/// A refund goes back where the money came from, or to one of the customer's gift cards.
pub(super) fn require_refund_method(
    order: &Order,
    method: &PaymentMethod,
) -> Result<(), PolicyViolation> {
    let original = order
        .payment_history
        .first()
        .map(|t| t.payment_method_id.as_str());
    if original != Some(method.id.as_str()) && !method.is_gift_card() {
        return Err(violation(
            ViolationCode::RefundMethodNotAllowed,
            "a refund goes to the original payment method or to one of the customer's gift cards",
        ));
    }
    Ok(())
}

pub(super) fn check_address(a: &Address) -> Result<(), PolicyViolation> {
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

/// The order's items named by `ids`, counting duplicates: two of the same id need two in the order.
pub(super) fn take_items<'o>(
    order: &'o Order,
    ids: &[String],
) -> Result<Vec<&'o OrderItem>, PolicyViolation> {
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
pub(super) fn check_swaps<'a>(
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

/// The price difference of a set of swaps, charged (positive) or refunded (negative).
pub(super) fn price_difference(swaps: &[(&OrderItem, &Variant)]) -> Money {
    swaps.iter().map(|(old, new)| new.price - old.price).sum()
}
