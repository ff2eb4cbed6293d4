//! Exports of a real workspace's history.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::sync::Arc;

use countersign_core::ManualClock;
use countersign_export::{write, ExportFormat, CSV_HEADER};
use countersign_shop::ToolName;
use countersign_store::{Desk, HistoryFilter, ShopSeed};

#[test]
fn csv_and_jsonl_hold_every_entry_with_awkward_text_intact() {
    let dir = tempfile::tempdir().unwrap();
    let mut desk = Desk::open(
        dir.path(),
        &ShopSeed::Demo,
        Arc::new(ManualClock::new(1_800_000_000_000)),
    )
    .unwrap();
    countersign_evals::inbox::seed_demo_inbox(&mut desk).unwrap();
    let queue = desk.queue().unwrap();
    let ana = "ana";
    let address = queue
        .iter()
        .find(|p| p.tool == ToolName::ModifyPendingOrderAddress)
        .unwrap();
    desk.approve(address.id, ana, None).unwrap();
    let returned = queue
        .iter()
        .find(|p| p.tool == ToolName::ReturnDeliveredOrderItems)
        .unwrap();
    // A comma, a quote and a line break: CSV must quote them, and the row count must not
    // be the line count.
    let reason = "customer called, said \"withdraw\"\nby phone";
    desk.reject(returned.id, ana, reason).unwrap();
    let entries = desk
        .views()
        .history(&HistoryFilter::default())
        .unwrap()
        .entries;

    let mut csv = Vec::new();
    assert_eq!(write(&entries, ExportFormat::Csv, &mut csv).unwrap(), 2);
    let mut reader = csv::Reader::from_reader(csv.as_slice());
    assert_eq!(reader.headers().unwrap(), CSV_HEADER.as_slice());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][1], "rejected");
    assert_eq!(&rows[0][9], reason);
    assert_eq!(&rows[1][6], "modify_pending_order_address");

    let mut jsonl = Vec::new();
    assert_eq!(write(&entries, ExportFormat::Jsonl, &mut jsonl).unwrap(), 2);
    let lines: Vec<serde_json::Value> = String::from_utf8(jsonl)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["reason"], reason);
    assert!(lines
        .iter()
        .all(|v| v["actor"] == "ana" && v["args"].is_object()));
}
