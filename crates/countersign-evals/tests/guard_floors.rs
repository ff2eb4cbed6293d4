//! The guard's done-when figures (issue 13), asserted: each public dataset through
//! `guard_eval::evaluate` with the committed model, judged against `evals/guard_floors.json`.
//!
//! A floor the guard does not reach yet is listed under `shortfalls` with the figure measured
//! when it was listed: CI then holds that figure (a ratchet, never a silent regression), and a
//! listed shortfall that is met fails too, so the list is removed rather than kept stale.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::collections::BTreeMap;
use std::path::PathBuf;

use countersign_evals::datasets::datasets_dir;
use countersign_evals::guard_eval::{evaluate, read_rows, GuardEvalReport};
use countersign_pipeline::guard::MODEL;
use serde::Deserialize;

#[derive(Deserialize)]
struct Floors {
    files: BTreeMap<String, Floor>,
    #[serde(default)]
    shortfalls: BTreeMap<String, Shortfall>,
}

#[derive(Deserialize)]
struct Floor {
    #[serde(default)]
    caught_min: Option<f64>,
    #[serde(default)]
    false_positive_max: Option<f64>,
}

/// `"<file> <metric>"` → the figure measured when the shortfall was listed, and why.
#[derive(Deserialize)]
struct Shortfall {
    measured: f64,
    #[allow(dead_code)] // read by people
    reason: String,
}

fn floors() -> Floors {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../evals/guard_floors.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn run(file: &str) -> GuardEvalReport {
    let path = datasets_dir().join(file);
    let rows = read_rows(&path).unwrap_or_else(|e| panic!("{e} (set COUNTERSIGN_DATASETS)"));
    evaluate(&rows, &MODEL, false)
}

#[test]
fn the_guard_holds_its_floors_on_every_public_set() {
    let floors = floors();
    let mut failures = Vec::new();
    let mut check = |key: String, value: f64, bound: f64, higher_is_better: bool| {
        let meets = if higher_is_better {
            value >= bound
        } else {
            value <= bound
        };
        match floors.shortfalls.get(&key) {
            Some(_) if meets => failures.push(format!(
                "{key}: {value:.4} now meets {bound}; remove it from shortfalls"
            )),
            Some(s) => {
                let held = if higher_is_better {
                    value >= s.measured - 1e-9
                } else {
                    value <= s.measured + 1e-9
                };
                if !held {
                    failures.push(format!(
                        "{key}: {value:.4} is worse than the listed shortfall {:.4}",
                        s.measured
                    ));
                }
            }
            None if !meets => failures.push(format!("{key}: {value:.4} misses {bound}")),
            None => {}
        }
    };
    for (file, floor) in &floors.files {
        let report = run(file);
        if let Some(min) = floor.caught_min {
            check(
                format!("{file} caught"),
                report.injection.caught_rate,
                min,
                true,
            );
        }
        if let Some(max) = floor.false_positive_max {
            check(
                format!("{file} false_positive"),
                report.benign.false_positive_rate,
                max,
                false,
            );
        }
    }
    for key in floors.shortfalls.keys() {
        let file = key.rsplit_once(' ').map_or(key.as_str(), |(f, _)| f);
        assert!(
            floors.files.contains_key(file),
            "shortfall {key} names no file"
        );
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
