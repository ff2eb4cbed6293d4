//! The shop's policy, checked outside any model: pure functions from the facts of one
//! conversation and a typed write call to either an [`Effect`] or a [`PolicyViolation`].
//!
//! Checks run in a fixed order so the reason given is stable: the customer exists, the order
//! exists and belongs to the conversation's customer, the order's status allows the action, then
//! the action's own arguments (reason, items, payment method, balance).
//!
//! Two halves: [`checks`] refuse (pure predicates with stable codes), [`transition`] builds the
//! state the checks approved. [`evaluate`] runs the checks of one write, then its transition.

mod checks;
mod transition;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::effect::Effect;
use crate::model::{Order, OrderStatus, Product, TransactionType, User};
use crate::tools::{OrderWrite, WriteCall, WriteTarget};

use checks::*;

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
    match call.target() {
        WriteTarget::User(a) => {
            if a.user_id != customer.user_id {
                return Err(violation(
                    ViolationCode::NotOwner,
                    "the address belongs to another customer than this conversation's",
                ));
            }
            let address = a.address();
            check_address(&address)?;
            Ok(transition::change_default_address(customer, address))
        }
        WriteTarget::Order { order_id, write } => {
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
            evaluate_order_write(customer, order, &facts.products, write)
        }
    }
}

/// One order write: its checks in policy order, then the transition they approve.
fn evaluate_order_write(
    customer: &User,
    order: &Order,
    products: &BTreeMap<String, Product>,
    write: OrderWrite<'_>,
) -> Result<Effect, PolicyViolation> {
    match write {
        OrderWrite::Cancel(a) => {
            require_status(order, OrderStatus::Pending, "cancelled")?;
            require_cancel_reason(&a.reason)?;
            Ok(transition::cancel(customer, order, &a.reason))
        }
        OrderWrite::Address(a) => {
            require_pending_like(order, "have its address changed")?;
            let address = a.address();
            check_address(&address)?;
            Ok(transition::ship_to(order, address))
        }
        OrderWrite::Payment(a) => {
            require_pending_like(order, "have its payment changed")?;
            let method = owned_method(customer, &a.payment_method_id)?;
            let id = &order.order_id;
            let only = match order.payment_history.as_slice() {
                [only] if only.transaction_type == TransactionType::Payment => only,
                [_] => {
                    return Err(violation(
                        ViolationCode::PaymentHistoryNotSingle,
                        format!("order {id} has no single payment to switch"),
                    ))
                }
                _ => {
                    return Err(violation(
                        ViolationCode::PaymentHistoryNotSingle,
                        format!(
                        "order {id} has more than one transaction; its payment cannot be switched"
                    ),
                    ))
                }
            };
            if only.payment_method_id == a.payment_method_id {
                return Err(violation(
                    ViolationCode::SamePaymentMethod,
                    format!("order {id} is already paid with {}", a.payment_method_id),
                ));
            }
            require_gift_card_covers(method, only.amount)?;
            Ok(transition::switch_payment(
                customer,
                order,
                only,
                &a.payment_method_id,
            ))
        }
        OrderWrite::Items(a) => {
            require_items_not_modified(order)?;
            require_status(order, OrderStatus::Pending, "have its items modified")?;
            let swaps = check_swaps(order, products, a)?;
            let method = owned_method(customer, &a.payment_method_id)?;
            let difference = price_difference(&swaps);
            if difference.is_positive() {
                require_gift_card_covers(method, difference)?;
            }
            Ok(transition::modify_items(
                customer,
                order,
                &swaps,
                difference,
                &a.payment_method_id,
            ))
        }
        OrderWrite::Return(a) => {
            require_status(order, OrderStatus::Delivered, "returned")?;
            let method = owned_method(customer, &a.payment_method_id)?;
            require_refund_method(order, method)?;
            let items = take_items(order, &a.item_ids)?;
            Ok(transition::request_return(
                order,
                &items,
                &a.item_ids,
                &a.payment_method_id,
            ))
        }
        OrderWrite::Exchange(a) => {
            require_status(order, OrderStatus::Delivered, "exchanged")?;
            let swaps = check_swaps(order, products, a)?;
            let method = owned_method(customer, &a.payment_method_id)?;
            let difference = price_difference(&swaps);
            if difference.is_positive() {
                require_gift_card_covers(method, difference)?;
            }
            Ok(transition::request_exchange(
                order,
                &swaps,
                difference,
                &a.item_ids,
                &a.new_item_ids,
                &a.payment_method_id,
            ))
        }
    }
}
