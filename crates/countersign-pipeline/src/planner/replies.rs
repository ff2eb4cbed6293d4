//! Reply templates: every sentence the rules planner writes to a customer, and the handoff
//! packet it writes for staff. Facts come in as arguments (from tool results); the templates
//! only arrange them.

use countersign_shop::{Money, PaymentSource, PolicyViolation, ShopView, ViolationCode};

use super::run::Run;
use crate::draft;
use crate::plan::Handoff;

pub(crate) fn verify_first() -> String {
    "Thank you for contacting us. To help with your order we first need to verify your account: please reply from the email address on your account, or tell us the full name and zip code on the account.".into()
}

pub(crate) fn not_your_order(id: &str) -> String {
    format!("I can only help with orders on your own account, and {id} is not one of them.")
}

pub(crate) fn order_not_found(id: &str) -> String {
    format!("I could not find order {id}. Could you check the order number?")
}

pub(crate) fn which_order() -> String {
    "Which order is this about? Please reply with the order number (it starts with #W).".into()
}

pub(crate) fn whole_orders_only(id: &str, items: &[String]) -> String {
    format!("Only a whole order can be cancelled, and order {id} holds {}. Would you like to cancel the whole order, or change the item instead?", draft::item_list(items))
}

pub(crate) fn ask_cancel_reason(id: &str) -> String {
    format!("I can cancel order {id} while it is pending. Could you tell us why: is it no longer needed, or was it ordered by mistake?")
}

pub(crate) fn cancel_prepared(
    id: &str,
    reason: &str,
    amount: Money,
    label: &str,
    timing: &str,
) -> String {
    format!("I have prepared the cancellation of order {id} ({reason}). Once confirmed, {} will be refunded to your {label} {timing}.", draft::money(amount))
}

pub(crate) fn which_items_to_return(id: &str, names: &[String]) -> String {
    format!(
        "Which items from order {id} would you like to return? It contains {}.",
        draft::item_list(names)
    )
}

pub(crate) fn which_of_several(word: &str, id: &str) -> String {
    format!(
        "Order {id} has more than one {word}. Which one do you mean (by its full name or options)?"
    )
}

pub(crate) fn return_prepared(names: &[String], id: &str, amount: Money, label: &str) -> String {
    format!("I have prepared the return of {} from order {id}. Once confirmed, you will receive an email with return instructions, and {} will be refunded to your {label}.", draft::item_list(names), draft::money(amount))
}

pub(crate) fn which_item_to_change(id: &str) -> String {
    format!("Which item of order {id} would you like to change, and to which option?")
}

pub(crate) fn variant_unavailable(item: &str, id: &str, available: &[String]) -> String {
    if available.is_empty() {
        format!("The {item} option you asked for (order {id}) is out of stock at the moment, and no other option of it is available right now.")
    } else {
        format!(
            "The {item} option you asked for (order {id}) is out of stock at the moment. Available options are: {}. Would one of those work for you?",
            available.join("; ")
        )
    }
}

pub(crate) fn other_product(item: &str, id: &str) -> String {
    format!("I'm sorry, we cannot exchange the {item} from order {id} for a different product: items can only be exchanged for another option of the same product. If you would like something else, you can return the {item} and place a new order.")
}

pub(crate) fn which_option(item: &str, id: &str) -> String {
    format!("Which option of the {item} in order {id} would you like instead? Please tell us every option you want (for example size and colour).")
}

pub(crate) fn swap_prepared(verb: &str, id: &str, lines: &[String], label: &str) -> String {
    format!("I have prepared the {verb} for order {id}: {}. Any price difference is settled on your {label}. This can be done only once per order, so please tell us now if anything else should change.", lines.join("; "))
}

pub(crate) fn ask_address(id: &str) -> String {
    format!("Please send the new shipping address for order {id} in one line (street, apartment if any, city, state and zip code).")
}

pub(crate) fn address_prepared(summary: &str) -> String {
    format!(
        "I have prepared the change: {}.",
        summary.trim_end_matches('.')
    )
}

pub(crate) fn which_payment_method(id: &str) -> String {
    format!("Which payment method would you like to use for order {id}?")
}

pub(crate) fn payment_not_on_file(kind: PaymentSource, id: &str) -> String {
    format!(
        "I could not find a {} on your account. Which of the payment methods on your account should we use for order {id}?",
        kind_label(kind)
    )
}

pub(crate) fn which_of_kind(kind: PaymentSource, id: &str) -> String {
    format!(
        "You have more than one {} on your account. Which one should we use for order {id} (for example the last four digits)?",
        kind_label(kind)
    )
}

pub(crate) fn payment_prepared(id: &str, amount: Money, label: &str) -> String {
    format!("I have prepared the switch of order {id} ({}) to your {label}; the original payment will be refunded.", draft::money(amount))
}

pub(crate) fn ask_default_address() -> String {
    "Please send the new address in one line (street, apartment if any, city, state and zip code) and we will update your default address.".into()
}

pub(crate) fn default_address_prepared() -> String {
    "I have prepared the change of your default address. It applies to new orders; orders already placed keep their address.".into()
}

pub(crate) fn order_status_line(
    id: &str,
    items: &[String],
    status: &str,
    tracking: &str,
) -> String {
    format!(
        "Order {id} ({}) is {status}.{tracking}",
        draft::item_list(items)
    )
}

pub(crate) fn order_not_on_account(id: &str) -> String {
    format!("I could not find order {id} on your account.")
}

pub(crate) fn will_confirm(description: &str) -> String {
    format!("{description} A colleague will confirm it shortly.")
}

fn kind_label(kind: PaymentSource) -> &'static str {
    match kind {
        PaymentSource::CreditCard => "credit card",
        PaymentSource::Paypal => "PayPal account",
        PaymentSource::GiftCard => "gift card",
    }
}

/// Why policy refuses, in the customer's terms, about the record the write names.
pub(crate) fn refusal(v: &PolicyViolation, about: &str) -> String {
    format!("About {about}: {}", refusal_reason(v))
}

fn refusal_reason(v: &PolicyViolation) -> String {
    use ViolationCode::*;
    match v.code {
        SamePaymentMethod => "it is already paid with that payment method.".into(),
        WrongStatus => format!("I'm sorry, we cannot do that: {}.", v.message),
        NotOwner => "I can only help with orders and details on your own account.".into(),
        InsufficientGiftCardBalance => format!("That gift card cannot cover it: {}.", v.message),
        ItemUnavailable => "The option you asked for is out of stock at the moment.".into(),
        DifferentProduct => {
            "Items can only be exchanged for another option of the same product.".into()
        }
        _ => format!("We cannot do that under our policy: {}.", v.message),
    }
}

/// The packet a person needs to take over without re-reading the thread.
pub(crate) fn handoff<V: ShopView>(
    run: &Run<'_, V>,
    goal: Option<&str>,
    reason: String,
    pending: &[String],
    next: &str,
) -> Handoff {
    let taken: Vec<String> = run
        .steps
        .iter()
        .filter_map(|s| {
            s.tool
                .map(|t| format!("looked up {t}{}", if s.ok { "" } else { " (not found)" }))
        })
        .collect();
    Handoff {
        reason,
        goal: goal.unwrap_or("unclear").to_owned(),
        verified_facts: if run.facts.is_empty() {
            vec!["customer not verified".into()]
        } else {
            run.facts.clone()
        },
        actions_taken: taken,
        actions_pending: pending.to_vec(),
        suggested_next_step: next.to_owned(),
    }
}
