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
                r.code == "wrong_status" || r.code == "insufficient_gift_card_balance",
            )
        })
        .collect();
    assert_eq!(
        rejected,
        vec![
            ("64", "exchange_delivered_order_items", true), // wrong_status
            ("105", "exchange_delivered_order_items", true)  // insufficient_gift_card_balance
        ],
        "{:#?}",
        report.rejected
    );
    assert_eq!(report.accepted, 174);

    assert_eq!(report.mutations, 595);
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

#[test]
fn each_mutation_is_refused_for_its_own_reason() {
    let dir = datasets_dir().join("tau-retail");
    let report = replay(&dir.join("db.json"), &dir.join("tau2_retail_tasks.jsonl")).unwrap();
    // kind → the ViolationCode policy must give. Task 64's exchange is itself on a pending
    // order, so its three item/payment mutations are refused for the status first: that is the
    // one `wrong_status` in each of those kinds.
    let expected: Vec<(&str, Vec<(&str, usize)>)> = vec![
        ("another_customers_order", vec![("not_owner", 165)]),
        (
            "another_customers_payment_method",
            vec![("payment_method_not_owned", 115), ("wrong_status", 1)],
        ),
        (
            "another_products_item",
            vec![("different_product", 73), ("wrong_status", 1)],
        ),
        (
            "insufficient_gift_card",
            vec![("insufficient_gift_card_balance", 3)],
        ),
        ("invalid_cancel_reason", vec![("invalid_cancel_reason", 25)]),
        (
            "unavailable_item",
            vec![("item_unavailable", 72), ("wrong_status", 1)],
        ),
        ("wrong_status", vec![("wrong_status", 139)]),
    ];
    let got: Vec<(&str, Vec<(&str, usize)>)> = report
        .mutation_codes
        .iter()
        .map(|(kind, codes)| {
            let mut codes: Vec<(&str, usize)> =
                codes.iter().map(|(c, n)| (c.as_str(), *n)).collect();
            codes.sort_by_key(|c| std::cmp::Reverse(c.1));
            (*kind, codes)
        })
        .collect();
    assert_eq!(got, expected);
    let total: usize = report
        .mutation_codes
        .values()
        .flat_map(|c| c.values())
        .sum();
    assert_eq!(total, report.mutations_rejected);
}
