//! The real-client mail corpus (`tests/mail_corpus/`, written by us with `generate.py`): each
//! message through the email adapter and the guard. Every customer's own words must be found
//! in the body; every quoted, forwarded or hidden text must be kept out of it and found in its
//! part; an instruction in data flags and never blocks the customer's request.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::PathBuf;

use countersign_pipeline::email::parse_email;
use countersign_pipeline::{screen, Verdict};
use serde::Deserialize;

#[derive(Deserialize)]
struct Expected {
    file: String,
    client: String,
    own: String,
    not_own: String,
    part: String,
    verdict: Verdict,
}

fn corpus() -> (PathBuf, Vec<Expected>) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/mail_corpus");
    let manifest = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    (dir, serde_json::from_str(&manifest).unwrap())
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn the_corpus_covers_the_clients_charsets_and_parts_it_promises() {
    let (_, rows) = corpus();
    assert!(rows.len() >= 40, "{} messages", rows.len());
    for client in ["outlook", "gmail", "apple", "thunderbird", "mobile", "html"] {
        assert!(rows.iter().any(|r| r.client == client), "{client}");
    }
    for part in ["quoted", "forwarded", "hidden"] {
        assert!(rows.iter().any(|r| r.part == part), "{part}");
    }
    for charset in ["windows-1252", "iso-2022-jp", "shift-jis", "attachment"] {
        assert!(rows.iter().any(|r| r.file.contains(charset)), "{charset}");
    }
}

#[test]
fn every_message_splits_the_customers_words_from_data_and_gets_its_verdict() {
    let (dir, rows) = corpus();
    let mut failures = Vec::new();
    for row in &rows {
        let raw = std::fs::read(dir.join(&row.file)).unwrap();
        let request = match parse_email(&raw) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{}: {e}", row.file));
                continue;
            }
        };
        let body = squash(&request.body);
        if !body.contains(&squash(&row.own)) {
            failures.push(format!(
                "{}: own words missing from body {body:?}",
                row.file
            ));
        }
        if !row.not_own.is_empty() && body.contains(&squash(&row.not_own)) {
            failures.push(format!(
                "{}: data read as the customer's words: {body:?}",
                row.file
            ));
        }
        let holder = match row.part.as_str() {
            "quoted" => Some(&request.quoted),
            "forwarded" => Some(&request.forwarded),
            "hidden" => Some(&request.hidden),
            _ => None,
        };
        if let Some(parts) = holder {
            if !parts
                .iter()
                .any(|p| squash(p).contains(&squash(&row.not_own)))
            {
                failures.push(format!(
                    "{}: {:?} not in {} {parts:?}",
                    row.file, row.not_own, row.part
                ));
            }
        }
        let verdict = screen(&request).report.verdict;
        if verdict != row.verdict {
            failures.push(format!(
                "{}: verdict {verdict:?}, expected {:?} ({:?})",
                row.file,
                row.verdict,
                screen(&request).report.reasons
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {}:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}
