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
    // "Everything is fine except the jacket", "keep everything else": everything is what
    // stays, not what goes.
    const BUT: [&str; 6] = [
        "except",
        "everything else",
        "other than",
        "apart from",
        "but the",
        "keep",
    ];
    if ALL.iter().any(|p| text.contains(p)) && !BUT.iter().any(|p| text.contains(p)) {
        return NamedItems::Items(order.items.iter().collect());
    }
    // Full names first (singular or plural); their words are then spent, so "desk lamp" does
    // not also name the floor lamp through "lamp".
    let mut rest = text.to_owned();
    let mut out: Vec<&OrderItem> = Vec::new();
    for item in &order.items {
        let name = item.name.to_lowercase();
        let plural = format!("{name}s");
        if intent::contains_word(text, &name) || intent::contains_word(text, &plural) {
            // Two items of the same name ("the action camera" with a 4K and a 5K one): which,
            // or both, is for the customer to say.
            let same_name = order
                .items
                .iter()
                .filter(|i| i.name.eq_ignore_ascii_case(&item.name))
                .count();
            if same_name > 1
                && !intent::contains_word(text, &plural)
                && !said_plural(text, head_word(&name))
                && !text.contains("both")
            {
                return NamedItems::Ambiguous(name);
            }
            out.push(item);
        }
    }
    for item in &out {
        let name = item.name.to_lowercase();
        rest = rest.replace(&format!("{name}s"), " ").replace(&name, " ");
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
        // "The silver one": an item named by an option value only it has in the order.
        let by_value: Vec<&OrderItem> = order
            .items
            .iter()
            .filter(|item| {
                item.options.values().any(|v| {
                    let v = v.to_lowercase();
                    v.len() >= 3
                        && v.chars().all(char::is_alphabetic)
                        && intent::contains_word(&rest, &v)
                        && order
                            .items
                            .iter()
                            .filter(|other| other.options.values().any(|o| o.to_lowercase() == v))
                            .count()
                            == 1
                })
            })
            .collect();
        return match by_value.as_slice() {
            [one] => NamedItems::Items(vec![one]),
            _ => NamedItems::None,
        };
    }
    NamedItems::Items(out)
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
    let Some(wanted) = named_options(text, product, old) else {
        return Target::Unspecified;
    };
    let changes = wanted.iter().any(|(d, v)| old.options.get(d) != Some(v));
    if !changes || names_an_unresolved_option(text, product, &wanted) {
        return Target::Unspecified;
    }
    // Every variant with the values named. Several means the customer left an option open
    // ("2-person" in two seasons): ask, even when one of them keeps the rest as it was.
    let fitting: Vec<&Variant> = product
        .variants
        .values()
        .filter(|v| {
            v.item_id != old.item_id && wanted.iter().all(|(d, val)| v.options.get(d) == Some(val))
        })
        .collect();
    // The one that fits must also keep every option not named as it was: "blue" when blue
    // comes only in another size is a size change nobody asked for.
    let keeps_the_rest = |v: &Variant| {
        v.options
            .iter()
            .all(|(dim, val)| wanted.contains_key(dim) || old.options.get(dim) == Some(val))
    };
    match fitting.as_slice() {
        [v] if !keeps_the_rest(v) => Target::Unspecified,
        [v] if v.available => Target::Found(v),
        [_] => Target::Unavailable {
            available: product
                .variants
                .values()
                .filter(|v| v.available && v.item_id != old.item_id)
                .map(|v| options_text(&v.options))
                .collect(),
        },
        _ => Target::Unspecified,
    }
}

/// Option values of the product that the text names, one per option. A value the item already
/// has counts as "keep it" ("halogen brass" for a halogen black lamp keeps halogen); next to a
/// new value of the same option it only names the item ("the black lamp in brass"). Two new
/// values of one option leave it open (`None`). Numbers ("10") count only next to their
/// option's name, so "order 2" is not a size; a number with its unit ("6mm", "1.7l") is as clear
/// as a word.
fn named_options(
    text: &str,
    product: &Product,
    old: &OrderItem,
) -> Option<BTreeMap<String, String>> {
    let mut named: BTreeMap<&String, std::collections::BTreeSet<&String>> = BTreeMap::new();
    for v in product.variants.values() {
        for (dim, value) in &v.options {
            let value_l = value.to_lowercase();
            let numeric = value_l.chars().next().is_some_and(|c| c.is_ascii_digit())
                && !value_l.chars().any(|c| c.is_alphabetic());
            let hit = if numeric {
                text.contains(&format!("{dim} {value_l}"))
                    || text.contains(&format!("{value_l} {dim}"))
                    || text.contains(&format!("{dim}: {value_l}"))
            } else {
                intent::contains_word(text, &value_l)
            };
            if hit {
                named.entry(dim).or_default().insert(value);
            }
        }
    }
    // Yes/no options ("waterproof", "noise cancelling") are named by the option itself:
    // "non-waterproof", "without noise cancelling" is no; "waterproof", "with noise
    // cancelling" is yes.
    for dim in option_names(product) {
        let is_yes_no = product.variants.values().all(|v| {
            v.options
                .get(dim)
                .is_none_or(|x| x.eq_ignore_ascii_case("yes") || x.eq_ignore_ascii_case("no"))
        });
        let dim_l = dim.to_lowercase();
        if !is_yes_no || !text.contains(&dim_l) {
            continue;
        }
        let negated = ["non-", "non ", "without ", "no ", "not "]
            .iter()
            .any(|n| text.contains(&format!("{n}{dim_l}")));
        let value = if negated { "no" } else { "yes" };
        if let Some(v) = product
            .variants
            .values()
            .find_map(|v| v.options.get(dim).filter(|x| x.eq_ignore_ascii_case(value)))
        {
            named.entry(dim).or_default().insert(v);
        }
    }
    let mut wanted = BTreeMap::new();
    for (dim, values) in named {
        let current = old.options.get(dim);
        let new: Vec<&&String> = values.iter().filter(|v| Some(**v) != current).collect();
        match new.as_slice() {
            [] => {
                wanted.insert(dim.clone(), (*values.iter().next()?).clone());
            }
            [one] => {
                wanted.insert(dim.clone(), (**one).clone());
            }
            _ => return None,
        }
    }
    Some(wanted)
}

/// The customer named an option of the product ("non-waterproof", "the size") without a value
/// we could read: the variant is not settled, whatever else they named.
fn names_an_unresolved_option(
    text: &str,
    product: &Product,
    wanted: &BTreeMap<String, String>,
) -> bool {
    option_names(product).into_iter().any(|dim| {
        let dim_l = dim.to_lowercase();
        !wanted.contains_key(dim)
            && dim_l.len() >= 4
            // "same size", "any colour": said in passing, these do not ask for a change; and
            // "switch" is the verb far more often than the keyboard's option.
            && !matches!(dim_l.as_str(), "size" | "color" | "colour" | "style" | "type" | "switch")
            && text.contains(&dim_l)
    })
}

/// The product's options ("color", "size", "waterproof"), each once.
fn option_names(product: &Product) -> std::collections::BTreeSet<&String> {
    product
        .variants
        .values()
        .flat_map(|v| v.options.keys())
        .collect()
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

/// The method the customer named: by kind, narrowed by the brand and the last four digits
/// when they wrote them. Never a different method than the one named: a brand or digits that
/// match none of theirs is "not on file", and "my card" with a credit card and a gift card on
/// file is a question.
pub(crate) fn named_payment(text: &str, customer: &User) -> PaymentChoice {
    let Some(named) = intent::payment_named(text) else {
        return PaymentChoice::Unnamed;
    };
    let kind = named.kind;
    if named.bare_card
        && customer
            .payment_methods
            .values()
            .any(|m| m.source == PaymentSource::GiftCard)
        && customer
            .payment_methods
            .values()
            .any(|m| m.source == PaymentSource::CreditCard)
    {
        return PaymentChoice::Ambiguous(kind);
    }
    let fits: Vec<_> = customer
        .payment_methods
        .values()
        .filter(|m| m.source == kind)
        .filter(|m| match &named.brand {
            Some(b) => m
                .brand
                .as_deref()
                .is_some_and(|mb| mb.eq_ignore_ascii_case(b)),
            None => true,
        })
        .filter(|m| match &named.last_four {
            Some(l) => m.last_four.as_deref() == Some(l.as_str()),
            None => true,
        })
        .collect();
    match fits.as_slice() {
        [] => PaymentChoice::NotOwned(kind),
        [only] => PaymentChoice::Chosen(only.id.clone()),
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
