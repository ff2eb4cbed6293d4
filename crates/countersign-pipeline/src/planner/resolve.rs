//! Resolution: from the customer's words and the shop's data to the exact arguments of a
//! write — which order, which items, which variant, which payment method. The rule: resolve
//! only what the words and the data settle; anything ambiguous comes back as a question, never
//! as a guess.

use std::collections::BTreeMap;

use countersign_shop::{Options, Order, OrderItem, PaymentSource, Product, User, Variant};

use crate::intent;

/// The items of an order the customer named.
#[derive(Debug, PartialEq)]
pub(crate) enum NamedItems<'o> {
    None,
    Items(Vec<&'o OrderItem>),
    /// A word that fits several items of the order, said once ("the lamp" with two lamps).
    Ambiguous(String),
}

/// Items of the order the text names: "everything", or each item by its full name or its
/// last word ("the lamp"). A word that fits several items counts for all of them only when the
/// customer wrote it in the plural or said "both"; otherwise it is ambiguous.
pub(crate) fn named_items<'o>(text: &str, order: &'o Order) -> NamedItems<'o> {
    const ALL: [&str; 7] = [
        "everything",
        "all items",
        "all the items",
        "whole order",
        "entire order",
        "all of it",
        "all of them",
    ];
    if ALL.iter().any(|p| text.contains(p)) {
        return NamedItems::Items(order.items.iter().collect());
    }
    // Full names first; their words are then spent, so "desk lamp" does not also name the
    // floor lamp through "lamp".
    let mut rest = text.to_owned();
    let mut out: Vec<&OrderItem> = Vec::new();
    for item in &order.items {
        let name = item.name.to_lowercase();
        if intent::contains_word(&rest, &name) || intent::contains_word(text, &name) {
            rest = rest.replace(&name, " ");
            out.push(item);
        }
    }
    for item in &order.items {
        if out.iter().any(|i| std::ptr::eq(*i, item)) {
            continue;
        }
        let name = item.name.to_lowercase();
        let word = head_word(&name);
        if word.len() < 4 || !(intent::contains_word(&rest, word) || said_plural(&rest, word)) {
            continue;
        }
        let same_word = order
            .items
            .iter()
            .filter(|i| head_word(&i.name.to_lowercase()) == word)
            .count();
        if same_word > 1 && !said_plural(&rest, word) && !rest.contains("both") {
            return NamedItems::Ambiguous(word.to_owned());
        }
        out.push(item);
    }
    if out.is_empty() {
        NamedItems::None
    } else {
        NamedItems::Items(out)
    }
}

/// The noun of a product name: its last word, singular.
fn head_word(name: &str) -> &str {
    let last = name.split_whitespace().last().unwrap_or_default();
    last.strip_suffix('s').unwrap_or(last)
}

fn said_plural(text: &str, word: &str) -> bool {
    intent::contains_word(text, &format!("{word}s"))
        || intent::contains_word(text, &format!("{word}es"))
}

/// The variant the customer asked for.
#[derive(Debug, PartialEq)]
pub(crate) enum Target<'p> {
    Found(&'p Variant),
    /// The exact variant exists but is out of stock; these options are available instead.
    Unavailable {
        available: Vec<String>,
    },
    /// No option named, or the options named do not settle one variant.
    Unspecified,
}

/// The variant with the option values the customer named and every other option as it was.
/// Never the "closest" one: a variant that differs from the item in an option the customer
/// did not mention is a change they did not ask for.
pub(crate) fn target_variant<'p>(text: &str, product: &'p Product, old: &OrderItem) -> Target<'p> {
    let wanted = named_options(text, product, old);
    if wanted.is_empty() {
        return Target::Unspecified;
    }
    let exact = product.variants.values().find(|v| {
        v.item_id != old.item_id
            && v.options.iter().all(|(dim, val)| match wanted.get(dim) {
                Some(w) => w == val,
                None => old.options.get(dim) == Some(val),
            })
    });
    match exact {
        Some(v) if v.available => Target::Found(v),
        Some(_) => Target::Unavailable {
            available: product
                .variants
                .values()
                .filter(|v| v.available && v.item_id != old.item_id)
                .map(|v| options_text(&v.options))
                .collect(),
        },
        None => Target::Unspecified,
    }
}

/// Option values of the product, different from the item's, that the text names. Numbers
/// ("10", "1000ml") count only next to their option's name, so "order 2" is not a size.
fn named_options(text: &str, product: &Product, old: &OrderItem) -> BTreeMap<String, String> {
    let mut wanted = BTreeMap::new();
    for v in product.variants.values() {
        for (dim, value) in &v.options {
            if old.options.get(dim) == Some(value) {
                continue;
            }
            let value_l = value.to_lowercase();
            let numeric = value_l.chars().next().is_some_and(|c| c.is_ascii_digit());
            let named = if numeric {
                text.contains(&format!("{dim} {value_l}"))
                    || text.contains(&format!("{value_l} {dim}"))
                    || text.contains(&format!("{dim}: {value_l}"))
            } else {
                intent::contains_word(text, &value_l)
            };
            if named {
                wanted.insert(dim.clone(), value.clone());
            }
        }
    }
    wanted
}

pub(crate) fn options_text(o: &Options) -> String {
    o.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The payment method a write should use.
#[derive(Debug, PartialEq)]
pub(crate) enum PaymentChoice {
    Chosen(String),
    /// The customer named a kind of method they do not have on file.
    NotOwned(PaymentSource),
    /// Several methods of the kind named, and nothing in the words to tell them apart.
    Ambiguous(PaymentSource),
    /// No method named.
    Unnamed,
}

/// The method the customer named: by kind, narrowed by the last four digits when they wrote
/// them. Never a different method than the one named.
pub(crate) fn named_payment(text: &str, customer: &User) -> PaymentChoice {
    let Some(kind) = intent::payment_kind(text) else {
        return PaymentChoice::Unnamed;
    };
    let of_kind: Vec<_> = customer
        .payment_methods
        .values()
        .filter(|m| m.source == kind)
        .collect();
    let by_digits: Vec<_> = of_kind
        .iter()
        .filter(|m| m.last_four.as_deref().is_some_and(|l| text.contains(l)))
        .collect();
    match (of_kind.as_slice(), by_digits.as_slice()) {
        ([], _) => PaymentChoice::NotOwned(kind),
        ([only], _) => PaymentChoice::Chosen(only.id.clone()),
        (_, [one]) => PaymentChoice::Chosen(one.id.clone()),
        _ => PaymentChoice::Ambiguous(kind),
    }
}

/// The payment the order was made with.
pub(crate) fn original_payment(order: &Order) -> Option<&str> {
    order
        .payment_history
        .first()
        .map(|t| t.payment_method_id.as_str())
}
