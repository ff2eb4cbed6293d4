//! `csat set` and `csat import` through the binary: a survey CSV lands once, a bad file
//! changes nothing and exits 2 with its code, and the score reaches metrics and the export.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use assert_cmd::Command;
use serde_json::Value;

fn cs(dir: &std::path::Path) -> Command {
    let mut c = Command::cargo_bin("countersign").unwrap();
    c.arg("--data-dir").arg(dir).arg("--actor").arg("ana");
    c
}

fn stdout(c: &mut Command) -> String {
    String::from_utf8(c.assert().success().get_output().stdout.clone()).unwrap()
}

#[test]
fn a_survey_csv_is_imported_once_and_a_bad_one_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let ws = &dir.path().join("ws");
    // The demo's sample inbox gives conversations 1..=22.
    stdout(cs(ws).args(["demo"]));
    let csv = dir.path().join("survey.csv");
    std::fs::write(
        &csv,
        "respondent,conversation_id,score,comment\nr1,1,5,\"Quick, thanks\"\nr2,2,2,\n",
    )
    .unwrap();
    let first: Value = serde_json::from_str(&stdout(
        cs(ws).args(["csat", "import"]).arg(&csv).arg("--json"),
    ))
    .unwrap();
    assert_eq!(
        (first["recorded"].as_i64(), first["unchanged"].as_i64()),
        (Some(2), Some(0))
    );
    let again: Value = serde_json::from_str(&stdout(
        cs(ws).args(["csat", "import"]).arg(&csv).arg("--json"),
    ))
    .unwrap();
    assert_eq!(again["recorded"], 0);

    let metrics =
        || -> Value { serde_json::from_str(&stdout(cs(ws).args(["metrics", "--json"]))).unwrap() };
    assert_eq!(metrics()["overall"]["mean_csat"], 3.5);

    // One bad row: exit 2, the code on stderr, nothing recorded.
    std::fs::write(&csv, "conversation_id,score\n3,4\n4,11\n").unwrap();
    let refused = cs(ws).args(["csat", "import"]).arg(&csv).assert().code(2);
    let stderr = String::from_utf8_lossy(&refused.get_output().stderr).into_owned();
    assert!(
        stderr.contains("invalid_csat") && stderr.contains("line 3"),
        "{stderr}"
    );
    cs(ws).args(["csat", "set", "5", "0"]).assert().code(2);
    assert_eq!(metrics()["overall"]["csat_responses"], 2);

    // A score given by hand; the export carries each conversation's current score.
    stdout(cs(ws).args(["csat", "set", "2", "4", "--comment", "sorted in the end"]));
    let export = stdout(cs(ws).args(["evals", "export"]));
    let scores: Vec<(i64, i64)> = export
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|c| !c["csat"].is_null())
        .map(|c| {
            (
                c["conversation_id"].as_i64().unwrap(),
                c["csat"].as_i64().unwrap(),
            )
        })
        .collect();
    assert!(
        scores.contains(&(1, 5)) && scores.contains(&(2, 4)),
        "{scores:?}"
    );
    assert!(!scores.contains(&(2, 2)), "{scores:?}");
}
