//! History filters, full-text search, exports and metrics, on a real workspace.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::sync::Arc;

use countersign_core::{ManualClock, Role};
use countersign_shop::ToolName;
use countersign_store::{Actor, Desk, ExportFormat, HistoryFilter, QueueFilter, ShopSeed};

fn seeded() -> (tempfile::TempDir, Desk) {
    let dir = tempfile::tempdir().unwrap();
    let mut desk = Desk::open(
        dir.path(),
        &ShopSeed::Demo,
        Arc::new(ManualClock::new(1_800_000_000_000)),
    )
    .unwrap();
    assert!(countersign_evals::inbox::seed_demo_inbox(&mut desk).unwrap() >= 20);
    (dir, desk)
}

#[test]
fn history_filters_search_and_exports() {
    let (_d, mut desk) = seeded();
    let queue = desk.queue().unwrap();
    let ana = Actor {
        name: "ana".into(),
        role: Role::Agent,
    };
    let sam = Actor {
        name: "sam".into(),
        role: Role::Supervisor,
    };
    let address = queue
        .iter()
        .find(|p| p.tool == ToolName::ModifyPendingOrderAddress)
        .unwrap()
        .clone();
    desk.approve(address.id, &ana, None).unwrap();
    let returned = queue
        .iter()
        .find(|p| p.tool == ToolName::ReturnDeliveredOrderItems)
        .unwrap()
        .clone();
    desk.reject(returned.id, &sam, "customer called to withdraw, zanzibar")
        .unwrap();

    let all = desk.history_filtered(&HistoryFilter::default()).unwrap();
    assert_eq!(all.len(), 2);
    let by_actor = desk
        .history_filtered(&HistoryFilter {
            actor: Some("sam".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(by_actor.len(), 1);
    assert_eq!(
        by_actor[0].decision.kind,
        countersign_core::DecisionKind::Rejected
    );
    let by_tool = desk
        .history_filtered(&HistoryFilter {
            tool: Some(ToolName::ModifyPendingOrderAddress),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(by_tool[0].decision.proposal_id, address.id);
    let searched = desk
        .history_filtered(&HistoryFilter {
            text: Some("zanzibar".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(searched.len(), 1);
    assert_eq!(searched[0].decision.proposal_id, returned.id);
    // Query syntax is words, not operators; no match is an empty list, not an error.
    assert!(desk
        .history_filtered(&HistoryFilter {
            text: Some("\" OR NEAR(".into()),
            ..Default::default()
        })
        .unwrap()
        .is_empty());
    let future = desk
        .history_filtered(&HistoryFilter {
            from_ms: Some(1_900_000_000_000),
            ..Default::default()
        })
        .unwrap();
    assert!(future.is_empty());

    let csv = desk
        .export_history(&HistoryFilter::default(), ExportFormat::Csv)
        .unwrap();
    assert_eq!(csv.lines().count(), 3);
    assert!(
        csv.contains("\"customer called to withdraw, zanzibar\""),
        "{csv}"
    );
    let jsonl = desk
        .export_history(&HistoryFilter::default(), ExportFormat::Jsonl)
        .unwrap();
    for line in jsonl.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["actor"].is_string() && v["args"].is_object());
    }
}

#[test]
fn queue_filters_and_daily_metrics() {
    let (_d, mut desk) = seeded();
    let all = desk.queue_filtered(&QueueFilter::default()).unwrap();
    let cancels = desk
        .queue_filtered(&QueueFilter {
            tool: Some(ToolName::CancelPendingOrder),
            ..Default::default()
        })
        .unwrap();
    assert!(!cancels.is_empty() && cancels.len() < all.len());
    assert!(cancels
        .iter()
        .all(|p| p.tool == ToolName::CancelPendingOrder));
    let who = all[0].customer_id.clone();
    let mine = desk
        .queue_filtered(&QueueFilter {
            text: Some(who.to_uppercase()),
            ..Default::default()
        })
        .unwrap();
    assert!(mine.iter().all(|p| p.customer_id == who));

    let days = desk.daily_metrics(30).unwrap();
    assert_eq!(days.len(), 1);
    assert!(days[0].conversations >= 20);
    assert!(days[0].blocks >= 1 && days[0].flags >= 1);
    assert!(days[0].steps_mean > 1.0);
    let counts = desk.state_counts().unwrap();
    assert_eq!(counts["pending"] as usize, all.len());
}
