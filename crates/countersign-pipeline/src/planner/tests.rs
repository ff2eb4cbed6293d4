//! The planner over an in-memory shop: each test is one rule of "propose only what you are
//! sure of", or one cap.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use countersign_shop::{evaluate, gather_facts, Shop, ToolName, WriteCall};
use serde_json::json;

use super::resolve::{
    named_items, named_payment, target_variant, NamedItems, PaymentChoice, Target,
};
use super::*;
use crate::guard::screen;
use crate::plan::Caps;
use crate::request::{Channel, Request};

struct NoArticles;
impl KnowledgeBase for NoArticles {
    fn search(&self, _query: &str, _limit: usize) -> Vec<String> {
        Vec::new()
    }
}

struct Still;
impl Ticker for Still {
    fn now_us(&self) -> u64 {
        0
    }
}

fn address() -> serde_json::Value {
    json!({"address1": "1 Main St", "address2": "", "city": "Austin", "country": "USA", "state": "TX", "zip": "78701"})
}

fn item(name: &str, product: &str, id: &str, options: serde_json::Value) -> serde_json::Value {
    json!({"name": name, "product_id": product, "item_id": id, "price": 20.0, "options": options})
}

fn variant(id: &str, options: serde_json::Value, available: bool) -> serde_json::Value {
    json!({"item_id": id, "options": options, "available": available, "price": 20.0})
}

/// Ana: two credit cards and a gift card; #W1000001 pending (a red M t-shirt), #W2000002 delivered (two
/// lamps and the t-shirt).
fn shop() -> Shop {
    let shirt = item(
        "T-Shirt",
        "p_shirt",
        "shirt_red_m",
        json!({"color": "red", "size": "M"}),
    );
    let db = json!({
        "users": {"ana_1": {
            "user_id": "ana_1",
            "name": {"first_name": "Ana", "last_name": "Lima"},
            "address": address(),
            "email": "ana@example.com",
            "payment_methods": {
                "credit_card_1": {"source": "credit_card", "id": "credit_card_1", "brand": "visa", "last_four": "1111"},
                "credit_card_2": {"source": "credit_card", "id": "credit_card_2", "brand": "mastercard", "last_four": "2222"},
                "gift_card_1": {"source": "gift_card", "id": "gift_card_1", "balance": 100.0}
            },
            "orders": ["#W1000001", "#W2000002"]
        }},
        "orders": {
            "#W1000001": {"order_id": "#W1000001", "user_id": "ana_1", "address": address(), "items": [shirt.clone()],
                    "status": "pending", "fulfillments": [],
                    "payment_history": [{"transaction_type": "payment", "amount": 20.0, "payment_method_id": "credit_card_1"}]},
            "#W2000002": {"order_id": "#W2000002", "user_id": "ana_1", "address": address(),
                    "items": [item("Desk Lamp", "p_desk", "desk_1", json!({"color": "black"})),
                              item("Floor Lamp", "p_floor", "floor_1", json!({"color": "white"})),
                              shirt],
                    "status": "delivered", "fulfillments": [],
                    "payment_history": [{"transaction_type": "payment", "amount": 60.0, "payment_method_id": "credit_card_1"}]}
        },
        "products": {
            "p_shirt": {"name": "T-Shirt", "product_id": "p_shirt", "variants": {
                "shirt_red_m": variant("shirt_red_m", json!({"color": "red", "size": "M"}), true),
                "shirt_blue_l": variant("shirt_blue_l", json!({"color": "blue", "size": "L"}), true),
                "shirt_green_m": variant("shirt_green_m", json!({"color": "green", "size": "M"}), false),
                "shirt_black_m": variant("shirt_black_m", json!({"color": "black", "size": "M"}), true)
            }},
            "p_desk": {"name": "Desk Lamp", "product_id": "p_desk", "variants": {
                "desk_1": variant("desk_1", json!({"color": "black"}), true)
            }},
            "p_floor": {"name": "Floor Lamp", "product_id": "p_floor", "variants": {
                "floor_1": variant("floor_1", json!({"color": "white"}), true)
            }}
        }
    });
    Shop::from_tau_json(&db.to_string()).unwrap()
}

fn plan_with(shop: &Shop, body: &str, caps: Caps, step_cost: Option<f64>) -> Plan {
    let request = Request {
        channel: Some(Channel::Email),
        sender: Some("ana@example.com".into()),
        body: body.into(),
        ..Request::default()
    };
    let planner = RulesPlanner {
        view: shop,
        kb: &NoArticles,
        ticker: &Still,
        caps,
    };
    planner.plan_priced(&request, &screen(&request), step_cost)
}

fn plan(body: &str) -> Plan {
    plan_with(&shop(), body, Caps::default(), None)
}

#[test]
fn a_variant_differing_in_an_option_the_customer_did_not_name_is_not_proposed() {
    let shop = shop();
    let old = &shop.orders["#W1000001"].items[0];
    let product = &shop.products["p_shirt"];
    // "blue" exists only as size L: proposing it would change the size silently.
    assert_eq!(
        target_variant("make it blue", product, old),
        Target::Unspecified
    );
    assert!(matches!(
        target_variant("black please", product, old),
        Target::Found(v) if v.item_id == "shirt_black_m"
    ));
    let p = plan("Please change the t-shirt in #W1000001 to blue.");
    assert!(p.proposals.is_empty(), "{:?}", p.proposals);
    assert!(p.reply.unwrap().contains("Which option"));
}

#[test]
fn an_unavailable_variant_is_refused_with_what_is_available() {
    let p = plan("Please change the t-shirt in order #W1000001 to green.");
    assert!(p.proposals.is_empty());
    let reply = p.reply.unwrap();
    assert!(
        reply.contains("out of stock") && reply.contains("color black, size M"),
        "{reply}"
    );
}

#[test]
fn a_payment_method_the_customer_does_not_own_is_asked_about_not_swapped() {
    let shop = shop();
    let ana = &shop.users["ana_1"];
    assert_eq!(
        named_payment("use my paypal", ana),
        PaymentChoice::NotOwned(countersign_shop::PaymentSource::Paypal)
    );
    let p = plan("Please pay order #W1000001 with my PayPal instead.");
    assert!(p.proposals.is_empty(), "{:?}", p.proposals);
}

#[test]
fn two_cards_of_the_kind_named_are_asked_about_unless_the_digits_say_which() {
    let shop = shop();
    let ana = &shop.users["ana_1"];
    assert!(matches!(
        named_payment("my credit card", ana),
        PaymentChoice::Ambiguous(_)
    ));
    assert_eq!(
        named_payment("the credit card ending 2222", ana),
        PaymentChoice::Chosen("credit_card_2".into())
    );
}

#[test]
fn a_word_that_fits_two_items_is_asked_about() {
    let shop = shop();
    let order = &shop.orders["#W2000002"];
    assert_eq!(
        named_items("return the lamp", order),
        NamedItems::Ambiguous("lamp".into())
    );
    match named_items("return both lamps", order) {
        NamedItems::Items(items) => assert_eq!(items.len(), 2),
        other => panic!("{other:?}"),
    }
    let p = plan("I want to return the lamp from #W2000002, it arrived broken.");
    assert!(p.proposals.is_empty(), "{:?}", p.proposals);
}

#[test]
fn a_return_holds_only_the_items_named() {
    let p = plan("Please return the desk lamp from order #W2000002.");
    let [only] = p.proposals.as_slice() else {
        panic!("{:?}", p.proposals)
    };
    match &only.call {
        WriteCall::ReturnDeliveredOrderItems(a) => assert_eq!(a.item_ids, ["desk_1"]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_proposal_carries_the_effect_policy_gives_its_call() {
    let shop = shop();
    let p = plan_with(
        &shop,
        "Cancel #W1000001 please, I ordered it by mistake.",
        Caps::default(),
        None,
    );
    let [only] = p.proposals.as_slice() else {
        panic!("{:?}", p.proposals)
    };
    assert_eq!(only.tool(), ToolName::CancelPendingOrder);
    let facts = gather_facts(&shop, "ana_1", &only.call).unwrap();
    assert_eq!(evaluate(&facts, &only.call).unwrap(), only.effect);
}

#[test]
fn the_rules_planner_reports_cost_as_not_applicable() {
    let p = plan("Where is my order #W1000001?");
    assert!(!p.steps.is_empty());
    assert!(
        p.steps.iter().all(|s| s.cost_usd.is_none()),
        "{:?}",
        p.steps
    );
}

#[test]
fn the_step_cap_escalates_and_drops_proposals() {
    let caps = Caps {
        max_steps: 3,
        max_cost_usd: 10.0,
    };
    let p = plan_with(
        &shop(),
        "Cancel #W1000001 please, I ordered it by mistake.",
        caps,
        None,
    );
    assert_eq!(p.outcome, Outcome::Escalate);
    assert!(p.proposals.is_empty());
    assert_eq!(p.steps.len(), 3);
    assert!(p.handoff.unwrap().reason.contains("cap"));
}

#[test]
fn the_cost_cap_escalates_when_priced_steps_exceed_it() {
    let caps = Caps {
        max_steps: 100,
        max_cost_usd: 0.25,
    };
    let p = plan_with(
        &shop(),
        "Cancel #W1000001 please, I ordered it by mistake.",
        caps,
        Some(0.1),
    );
    assert_eq!(p.outcome, Outcome::Escalate);
    assert!(p.proposals.is_empty());
    // The third priced step crosses $0.25.
    assert_eq!(p.steps.len(), 3);
    // Without a price the same request is proposed.
    let free = plan_with(
        &shop(),
        "Cancel #W1000001 please, I ordered it by mistake.",
        caps,
        None,
    );
    assert_eq!(free.proposals.len(), 1);
}

#[test]
fn everything_except_one_item_returns_that_item_only() {
    let p =
        plan("Everything in #W2000002 is fine except the desk lamp, which I would like to return.");
    let [only] = p.proposals.as_slice() else {
        panic!("{:?}", p.proposals)
    };
    match &only.call {
        WriteCall::ReturnDeliveredOrderItems(a) => assert_eq!(a.item_ids, ["desk_1"]),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_brand_the_customer_does_not_have_is_not_swapped_for_one_they_have() {
    let shop = shop();
    let ana = &shop.users["ana_1"];
    assert_eq!(
        named_payment("charge it to my amex instead", ana),
        PaymentChoice::NotOwned(countersign_shop::PaymentSource::CreditCard)
    );
    assert_eq!(
        named_payment("use the mastercard", ana),
        PaymentChoice::Chosen("credit_card_2".into())
    );
}

#[test]
fn my_card_with_a_credit_card_and_a_gift_card_on_file_is_a_question() {
    let shop = shop();
    assert!(matches!(
        named_payment("pay with my card", &shop.users["ana_1"]),
        PaymentChoice::Ambiguous(_)
    ));
}

#[test]
fn each_request_of_a_two_order_message_acts_on_the_order_named_with_it() {
    let p = plan("Please cancel #W1000001, I ordered it by mistake. Also I want to return the desk lamp from #W2000002.");
    let mut done: Vec<(ToolName, Option<&str>)> = p
        .proposals
        .iter()
        .map(|a| (a.tool(), a.call.order_id()))
        .collect();
    done.sort_by_key(|(tool, _)| tool.as_str());
    assert_eq!(
        done,
        [
            (ToolName::CancelPendingOrder, Some("#W1000001")),
            (ToolName::ReturnDeliveredOrderItems, Some("#W2000002")),
        ]
    );
}

#[test]
fn a_value_the_item_already_has_is_kept_when_named_with_a_new_one() {
    let shop = shop();
    let old = &shop.orders["#W1000001"].items[0];
    // Red M today; "black M" names the new colour and keeps the size.
    assert!(matches!(
        target_variant("black size m please", &shop.products["p_shirt"], old),
        Target::Found(v) if v.item_id == "shirt_black_m"
    ));
}

#[test]
fn an_item_named_by_an_option_only_it_has_is_that_item() {
    let shop = shop();
    // #W2000002 holds a black desk lamp, a white floor lamp and a red t-shirt.
    match named_items("the white one has to go back", &shop.orders["#W2000002"]) {
        NamedItems::Items(items) => assert_eq!(items[0].item_id, "floor_1"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn one_request_for_both_orders_acts_on_each() {
    let mut shop = shop();
    let mut second = shop.orders["#W1000001"].clone();
    second.order_id = "#W3000003".into();
    shop.orders.insert(second.order_id.clone(), second);
    shop.users
        .get_mut("ana_1")
        .unwrap()
        .orders
        .push("#W3000003".into());
    let p = plan_with(
        &shop,
        "cancel both #W1000001 and #W3000003, ordered them by mistake",
        Caps::default(),
        None,
    );
    let orders: Vec<Option<&str>> = p.proposals.iter().map(|a| a.call.order_id()).collect();
    assert_eq!(orders, [Some("#W1000001"), Some("#W3000003")]);
}

#[test]
fn an_exchange_for_another_product_is_refused_not_asked_about() {
    let p = plan("Can I exchange the t-shirt from order #W2000002 for a desk lamp?");
    assert!(p.proposals.is_empty());
    let reply = p.reply.unwrap();
    assert!(reply.contains("same product"), "{reply}");
}

#[test]
fn a_question_back_names_the_order_it_is_about() {
    let p = plan("Please change the t-shirt in order #W1000001 to green.");
    assert!(p.reply.unwrap().contains("#W1000001"));
}

#[test]
fn a_refusal_speaks_the_customers_words_not_internal_ids() {
    let p = plan("Please pay order #W1000001 with my visa instead.");
    let reply = p.reply.unwrap();
    assert!(p.proposals.is_empty());
    assert!(reply.contains("already paid"), "{reply}");
    assert!(!reply.contains("credit_card_1"), "{reply}");
}

/// The fixture plus a second pending order paid like #W1000001.
fn shop_with_two_pending() -> Shop {
    let mut shop = shop();
    let mut second = shop.orders["#W1000001"].clone();
    second.order_id = "#W3000003".into();
    shop.orders.insert(second.order_id.clone(), second);
    shop.users
        .get_mut("ana_1")
        .unwrap()
        .orders
        .push("#W3000003".into());
    shop
}

#[test]
fn reach_is_not_each_and_one_cancellation_stays_one() {
    let p = plan_with(
        &shop_with_two_pending(),
        "I tried to reach you about #W1000001 last week. Please cancel #W3000003, I ordered it by mistake.",
        Caps::default(),
        None,
    );
    let orders: Vec<Option<&str>> = p.proposals.iter().map(|a| a.call.order_id()).collect();
    assert_eq!(orders, [Some("#W3000003")]);
}

#[test]
fn an_order_the_customer_rules_out_is_not_the_one_acted_on() {
    let p = plan_with(
        &shop_with_two_pending(),
        "I need to cancel an order, I ordered it by mistake. Not #W3000003, that one's fine - the other one, #W1000001.",
        Caps::default(),
        None,
    );
    let orders: Vec<Option<&str>> = p.proposals.iter().map(|a| a.call.order_id()).collect();
    assert_eq!(orders, [Some("#W1000001")]);
}

#[test]
fn two_items_of_the_same_name_are_asked_about() {
    let mut shop = shop();
    let order = shop.orders.get_mut("#W2000002").unwrap();
    let mut twin = order.items[0].clone();
    twin.item_id = "desk_2".into();
    order.items.push(twin);
    assert!(matches!(
        named_items("return the desk lamp", &shop.orders["#W2000002"]),
        NamedItems::Ambiguous(_)
    ));
    match named_items("return both desk lamps", &shop.orders["#W2000002"]) {
        NamedItems::Items(items) => assert_eq!(items.len(), 2),
        other => panic!("{other:?}"),
    }
}

#[test]
fn cancelling_one_item_does_not_cancel_the_whole_order() {
    let mut shop = shop();
    let mut lamp = shop.orders["#W2000002"].items[0].clone();
    lamp.item_id = "desk_9".into();
    shop.orders.get_mut("#W1000001").unwrap().items.push(lamp);
    let p = plan_with(
        &shop,
        "Please cancel the desk lamp in #W1000001, I ordered it by mistake.",
        Caps::default(),
        None,
    );
    assert!(p.proposals.is_empty(), "{:?}", p.proposals);
    assert!(p.reply.unwrap().contains("whole order"));
}
