//! τ-bench's ground truth through our policy and gate, on the shared dataset (read in place).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use countersign_evals::datasets::datasets_dir;
use countersign_evals::tau_replay::replay;

#[test]
fn tau2_ground_truth_passes_and_mutations_are_refused() {
    let dir = datasets_dir().join("tau-retail");
    assert!(
        dir.join("db.json").exists(),
        "τ-retail dataset missing at {} (set COUNTERSIGN_DATASETS)",
        dir.display()
    );
    let report = replay(&dir.join("db.json"), &dir.join("tau2_retail_tasks.jsonl")).unwrap();

    assert_eq!(report.tasks, 114);
    assert_eq!(report.write_actions, 176);
    // Upstream errors (README "τ-bench upstream errors"):
    // - task 64 (named in the dataset README) expects an exchange and an item modification of
    //   the same order; the order is pending, so the exchange breaks the status rule;
    // - task 105 pays a $21.10 price difference from a gift card holding $17.00.
    let rejected: Vec<(&str, &str, bool)> = report
        .rejected
        .iter()
        .map(|r| {
            (
                r.task.as_str(),
                r.action.as_str(),
                r.reason.contains("wrong_status")
                    || r.reason.contains("insufficient_gift_card_balance"),
            )
        })
        .collect();
    assert_eq!(
        rejected,
        vec![
            ("64", "exchange_delivered_order_items", true),
            ("105", "exchange_delivered_order_items", true)
        ],
        "{:#?}",
        report.rejected
    );
    assert_eq!(report.accepted, 174);

    assert!(
        report.mutations > 500,
        "only {} mutations applied",
        report.mutations
    );
    assert!(
        report.mutations_accepted.is_empty(),
        "{:#?}",
        report.mutations_accepted
    );
    assert_eq!(report.mutations_rejected, report.mutations);
    for kind in [
        "wrong_status",
        "another_customers_order",
        "another_customers_payment_method",
        "another_products_item",
        "unavailable_item",
        "invalid_cancel_reason",
        "insufficient_gift_card",
    ] {
        assert!(
            report.mutations_by_kind.get(kind).copied().unwrap_or(0) > 0,
            "no {kind} mutation applied"
        );
    }
}
