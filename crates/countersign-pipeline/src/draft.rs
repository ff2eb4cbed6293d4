//! Reply drafts. Every fact in a draft comes from a tool result or a knowledge-base article:
//! the templates below only arrange them.

use countersign_shop::{Money, Order, PaymentMethod, PaymentSource, User};

pub fn greeting(user: Option<&User>) -> String {
    match user {
        Some(u) => format!("Hi {},", u.name.first_name),
        None => "Hello,".to_owned(),
    }
}

pub fn sign_off() -> &'static str {
    "\n\nBest regards,\nCustomer Support"
}

pub fn method_label(pm: Option<&PaymentMethod>, id: &str) -> String {
    match pm {
        Some(pm) => match pm.source {
            PaymentSource::CreditCard => match (&pm.brand, &pm.last_four) {
                (Some(b), Some(l)) => format!("{b} card ending in {l}"),
                _ => "credit card".to_owned(),
            },
            PaymentSource::Paypal => "PayPal account".to_owned(),
            PaymentSource::GiftCard => "gift card".to_owned(),
        },
        None => id.to_owned(),
    }
}

pub fn refund_timing(pm: Option<&PaymentMethod>) -> &'static str {
    if pm.is_some_and(|p| p.is_gift_card()) {
        "right away"
    } else {
        "within 5 to 7 business days"
    }
}

pub fn item_list(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

pub fn order_line(order: &Order) -> String {
    let names: Vec<String> = order.items.iter().map(|i| i.name.clone()).collect();
    format!(
        "order {} ({}, {})",
        order.order_id,
        item_list(&names),
        order.status.as_str()
    )
}

pub fn money(m: Money) -> String {
    m.to_string()
}

/// The tracking line for a status reply.
pub fn tracking(order: &Order) -> String {
    let ids: Vec<&str> = order
        .fulfillments
        .iter()
        .flat_map(|f| f.tracking_id.iter().map(String::as_str))
        .collect();
    if ids.is_empty() {
        String::new()
    } else {
        format!(" Tracking number: {}.", ids.join(", "))
    }
}
