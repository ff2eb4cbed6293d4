//! The policy as a table: one row per rule, on a hand-made shop where each row's reason is
//! obvious from the fixture.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use countersign_shop::*;
use serde_json::{json, Value};

fn shop() -> Shop {
    let addr = json!({"address1": "1 Alder Lane", "address2": "", "city": "Austin", "country": "USA", "state": "TX", "zip": "78701"});
    let item = |id: &str, pid: &str, price: f64, color: &str| json!({"name": if pid == "p1" {"Lamp"} else {"Mug"}, "product_id": pid, "item_id": id, "price": price, "options": {"color": color}});
    let order = |id: &str, user: &str, status: &str, items: Vec<Value>, pm: &str, paid: f64| {
        json!({"order_id": id, "user_id": user, "address": addr, "items": items, "status": status, "fulfillments": [],
               "payment_history": [{"transaction_type": "payment", "amount": paid, "payment_method_id": pm}]})
    };
    serde_json::from_value(json!({
        "users": {
            "ana_1": {"user_id": "ana_1", "name": {"first_name": "Ana", "last_name": "Abara"}, "address": addr,
                      "email": "ana@example.com", "orders": ["#W1", "#W2", "#W3", "#W4"],
                      "payment_methods": {
                          "credit_card_1": {"source": "credit_card", "id": "credit_card_1", "brand": "visa", "last_four": "1111"},
                          "gift_card_1": {"source": "gift_card", "id": "gift_card_1", "balance": 5.0},
                          "gift_card_2": {"source": "gift_card", "id": "gift_card_2", "balance": 500.0}}},
            "bo_2": {"user_id": "bo_2", "name": {"first_name": "Bo", "last_name": "Becker"}, "address": addr,
                     "email": "bo@example.com", "orders": ["#W9"],
                     "payment_methods": {"paypal_2": {"source": "paypal", "id": "paypal_2"}}}
        },
        "orders": {
            "#W1": order("#W1", "ana_1", "pending", vec![item("i1", "p1", 40.0, "white"), item("i1", "p1", 40.0, "white")], "credit_card_1", 80.0),
            "#W2": order("#W2", "ana_1", "delivered", vec![item("i1", "p1", 40.0, "white"), item("m1", "p2", 10.0, "red")], "credit_card_1", 50.0),
            "#W3": order("#W3", "ana_1", "processed", vec![item("i1", "p1", 40.0, "white")], "credit_card_1", 40.0),
            "#W4": order("#W4", "ana_1", "pending (item modified)", vec![item("i2", "p1", 55.0, "black")], "credit_card_1", 55.0),
            "#W9": order("#W9", "bo_2", "pending", vec![item("m1", "p2", 10.0, "red")], "paypal_2", 10.0)
        },
        "products": {
            "p1": {"name": "Lamp", "product_id": "p1", "variants": {
                "i1": {"item_id": "i1", "options": {"color": "white"}, "available": true, "price": 40.0},
                "i2": {"item_id": "i2", "options": {"color": "black"}, "available": true, "price": 55.0},
                "i3": {"item_id": "i3", "options": {"color": "brass"}, "available": false, "price": 60.0}}},
            "p2": {"name": "Mug", "product_id": "p2", "variants": {
                "m1": {"item_id": "m1", "options": {"color": "red"}, "available": true, "price": 10.0},
                "m2": {"item_id": "m2", "options": {"color": "blue"}, "available": true, "price": 12.0}}}
        }
    }))
    .unwrap()
}

fn judge(shop: &Shop, customer: &str, tool: &str, args: Value) -> Result<Effect, ViolationCode> {
    let tool: ToolName = tool.parse().unwrap();
    let call = parse_write(tool, &args).unwrap();
    let facts = gather_facts(shop, customer, &call).unwrap();
    evaluate(&facts, &call).map_err(|v| v.code)
}

#[test]
fn policy_table() {
    use ViolationCode::*;
    let s = shop();
    let addr = |order: &str| json!({"order_id": order, "address1": "9 Birch St", "address2": "", "city": "Boise", "state": "ID", "country": "USA", "zip": "83701"});
    let swap = |order: &str, old: &[&str], new: &[&str], pm: &str| json!({"order_id": order, "item_ids": old, "new_item_ids": new, "payment_method_id": pm});
    let ret = |order: &str, items: &[&str], pm: &str| json!({"order_id": order, "item_ids": items, "payment_method_id": pm});
    let rows: Vec<(&str, &str, &str, Value, Option<ViolationCode>)> = vec![
        // cancel: status, ownership, reason
        (
            "cancel ok",
            "ana_1",
            "cancel_pending_order",
            json!({"order_id": "#W1", "reason": "no longer needed"}),
            None,
        ),
        (
            "cancel other reason",
            "ana_1",
            "cancel_pending_order",
            json!({"order_id": "#W1", "reason": "too slow"}),
            Some(InvalidCancelReason),
        ),
        (
            "cancel delivered",
            "ana_1",
            "cancel_pending_order",
            json!({"order_id": "#W2", "reason": "no longer needed"}),
            Some(WrongStatus),
        ),
        (
            "cancel processed",
            "ana_1",
            "cancel_pending_order",
            json!({"order_id": "#W3", "reason": "no longer needed"}),
            Some(WrongStatus),
        ),
        (
            "cancel item-modified",
            "ana_1",
            "cancel_pending_order",
            json!({"order_id": "#W4", "reason": "no longer needed"}),
            Some(WrongStatus),
        ),
        (
            "cancel someone else's",
            "ana_1",
            "cancel_pending_order",
            json!({"order_id": "#W9", "reason": "no longer needed"}),
            Some(NotOwner),
        ),
        (
            "cancel missing order",
            "ana_1",
            "cancel_pending_order",
            json!({"order_id": "#W0", "reason": "no longer needed"}),
            Some(OrderNotFound),
        ),
        (
            "unknown customer",
            "zed_0",
            "cancel_pending_order",
            json!({"order_id": "#W1", "reason": "no longer needed"}),
            Some(UnknownCustomer),
        ),
        // address: pending-like statuses allowed
        (
            "address pending",
            "ana_1",
            "modify_pending_order_address",
            addr("#W1"),
            None,
        ),
        (
            "address item-modified",
            "ana_1",
            "modify_pending_order_address",
            addr("#W4"),
            None,
        ),
        (
            "address delivered",
            "ana_1",
            "modify_pending_order_address",
            addr("#W2"),
            Some(WrongStatus),
        ),
        (
            "address blank zip",
            "ana_1",
            "modify_pending_order_address",
            {
                let mut a = addr("#W1");
                a["zip"] = json!(" ");
                a
            },
            Some(InvalidAddress),
        ),
        // payment
        (
            "pay with big gift card",
            "ana_1",
            "modify_pending_order_payment",
            json!({"order_id": "#W1", "payment_method_id": "gift_card_2"}),
            None,
        ),
        (
            "pay with small gift card",
            "ana_1",
            "modify_pending_order_payment",
            json!({"order_id": "#W1", "payment_method_id": "gift_card_1"}),
            Some(InsufficientGiftCardBalance),
        ),
        (
            "pay with same method",
            "ana_1",
            "modify_pending_order_payment",
            json!({"order_id": "#W1", "payment_method_id": "credit_card_1"}),
            Some(SamePaymentMethod),
        ),
        (
            "pay with someone else's",
            "ana_1",
            "modify_pending_order_payment",
            json!({"order_id": "#W1", "payment_method_id": "paypal_2"}),
            Some(PaymentMethodNotOwned),
        ),
        // modify items: same product, available, different, counted, once only
        (
            "modify one of two",
            "ana_1",
            "modify_pending_order_items",
            swap("#W1", &["i1"], &["i2"], "credit_card_1"),
            None,
        ),
        (
            "modify both",
            "ana_1",
            "modify_pending_order_items",
            swap("#W1", &["i1", "i1"], &["i2", "i2"], "credit_card_1"),
            None,
        ),
        (
            "modify three of two",
            "ana_1",
            "modify_pending_order_items",
            swap(
                "#W1",
                &["i1", "i1", "i1"],
                &["i2", "i2", "i2"],
                "credit_card_1",
            ),
            Some(ItemNotInOrder),
        ),
        (
            "modify to other product",
            "ana_1",
            "modify_pending_order_items",
            swap("#W1", &["i1"], &["m2"], "credit_card_1"),
            Some(DifferentProduct),
        ),
        (
            "modify to unavailable",
            "ana_1",
            "modify_pending_order_items",
            swap("#W1", &["i1"], &["i3"], "credit_card_1"),
            Some(ItemUnavailable),
        ),
        (
            "modify to itself",
            "ana_1",
            "modify_pending_order_items",
            swap("#W1", &["i1"], &["i1"], "credit_card_1"),
            Some(SameItem),
        ),
        (
            "modify to nothing",
            "ana_1",
            "modify_pending_order_items",
            swap("#W1", &["i1"], &["nope"], "credit_card_1"),
            Some(ItemNotFound),
        ),
        (
            "modify lengths differ",
            "ana_1",
            "modify_pending_order_items",
            swap("#W1", &["i1"], &["i2", "i2"], "credit_card_1"),
            Some(LengthMismatch),
        ),
        (
            "modify twice",
            "ana_1",
            "modify_pending_order_items",
            swap("#W4", &["i2"], &["i1"], "credit_card_1"),
            Some(WrongStatus),
        ),
        (
            "modify small gift card",
            "ana_1",
            "modify_pending_order_items",
            swap("#W1", &["i1"], &["i2"], "gift_card_1"),
            Some(InsufficientGiftCardBalance),
        ),
        // return: delivered only, refund to original method or a gift card
        (
            "return to original",
            "ana_1",
            "return_delivered_order_items",
            ret("#W2", &["i1"], "credit_card_1"),
            None,
        ),
        (
            "return to gift card",
            "ana_1",
            "return_delivered_order_items",
            ret("#W2", &["i1", "m1"], "gift_card_1"),
            None,
        ),
        (
            "return pending",
            "ana_1",
            "return_delivered_order_items",
            ret("#W1", &["i1"], "credit_card_1"),
            Some(WrongStatus),
        ),
        (
            "return item not in order",
            "ana_1",
            "return_delivered_order_items",
            ret("#W2", &["m2"], "credit_card_1"),
            Some(ItemNotInOrder),
        ),
        (
            "return to someone else's",
            "ana_1",
            "return_delivered_order_items",
            ret("#W2", &["i1"], "paypal_2"),
            Some(PaymentMethodNotOwned),
        ),
        // exchange
        (
            "exchange ok",
            "ana_1",
            "exchange_delivered_order_items",
            swap("#W2", &["m1"], &["m2"], "gift_card_1"),
            None,
        ),
        (
            "exchange pending",
            "ana_1",
            "exchange_delivered_order_items",
            swap("#W1", &["i1"], &["i2"], "credit_card_1"),
            Some(WrongStatus),
        ),
        (
            "exchange other product",
            "ana_1",
            "exchange_delivered_order_items",
            swap("#W2", &["m1"], &["i2"], "credit_card_1"),
            Some(DifferentProduct),
        ),
        (
            "exchange gift card short",
            "ana_1",
            "exchange_delivered_order_items",
            swap("#W2", &["i1"], &["i2"], "gift_card_1"),
            Some(InsufficientGiftCardBalance),
        ),
        // default address: own record only
        (
            "own address",
            "ana_1",
            "modify_user_address",
            {
                let mut a = addr("x");
                a.as_object_mut().unwrap().remove("order_id");
                a["user_id"] = json!("ana_1");
                a
            },
            None,
        ),
        (
            "someone else's address",
            "ana_1",
            "modify_user_address",
            {
                let mut a = addr("x");
                a.as_object_mut().unwrap().remove("order_id");
                a["user_id"] = json!("bo_2");
                a
            },
            Some(NotOwner),
        ),
    ];
    let mut failures = Vec::new();
    for (name, customer, tool, args, want) in rows {
        let got = judge(&s, customer, tool, args).map(|_| ()).err();
        if got != want {
            failures.push(format!("{name}: want {want:?}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn previews_show_exactly_what_changes() {
    let s = shop();
    let e = judge(&s, "ana_1", "modify_pending_order_items", json!({"order_id": "#W1", "item_ids": ["i1"], "new_item_ids": ["i2"], "payment_method_id": "gift_card_2"})).unwrap();
    assert_eq!(e.preview.amount, Money::from_cents(1500));
    let fields: Vec<&str> = e.preview.changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "items",
            "payment_history",
            "status",
            "payment_methods.gift_card_2"
        ]
    );
    let card = e
        .preview
        .changes
        .iter()
        .find(|c| c.field == "payment_methods.gift_card_2")
        .unwrap();
    assert_eq!(card.before["balance"], 500.0);
    assert_eq!(card.after["balance"], 485.0);
    let order = e.order.unwrap();
    // Only one of the two identical lamps was swapped.
    assert_eq!(order.items.iter().filter(|i| i.item_id == "i2").count(), 1);
    assert_eq!(order.status, OrderStatus::PendingItemModified);

    let cancel = judge(
        &s,
        "ana_1",
        "cancel_pending_order",
        json!({"order_id": "#W1", "reason": "ordered by mistake"}),
    )
    .unwrap();
    assert_eq!(cancel.preview.amount, Money::from_cents(8000));
    assert!(
        cancel.user.is_none(),
        "a card refund settles outside the shop; the customer record is unchanged"
    );
}

#[test]
fn refunds_go_to_the_original_method_or_a_gift_card() {
    let mut s = shop();
    let pm: PaymentMethod =
        serde_json::from_value(json!({"source": "paypal", "id": "paypal_9"})).unwrap();
    s.users
        .get_mut("ana_1")
        .unwrap()
        .payment_methods
        .insert("paypal_9".into(), pm);
    let got = judge(
        &s,
        "ana_1",
        "return_delivered_order_items",
        json!({"order_id": "#W2", "item_ids": ["i1"], "payment_method_id": "paypal_9"}),
    );
    assert_eq!(
        got.map(|_| ()).unwrap_err(),
        ViolationCode::RefundMethodNotAllowed
    );
}

/// Approval compares a proposal's stored subject with the subject of the (edited) call; both
/// must name the record the same way, or every edit would look like a change of subject.
#[test]
fn the_effect_names_the_subject_the_call_names() {
    let s = shop();
    let calls = [
        (
            "cancel_pending_order",
            json!({"order_id": "#W1", "reason": "no longer needed"}),
        ),
        (
            "modify_pending_order_payment",
            json!({"order_id": "#W1", "payment_method_id": "gift_card_2"}),
        ),
        (
            "modify_user_address",
            json!({"user_id": "ana_1", "address1": "9 Birch St", "address2": "", "city": "Boise", "state": "ID", "country": "USA", "zip": "83701"}),
        ),
    ];
    for (tool, args) in calls {
        let call = parse_write(tool.parse().unwrap(), &args).unwrap();
        let effect = evaluate(&gather_facts(&s, "ana_1", &call).unwrap(), &call).unwrap();
        assert_eq!(effect.subject, call.subject(), "{tool}");
    }
}
