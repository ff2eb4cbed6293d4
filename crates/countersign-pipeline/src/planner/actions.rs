//! One section of the reply per intent: answer a question, or resolve a write's arguments and
//! check it against policy before proposing it (a refusal becomes an explanation).

use countersign_shop::tools::{
    CancelPendingOrderArgs, ItemSwapArgs, ModifyPendingOrderAddressArgs,
    ModifyPendingOrderPaymentArgs, ModifyUserAddressArgs, ReturnDeliveredOrderItemsArgs,
};
use countersign_shop::{
    evaluate, gather_facts, Order, OrderItem, OrderStatus, PaymentSource, Preview, ShopView, User,
    WriteCall,
};

use super::replies;
use super::resolve::{
    named_items, named_payment, options_text, original_payment, target_variant, NamedItems,
    PaymentChoice, Target,
};
use super::run::{CapHit, Miss, Run};
use crate::draft;
use crate::intent::{self, Intent};
use crate::kb::{self, KnowledgeBase};
use crate::plan::ProposedAction;

/// One part of the reply, from one intent.
#[derive(Default)]
pub(crate) struct Section {
    pub text: String,
    /// Boxed: a proposal carries whole records, and sections travel in `Result`s.
    pub proposal: Option<Box<ProposedAction>>,
    pub citation: Option<&'static str>,
    /// The section could not be handled: the whole request goes to a person.
    pub escalate: Option<String>,
}

impl Section {
    fn say(text: impl Into<String>, citation: &'static str) -> Section {
        Section {
            text: text.into(),
            citation: Some(citation),
            ..Section::default()
        }
    }

    fn escalate(reason: impl Into<String>) -> Section {
        Section {
            escalate: Some(reason.into()),
            ..Section::default()
        }
    }
}

/// Checks a write against policy on the shop as read now; offers it only if it passes.
fn propose<V: ShopView>(
    view: &V,
    customer: &User,
    call: WriteCall,
    citation: &'static str,
    describe: impl FnOnce(&Preview) -> String,
) -> Section {
    let facts = match gather_facts(view, &customer.user_id, &call) {
        Ok(f) => f,
        Err(e) => return Section::escalate(format!("could not read the shop: {e}")),
    };
    match evaluate(&facts, &call) {
        Ok(effect) => Section {
            text: replies::will_confirm(&describe(&effect.preview)),
            proposal: Some(Box::new(ProposedAction { call, effect })),
            citation: Some(citation),
            escalate: None,
        },
        Err(v) => {
            let about = match call.order_id() {
                Some(id) => format!("order {id}"),
                None => "your account".to_owned(),
            };
            Section::say(replies::refusal(&v, &about), citation)
        }
    }
}

pub(crate) fn policy_answer<K: KnowledgeBase>(kb: &K, text: &str) -> Section {
    // The topic's own article when the question names one; full-text search otherwise.
    let topic = [
        ("cancel", "kb-cancellations"),
        ("exchang", "kb-exchanges"),
        ("return", "kb-returns"),
        ("refund", "kb-returns"),
        ("address", "kb-order-changes"),
        ("payment", "kb-order-changes"),
        ("track", "kb-shipping"),
        ("ship", "kb-shipping"),
    ]
    .iter()
    .find(|(word, _)| text.contains(word))
    .map(|(_, id)| (*id).to_owned());
    let ids = match topic {
        Some(id) => vec![id],
        None => kb.search(text, 1),
    };
    match ids.first().and_then(|id| kb::article(id)) {
        Some(a) => Section::say(format!("{} [{}]", a.body, a.title), a.id),
        None => Section::escalate("no knowledge-base article answers the question"),
    }
}

pub(crate) fn status<V: ShopView>(run: &mut Run<'_, V>, text: &str) -> Result<Section, CapHit> {
    let Some(customer) = run.customer.clone() else {
        return Ok(Section::default());
    };
    let named = intent::order_ids(text);
    let ids: Vec<String> = if named.is_empty() {
        customer.orders.iter().rev().take(5).cloned().collect()
    } else {
        named
    };
    let mut lines = Vec::new();
    for id in &ids {
        match run.order(id)? {
            Ok(o) => lines.push(replies::order_status_line(
                &o.order_id,
                &item_names(&o.items),
                o.status.as_str(),
                &draft::tracking(&o),
            )),
            Err(_) => lines.push(replies::order_not_on_account(id)),
        }
    }
    Ok(Section::say(lines.join("\n"), "kb-shipping"))
}

pub(crate) fn default_address<V: ShopView>(view: &V, customer: &User, text: &str) -> Section {
    let Some(a) = intent::parse_address(text) else {
        return Section::say(replies::ask_default_address(), "kb-account");
    };
    let call = WriteCall::ModifyUserAddress(ModifyUserAddressArgs {
        user_id: customer.user_id.clone(),
        address1: a.address1,
        address2: a.address2,
        city: a.city,
        state: a.state,
        country: "USA".into(),
        zip: a.zip,
    });
    propose(view, customer, call, "kb-account", |_| {
        replies::default_address_prepared()
    })
}

fn item_names(items: &[OrderItem]) -> Vec<String> {
    items.iter().map(|i| i.name.clone()).collect()
}

/// The order a write is about: the one named, or the only one of the customer's that fits.
fn which_order<V: ShopView>(
    run: &mut Run<'_, V>,
    customer: &User,
    intent: Intent,
    text: &str,
    given: Option<&str>,
    citation: &'static str,
) -> Result<Result<Order, Section>, CapHit> {
    let wanted = |s: OrderStatus| match intent {
        Intent::Cancel | Intent::ModifyItems => s == OrderStatus::Pending,
        Intent::Return | Intent::Exchange => s == OrderStatus::Delivered,
        _ => s.is_pending_like(),
    };
    if let Some(id) = given
        .map(str::to_owned)
        .or_else(|| named_order(intent, text))
    {
        let id = &id;
        return Ok(match run.order(id)? {
            Ok(o) => Ok(o),
            Err(Miss::OutOfScope) => Err(Section::say(replies::not_your_order(id), "kb-account")),
            Err(_) => Err(Section::say(replies::order_not_found(id), citation)),
        });
    }
    let mut candidates = Vec::new();
    for id in &customer.orders {
        if let Ok(o) = run.order(id)? {
            let named = matches!(named_items(text, &o), NamedItems::Items(_));
            if wanted(o.status) && (named || customer.orders.len() == 1) {
                candidates.push(o);
            }
        }
    }
    Ok(match <[Order; 1]>::try_from(candidates) {
        Ok([only]) => Ok(only),
        Err(_) => Err(Section::say(replies::which_order(), citation)),
    })
}

/// The order named for this intent: the only one named, or — when a message names several
/// ("ship #W1 to …. Also cancel #W2") — the one named closest to the intent's own words.
fn named_order(intent: Intent, text: &str) -> Option<String> {
    // "Not #W1111111, the other one": an order the customer rules out is not the one meant.
    let ruled_out = |pos: usize| {
        let before = text[..pos].trim_end_matches(['#', 'w', ' ']);
        before.ends_with("not")
            && before[..before.len() - 3]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric())
    };
    let mentions: Vec<(usize, String)> = intent::order_mentions(text)
        .into_iter()
        .filter(|(pos, _)| !ruled_out(*pos))
        .collect();
    match mentions.as_slice() {
        [] => None,
        [(_, only)] => Some(only.clone()),
        several => {
            let at = intent::positions(intent, text);
            several
                .iter()
                .filter_map(|(pos, id)| {
                    let distance = at.iter().map(|a| a.abs_diff(*pos)).min()?;
                    Some((distance, id))
                })
                .min_by_key(|(distance, _)| *distance)
                .map(|(_, id)| id.clone())
        }
    }
}

/// Whether the text names a product by its name or its noun ("a backpack", "the kettle").
fn names_product(text: &str, name: &str) -> bool {
    let noun = name.split_whitespace().last().unwrap_or_default();
    intent::contains_word(text, name)
        || (noun.len() >= 4
            && (intent::contains_word(text, noun)
                || intent::contains_word(text, &format!("{noun}s"))))
}

/// A write on one of the customer's orders: `order` when the caller settled which (one
/// request for several orders), otherwise the one the text names for this intent.
pub(crate) fn order_action<V: ShopView>(
    run: &mut Run<'_, V>,
    customer: &User,
    intent: Intent,
    text: &str,
    order: Option<&str>,
) -> Result<Section, CapHit> {
    let citation = match intent {
        Intent::Cancel => "kb-cancellations",
        Intent::Return => "kb-returns",
        Intent::Exchange => "kb-exchanges",
        _ => "kb-order-changes",
    };
    let order = match which_order(run, customer, intent, text, order, citation)? {
        Ok(o) => o,
        Err(section) => return Ok(section),
    };
    // "The shoes in black instead": a different variant is an item change while the order is
    // pending and an exchange once it is delivered; the customer does not know our words.
    let intent = match (intent, order.status) {
        (Intent::Exchange, OrderStatus::Pending) => Intent::ModifyItems,
        (Intent::ModifyItems, OrderStatus::Delivered) => Intent::Exchange,
        (other, _) => other,
    };
    run.facts.push(draft::order_line(&order));
    let view = run.view;
    let label = |id: &str| draft::method_label(customer.payment_methods.get(id), id);
    let id = order.order_id.clone();
    let original = original_payment(&order).unwrap_or_default().to_owned();
    // The method named, or the original one when none is named and the write allows it.
    let method = |allowed: &dyn Fn(PaymentSource) -> bool| -> Result<String, Section> {
        match named_payment(text, customer) {
            PaymentChoice::Chosen(pm) => Ok(pm),
            PaymentChoice::Unnamed => Ok(original.clone()),
            PaymentChoice::NotOwned(kind) if allowed(kind) => Err(Section::say(
                replies::payment_not_on_file(kind, &id),
                citation,
            )),
            PaymentChoice::NotOwned(_) => Ok(original.clone()),
            PaymentChoice::Ambiguous(kind) => {
                Err(Section::say(replies::which_of_kind(kind, &id), citation))
            }
        }
    };
    Ok(match intent {
        Intent::Cancel => {
            // Only whole orders can be cancelled: "cancel the lamp in #W…" is not a request to
            // cancel everything else in it too.
            if let NamedItems::Items(items) = named_items(text, &order) {
                if items.len() < order.items.len() {
                    return Ok(Section::say(
                        replies::whole_orders_only(&id, &item_names(&order.items)),
                        citation,
                    ));
                }
            }
            let Some(reason) = intent::cancel_reason(text) else {
                return Ok(Section::say(replies::ask_cancel_reason(&id), citation));
            };
            let timing = draft::refund_timing(customer.payment_methods.get(&original));
            let pm_label = label(&original);
            let call = WriteCall::CancelPendingOrder(CancelPendingOrderArgs {
                order_id: id.clone(),
                reason: reason.into(),
            });
            propose(view, customer, call, citation, |p| {
                replies::cancel_prepared(&id, reason, p.amount, &pm_label, timing)
            })
        }
        Intent::Return => {
            let items = match named_items(text, &order) {
                NamedItems::Items(items) => items,
                NamedItems::Ambiguous(word) => {
                    return Ok(Section::say(
                        replies::which_of_several(&word, &id),
                        citation,
                    ))
                }
                NamedItems::None => {
                    return Ok(Section::say(
                        replies::which_items_to_return(&id, &item_names(&order.items)),
                        citation,
                    ))
                }
            };
            // A refund goes to the original method or a gift card: only a gift card is a
            // choice the customer can make here.
            let pm = match method(&|k| k == PaymentSource::GiftCard) {
                Ok(pm) => pm,
                Err(section) => return Ok(section),
            };
            let names: Vec<String> = items.iter().map(|i| i.name.clone()).collect();
            let pm_label = label(&pm);
            let call = WriteCall::ReturnDeliveredOrderItems(ReturnDeliveredOrderItemsArgs {
                order_id: id.clone(),
                item_ids: items.iter().map(|i| i.item_id.clone()).collect(),
                payment_method_id: pm,
            });
            propose(view, customer, call, citation, |p| {
                replies::return_prepared(&names, &id, p.amount, &pm_label)
            })
        }
        Intent::Exchange | Intent::ModifyItems => {
            let items = match named_items(text, &order) {
                NamedItems::Items(items) => items,
                NamedItems::None if order.items.len() == 1 => order.items.iter().collect(),
                NamedItems::Ambiguous(word) => {
                    return Ok(Section::say(
                        replies::which_of_several(&word, &id),
                        citation,
                    ))
                }
                NamedItems::None => {
                    return Ok(Section::say(replies::which_item_to_change(&id), citation))
                }
            };
            let mut old_ids = Vec::new();
            let mut new_ids = Vec::new();
            let mut lines = Vec::new();
            for item in &items {
                let Ok(product) = run.product(&item.product_id)? else {
                    return Ok(Section::escalate(
                        "could not look up the products to exchange",
                    ));
                };
                match target_variant(text, &product, item) {
                    Target::Found(v) => {
                        old_ids.push(item.item_id.clone());
                        new_ids.push(v.item_id.clone());
                        lines.push(format!(
                            "{} ({} → {})",
                            item.name,
                            options_text(&item.options),
                            options_text(&v.options)
                        ));
                    }
                    Target::Unavailable { available } => {
                        return Ok(Section::say(
                            replies::variant_unavailable(&item.name, &id, &available),
                            citation,
                        ))
                    }
                    Target::Unspecified => {
                        // "The skillet for a backpack": another product is not an option of
                        // this one, and policy allows only options of the same product.
                        if let Ok(types) = run.product_types()? {
                            let other = types.keys().find(|name| {
                                **name != item.name && names_product(text, &name.to_lowercase())
                            });
                            if other.is_some() {
                                return Ok(Section::say(
                                    replies::other_product(&item.name, &id),
                                    citation,
                                ));
                            }
                        }
                        return Ok(Section::say(
                            replies::which_option(&item.name, &id),
                            citation,
                        ));
                    }
                }
            }
            let pm = match method(&|_| true) {
                Ok(pm) => pm,
                Err(section) => return Ok(section),
            };
            let pm_label = label(&pm);
            let args = ItemSwapArgs {
                order_id: id.clone(),
                item_ids: old_ids,
                new_item_ids: new_ids,
                payment_method_id: pm,
            };
            let (call, verb) = if intent == Intent::Exchange {
                (WriteCall::ExchangeDeliveredOrderItems(args), "exchange")
            } else {
                (WriteCall::ModifyPendingOrderItems(args), "change")
            };
            propose(view, customer, call, citation, |_| {
                replies::swap_prepared(verb, &id, &lines, &pm_label)
            })
        }
        Intent::ChangeOrderAddress => {
            let Some(a) = intent::parse_address(text) else {
                return Ok(Section::say(replies::ask_address(&id), citation));
            };
            let call = WriteCall::ModifyPendingOrderAddress(ModifyPendingOrderAddressArgs {
                order_id: id.clone(),
                address1: a.address1,
                address2: a.address2,
                city: a.city,
                state: a.state,
                country: "USA".into(),
                zip: a.zip,
            });
            propose(view, customer, call, citation, |p| {
                replies::address_prepared(&p.summary)
            })
        }
        Intent::ChangePayment => {
            let pm = match named_payment(text, customer) {
                PaymentChoice::Chosen(pm) => pm,
                PaymentChoice::Unnamed => {
                    return Ok(Section::say(replies::which_payment_method(&id), citation))
                }
                PaymentChoice::NotOwned(kind) => {
                    return Ok(Section::say(
                        replies::payment_not_on_file(kind, &id),
                        citation,
                    ))
                }
                PaymentChoice::Ambiguous(kind) => {
                    return Ok(Section::say(replies::which_of_kind(kind, &id), citation))
                }
            };
            let pm_label = label(&pm);
            let call = WriteCall::ModifyPendingOrderPayment(ModifyPendingOrderPaymentArgs {
                order_id: id.clone(),
                payment_method_id: pm,
            });
            propose(view, customer, call, citation, |p| {
                replies::payment_prepared(&id, p.amount, &pm_label)
            })
        }
        _ => Section::default(),
    })
}
