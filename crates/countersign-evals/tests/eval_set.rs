//! Our eval set against the demo shop, held to the thresholds in `evals/thresholds.json`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::PathBuf;

use countersign_evals::eval::run_file;
use serde_json::Value;

fn evals_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../evals")
}

#[test]
fn the_eval_set_meets_its_thresholds() {
    let thresholds: Value = serde_json::from_str(
        &std::fs::read_to_string(evals_dir().join("thresholds.json")).unwrap(),
    )
    .unwrap();
    let report = run_file(&evals_dir().join("cases.jsonl"), None).unwrap();
    let failures: Vec<String> = report
        .results
        .iter()
        .filter(|r| !r.pass)
        .map(|r| format!("{}: {}", r.id, r.reasons.join("; ")))
        .collect();
    assert!(report.cases as u64 >= thresholds["min_cases"].as_u64().unwrap());
    assert!(
        report.action_precision >= thresholds["action_precision_min"].as_f64().unwrap(),
        "precision {}",
        report.action_precision
    );
    assert!(
        report.must_not_include_violations as u64
            <= thresholds["must_not_include_violations_max"]
                .as_u64()
                .unwrap(),
        "{failures:#?}"
    );
    assert!(
        report.unapproved_side_effects as u64
            <= thresholds["unapproved_side_effects_max"].as_u64().unwrap()
    );
    let pass_rate = report.passed as f64 / report.cases as f64;
    assert!(
        pass_rate >= thresholds["pass_rate_min"].as_f64().unwrap(),
        "pass rate {pass_rate}: {failures:#?}"
    );
    // The set covers every outcome.
    assert!(
        report.block_rate > 0.0
            && report.escalation_rate > 0.0
            && report.approval_required_rate > 0.0
    );
}

#[test]
fn a_failing_case_is_reported_as_failing() {
    // The harness itself can fail: a case expecting an action the request does not ask for.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cases.jsonl");
    std::fs::write(
        &path,
        r##"{"id": "wrong", "input": "What is your return policy?", "channel": "widget", "from": null, "expected_actions": [{"tool": "cancel_pending_order", "args": {"order_id": "#W0000001"}}], "expect": "escalate", "must_include": ["teleport"], "must_not_include": ["/deliver(ed)?/"]}"##,
    )
    .unwrap();
    let report = run_file(&path, None).unwrap();
    assert_eq!(report.passed, 0);
    let reasons = &report.results[0].reasons;
    assert!(
        reasons.iter().any(|r| r.contains("outcome reply")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("missing action")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("teleport")),
        "{reasons:?}"
    );
    assert_eq!(report.must_not_include_violations, 1);
    assert_eq!(report.action_recall, 0.0);

    std::fs::write(&path, "{not json\n").unwrap();
    assert!(run_file(&path, None).unwrap_err().is_bad_input());
}
