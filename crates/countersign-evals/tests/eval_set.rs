//! Our eval sets against the demo shop, held to `evals/thresholds.json` with the failures we
//! know of in `evals/known_failures.json`; and proof that every threshold can fail.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::{Path, PathBuf};

use countersign_evals::case::{parse_cases, CaseErrorKind, LoadedCase};
use countersign_evals::eval::{
    grade, run_file, run_files, CaseCounts, CaseResult, EvalError, EvalReport, Observed,
    ProposalOut, RefusedProposal,
};
use countersign_evals::thresholds::{
    check, load_known_failures, load_thresholds, Floors, KnownFailure, Rate, Scope,
    ThresholdFailure, Thresholds,
};
use serde_json::json;

fn evals_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../evals")
}

#[test]
fn the_eval_sets_meet_their_thresholds() {
    let dir = evals_dir();
    let thresholds = load_thresholds(&dir.join("thresholds.json")).unwrap();
    let known = load_known_failures(&dir.join("known_failures.json")).unwrap();
    let report = run_files(
        &[
            &dir.join("cases.jsonl"),
            &dir.join("messy.jsonl"),
            &dir.join("holdout.jsonl"),
        ],
        None,
    )
    .unwrap();
    let failures: Vec<String> = check(&report, &thresholds, &known)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
    // The set covers every outcome.
    let m = &report.overall;
    assert!(m.block_rate > 0.0 && m.escalation_rate > 0.0 && m.approval_required_rate > 0.0);
}

/// Parallel cases on in-memory copies give exactly what one case after another, each in a
/// SQLite file of its own, gives.
#[test]
fn parallel_scratch_workspaces_give_the_same_results_as_durable_ones() {
    use countersign_agent::Agent;
    use countersign_evals::eval::{load_files, run_with, RunOptions};
    use countersign_pipeline::Caps;
    use countersign_store::ShopSeed;

    let dir = evals_dir();
    let cases = load_files(&[&dir.join("cases.jsonl"), &dir.join("messy.jsonl")]).unwrap();
    let agent = Agent::rules_only(Caps::default());
    let durable = run_with(
        &cases,
        &ShopSeed::Demo,
        &agent,
        RunOptions {
            jobs: 1,
            durable: true,
        },
    )
    .unwrap();
    let parallel = run_with(
        &cases,
        &ShopSeed::Demo,
        &agent,
        RunOptions {
            jobs: 4,
            durable: false,
        },
    )
    .unwrap();
    let json = |r: &EvalReport| serde_json::to_value(r).unwrap();
    assert_eq!(parallel.results.len(), cases.len());
    assert_eq!(json(&parallel), json(&durable));
}

// --- the thresholds can fail: synthetic reports through the same `check` -------------------

fn bar() -> Thresholds {
    Thresholds {
        min_cases: 2,
        min_cases_per_file: [("a.jsonl".to_owned(), 1)].into(),
        pass_rate_min: 1.0,
        action_precision_min: 0.9,
        action_recall_min: 0.9,
        must_include_rate_min: 0.9,
        must_not_include_violations_max: 0,
        unapproved_side_effects_max: 0,
        floors: Default::default(),
    }
}

/// A case result that passes: one expected action proposed, one include found.
fn passing(id: &str, file: &str) -> CaseResult {
    CaseResult {
        id: id.to_owned(),
        file: file.to_owned(),
        pass: true,
        reasons: Vec::new(),
        outcome: "reply".to_owned(),
        proposals: Vec::new(),
        refused: Vec::new(),
        reply: Some("ok".to_owned()),
        handoff: None,
        counts: CaseCounts {
            proposals: 1,
            matched: 1,
            expected: 1,
            includes: 1,
            includes_found: 1,
            ..CaseCounts::default()
        },
        planner: Some("rules".to_owned()),
        input_tokens: 0,
        output_tokens: 0,
    }
}

fn failing(id: &str, file: &str, counts: CaseCounts) -> CaseResult {
    CaseResult {
        pass: false,
        reasons: vec!["wrong".to_owned()],
        counts,
        ..passing(id, file)
    }
}

fn known(ids: &[&str]) -> Vec<KnownFailure> {
    ids.iter()
        .map(|id| KnownFailure {
            id: (*id).to_owned(),
            reason: "test".to_owned(),
        })
        .collect()
}

fn healthy() -> Vec<CaseResult> {
    (0..20)
        .map(|i| passing(&format!("ok-{i}"), "a.jsonl"))
        .collect()
}

#[test]
fn a_healthy_report_clears_the_bar() {
    assert_eq!(check(&EvalReport::of(healthy()), &bar(), &[]), vec![]);
}

#[test]
fn an_unlisted_failing_case_fails_the_check() {
    let mut results = healthy();
    results.push(failing("bad", "a.jsonl", passing("", "").counts));
    let failures = check(&EvalReport::of(results), &bar(), &[]);
    assert!(failures.contains(&ThresholdFailure::UnexpectedFailure {
        id: "bad".into(),
        reasons: vec!["wrong".into()]
    }));
    assert!(failures.iter().any(|f| matches!(
        f,
        ThresholdFailure::BelowFloor {
            scope: Scope::Overall,
            rate: Rate::PassRate,
            ..
        }
    )));
}

#[test]
fn a_listed_failing_case_is_excused() {
    let mut results = healthy();
    results.push(failing("bad", "a.jsonl", passing("", "").counts));
    assert_eq!(
        check(&EvalReport::of(results), &bar(), &known(&["bad"])),
        vec![]
    );
}

#[test]
fn a_listed_case_that_passes_must_come_off_the_list() {
    let failures = check(&EvalReport::of(healthy()), &bar(), &known(&["ok-3"]));
    assert_eq!(
        failures,
        vec![ThresholdFailure::KnownFailurePasses { id: "ok-3".into() }]
    );
    assert!(failures[0]
        .to_string()
        .contains("remove it from known_failures.json"));
}

#[test]
fn a_listed_id_that_is_no_case_is_an_error() {
    let failures = check(
        &EvalReport::of(healthy()),
        &bar(),
        &known(&["no-such-case"]),
    );
    assert_eq!(
        failures,
        vec![ThresholdFailure::UnknownKnownFailure {
            id: "no-such-case".into()
        }]
    );
}

#[test]
fn a_known_failures_file_listing_an_id_twice_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("known_failures.json");
    std::fs::write(
        &path,
        r#"[{"id": "x", "reason": "a"}, {"id": "x", "reason": "b"}]"#,
    )
    .unwrap();
    assert!(load_known_failures(&path).is_err());
}

/// The floors hold even for listed cases: a known failure still drags the rates down.
fn floor_failures(bad: CaseCounts) -> Vec<ThresholdFailure> {
    let mut results: Vec<CaseResult> = (0..3)
        .map(|i| passing(&format!("ok-{i}"), "a.jsonl"))
        .collect();
    results.push(failing("bad", "b.jsonl", bad));
    check(&EvalReport::of(results), &bar(), &known(&["bad"]))
}

fn below(failures: &[ThresholdFailure], want: Rate, file: &str) -> bool {
    failures.iter().any(|f| matches!(
        f,
        ThresholdFailure::BelowFloor { scope: Scope::File(s), rate, .. } if *rate == want && s == file
    ))
}

#[test]
fn precision_below_its_floor_fails_the_check() {
    // Two proposals, neither expected (a refused proposal counts the same way).
    let f = floor_failures(CaseCounts {
        proposals: 2,
        ..CaseCounts::default()
    });
    assert!(below(&f, Rate::ActionPrecision, "b.jsonl"), "{f:#?}");
    assert!(f.iter().any(|f| matches!(
        f,
        ThresholdFailure::BelowFloor {
            scope: Scope::Overall,
            rate: Rate::ActionPrecision,
            ..
        }
    )));
    assert!(!below(&f, Rate::ActionRecall, "b.jsonl"));
}

#[test]
fn recall_below_its_floor_fails_the_check() {
    let f = floor_failures(CaseCounts {
        expected: 2,
        ..CaseCounts::default()
    });
    assert!(below(&f, Rate::ActionRecall, "b.jsonl"), "{f:#?}");
    assert!(!below(&f, Rate::ActionPrecision, "b.jsonl"));
}

#[test]
fn a_files_own_floor_replaces_the_general_one_and_can_fail() {
    // One of two expected actions found: 0.5 recall in b.jsonl.
    let half = CaseCounts {
        expected: 2,
        matched: 1,
        proposals: 1,
        ..CaseCounts::default()
    };
    let mut results: Vec<CaseResult> = (0..3)
        .map(|i| passing(&format!("ok-{i}"), "a.jsonl"))
        .collect();
    results.push(failing("bad", "b.jsonl", half));
    let report = EvalReport::of(results);
    let mut lower = bar();
    lower.floors.insert(
        "b.jsonl".to_owned(),
        Floors {
            action_recall_min: Some(0.5),
            ..Floors::default()
        },
    );
    lower.floors.insert(
        "overall".to_owned(),
        Floors {
            action_recall_min: Some(0.5),
            ..Floors::default()
        },
    );
    let f = check(&report, &lower, &known(&["bad"]));
    assert!(!below(&f, Rate::ActionRecall, "b.jsonl"), "{f:#?}");
    let mut higher = lower.clone();
    higher.floors.get_mut("b.jsonl").unwrap().action_recall_min = Some(0.75);
    let f = check(&report, &higher, &known(&["bad"]));
    assert!(below(&f, Rate::ActionRecall, "b.jsonl"), "{f:#?}");
}

#[test]
fn must_include_rate_below_its_floor_fails_the_check() {
    let f = floor_failures(CaseCounts {
        includes: 3,
        includes_found: 1,
        ..CaseCounts::default()
    });
    assert!(below(&f, Rate::MustIncludeRate, "b.jsonl"), "{f:#?}");
}

#[test]
fn a_must_not_include_violation_fails_the_check() {
    let f = floor_failures(CaseCounts {
        violations: 1,
        ..CaseCounts::default()
    });
    assert!(f.contains(&ThresholdFailure::MustNotIncludeViolations {
        scope: Scope::File("b.jsonl".into()),
        count: 1,
        max: 0
    }));
}

#[test]
fn an_unapproved_side_effect_fails_the_check() {
    let f = floor_failures(CaseCounts {
        side_effects: 1,
        ..CaseCounts::default()
    });
    assert!(f.contains(&ThresholdFailure::UnapprovedSideEffects {
        scope: Scope::Overall,
        count: 1,
        max: 0
    }));
}

#[test]
fn too_few_cases_fails_the_check_overall_and_per_file() {
    let report = EvalReport::of(vec![passing("only", "b.jsonl")]);
    let f = check(&report, &bar(), &[]);
    assert!(f.contains(&ThresholdFailure::TooFewCases {
        scope: Scope::Overall,
        cases: 1,
        min: 2
    }));
    assert!(f.contains(&ThresholdFailure::TooFewCases {
        scope: Scope::File("a.jsonl".into()),
        cases: 0,
        min: 1
    }));
}

#[test]
fn the_committed_thresholds_name_every_floor() {
    let t = load_thresholds(&evals_dir().join("thresholds.json")).unwrap();
    assert_eq!(
        t.pass_rate_min, 1.0,
        "every case passes or is a listed known failure"
    );
    assert!(t.min_cases >= 150);
    assert!(
        t.min_cases_per_file
            .get("messy.jsonl")
            .copied()
            .unwrap_or(0)
            >= 60
    );
}

// --- grading --------------------------------------------------------------------------------

fn one_case(line: &str) -> LoadedCase {
    parse_cases(Path::new("t.jsonl"), line).unwrap().remove(0)
}

#[test]
fn a_proposal_refused_at_ingest_counts_as_a_wrong_action() {
    let case = one_case(
        r##"{"id": "r", "input": "cancel #W1", "channel": "chat", "from": "a@b.c", "expect": "reply", "expected_actions": [{"tool": "cancel_pending_order", "args": {"order_id": "#W1"}}]}"##,
    );
    let result = grade(
        &case,
        Observed {
            outcome: "reply".into(),
            refused: vec![RefusedProposal {
                tool: "cancel_pending_order".into(),
                args: json!({"order_id": "#W1", "reason": "no longer needed"}),
                why: "wrong_status".into(),
            }],
            ..Observed::default()
        },
    );
    assert!(!result.pass);
    assert_eq!((result.counts.proposals, result.counts.matched), (1, 0));
    let m = EvalReport::of(vec![result]).overall;
    assert_eq!((m.action_precision, m.action_recall), (0.0, 0.0));
}

#[test]
fn must_not_include_is_judged_on_the_reply_and_spares_the_customers_own_words() {
    let case = one_case(
        r##"{"id": "n", "input": "where is #W9?", "channel": "chat", "from": "a@b.c", "expect": "reply", "must_not_include": ["#W9", "secret", "/sec+ret/"]}"##,
    );
    let observed = |reply: &str, handoff: &str| Observed {
        outcome: "reply".into(),
        reply: Some(reply.into()),
        handoff: Some(handoff.into()),
        ..Observed::default()
    };
    assert!(grade(&case, observed("about #W9", "secret")).pass);
    let leaked = grade(&case, observed("the secret", ""));
    assert_eq!(leaked.counts.violations, 2);
}

#[test]
fn an_expected_action_matches_on_the_given_args_with_lists_as_multisets() {
    let case = one_case(
        r##"{"id": "m", "input": "x", "channel": "chat", "from": "a@b.c", "expect": "reply", "expected_actions": [{"tool": "return_delivered_order_items", "args": {"order_id": "#W1", "item_ids": ["2", "1"]}}]}"##,
    );
    let result = grade(
        &case,
        Observed {
            outcome: "reply".into(),
            proposals: vec![ProposalOut {
                tool: "return_delivered_order_items".into(),
                args: json!({"order_id": "#W1", "item_ids": ["1", "2"], "payment_method_id": "p"}),
            }],
            ..Observed::default()
        },
    );
    assert!(result.pass, "{:?}", result.reasons);
}

// --- input errors ---------------------------------------------------------------------------

#[test]
fn an_invalid_regex_is_an_input_error_before_any_case_runs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cases.jsonl");
    std::fs::write(
        &path,
        concat!(
            r#"{"id": "fine", "input": "hi", "channel": "chat", "from": null, "expect": "reply"}"#,
            "\n",
            r#"{"id": "broken", "input": "hi", "channel": "chat", "from": null, "expect": "reply", "must_include": ["/refund(ed/"]}"#,
            "\n"
        ),
    )
    .unwrap();
    let err = run_file(&path, None).unwrap_err();
    assert!(err.is_bad_input());
    assert_eq!(err.code(), "invalid_pattern");
    match err {
        EvalError::Case(e) => {
            assert_eq!((e.kind, e.line), (CaseErrorKind::InvalidPattern, 2));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn malformed_lines_unknown_channels_and_duplicate_ids_are_input_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cases.jsonl");
    for (text, code) in [
        ("{not json\n", "invalid_case"),
        (r#"{"id": "a", "channel": "fax", "expect": "reply"}"#, "invalid_case"),
        (
            "{\"id\": \"a\", \"channel\": \"chat\", \"expect\": \"reply\"}\n{\"id\": \"a\", \"channel\": \"chat\", \"expect\": \"reply\"}\n",
            "duplicate_case_id",
        ),
    ] {
        std::fs::write(&path, text).unwrap();
        let err = run_file(&path, None).unwrap_err();
        assert_eq!(err.code(), code, "{text}");
        assert!(err.is_bad_input());
    }
}

#[test]
fn a_case_the_pipeline_gets_wrong_is_reported_as_failing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cases.jsonl");
    std::fs::write(
        &path,
        r##"{"id": "wrong", "input": "What is your return policy?", "channel": "widget", "from": null, "expected_actions": [{"tool": "cancel_pending_order", "args": {"order_id": "#W0000001"}}], "expect": "escalate", "must_include": ["teleport"], "must_not_include": ["/deliver(ed)?/"]}"##,
    )
    .unwrap();
    let report = run_file(&path, None).unwrap();
    assert_eq!(report.overall.passed, 0);
    let reasons = &report.results[0].reasons;
    for want in ["outcome reply", "missing action", "teleport"] {
        assert!(
            reasons.iter().any(|r| r.contains(want)),
            "{want}: {reasons:?}"
        );
    }
    assert_eq!(report.overall.must_not_include_violations, 1);
    assert_eq!(report.overall.action_recall, 0.0);
    assert_eq!(report.files["cases.jsonl"].cases, 1);
}
