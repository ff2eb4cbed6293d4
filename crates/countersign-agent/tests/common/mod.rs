//! What the agent's integration tests share: a real demo workspace, the demo shop's customers,
//! and the checks that nothing executed.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;

use countersign_core::ManualClock;
use countersign_pipeline::{Channel, Request};
use countersign_shop::demo::{generate, DemoSize, DEMO_SEED};
use countersign_shop::{OrderStatus, Shop, User};
use countersign_store::{Desk, ShopSeed, DB_FILE};

pub struct World {
    pub dir: tempfile::TempDir,
    pub desk: Desk,
    /// The demo shop as generated: what the workspace was seeded with.
    pub shop: Shop,
}

pub fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk::open(
        dir.path(),
        &ShopSeed::Demo,
        Arc::new(ManualClock::new(1_800_000_000_000)),
    )
    .unwrap();
    let shop = generate(DEMO_SEED, &DemoSize::DEFAULT);
    World { dir, desk, shop }
}

pub fn email(from: &str, body: &str) -> Request {
    Request {
        channel: Some(Channel::Email),
        sender: Some(from.into()),
        body: body.into(),
        ..Request::default()
    }
}

/// Customers with an order in `status`, and that order, in a stable order.
pub fn with_status(shop: &Shop, status: OrderStatus) -> Vec<(User, String)> {
    shop.users
        .values()
        .filter_map(|u| {
            u.orders
                .iter()
                .find(|o| shop.orders[*o].status == status)
                .map(|o| (u.clone(), o.clone()))
        })
        .collect()
}

/// A customer with a pending order whose payment was a single non-gift-card payment, and the
/// order: the customer every happy-path test writes as.
pub fn pending(shop: &Shop) -> (User, String) {
    with_status(shop, OrderStatus::Pending)
        .into_iter()
        .next()
        .expect("the demo shop has a pending order")
}

/// Another customer (not `of`) with a pending order, and a payment method of theirs.
pub fn other(shop: &Shop, of: &User) -> (User, String, String) {
    let (u, o) = with_status(shop, OrderStatus::Pending)
        .into_iter()
        .find(|(u, _)| u.user_id != of.user_id && !u.payment_methods.is_empty())
        .expect("a second customer with a pending order");
    let pm = u
        .payment_methods
        .keys()
        .find(|k| !of.payment_methods.contains_key(*k))
        .expect("a payment method only they own")
        .clone();
    (u, o, pm)
}

/// `action.executed` records in the workspace's audit log, read straight from the file.
pub fn executed_audit_records(dir: &Path) -> i64 {
    let conn = rusqlite::Connection::open_with_flags(
        dir.join(DB_FILE),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    conn.query_row(
        "SELECT count(*) FROM audit_log WHERE kind = 'action.executed'",
        [],
        |r| r.get(0),
    )
    .unwrap()
}

/// Nothing executed: no execution row, no `action.executed` record, the shop as seeded.
pub fn assert_nothing_executed(w: &World) {
    assert_eq!(
        w.desk.execution_count().unwrap(),
        0,
        "an execution was recorded"
    );
    assert_eq!(
        executed_audit_records(w.dir.path()),
        0,
        "action.executed in the audit log"
    );
    assert!(w.desk.export_shop().unwrap() == w.shop, "the shop changed");
    assert!(w.desk.verify_audit().unwrap().ok);
}
