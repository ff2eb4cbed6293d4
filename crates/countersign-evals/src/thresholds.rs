//! The bar an eval run must clear (`evals/thresholds.json`) and the failures we know of
//! (`evals/known_failures.json`). One function, `check`, judges a report against both; CI and
//! the tests that prove each threshold can fail call the same function.
//!
//! Every case must pass unless it is listed as a known failure, with the reason the planner
//! gets it wrong. A listed case that passes fails the check too, so the list shrinks as the
//! planner is fixed instead of hiding regressions; a listed id that no case has is an error.
//! The rate floors (precision, recall, must-include) apply to every file and to the whole
//! set, known failures included: they are a ratchet at the measured figures.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::eval::{EvalReport, Metrics};

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Cases over all files.
    pub min_cases: usize,
    /// Cases per file, by file name; a file named here and absent from the run is a failure.
    #[serde(default)]
    pub min_cases_per_file: BTreeMap<String, usize>,
    /// Share of cases that pass or are listed as known failures.
    pub pass_rate_min: f64,
    pub action_precision_min: f64,
    pub action_recall_min: f64,
    pub must_include_rate_min: f64,
    pub must_not_include_violations_max: usize,
    pub unapproved_side_effects_max: i64,
    /// Rate floors for one scope (a file name, or `overall`) where it is measured apart: a
    /// held-out file, written after the fixes the other files guided, has its own ratchet.
    /// A field left out takes the floor above.
    #[serde(default)]
    pub floors: BTreeMap<String, Floors>,
}

/// Rate floors that override the top-level ones for one scope.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Floors {
    #[serde(default)]
    pub action_precision_min: Option<f64>,
    #[serde(default)]
    pub action_recall_min: Option<f64>,
    #[serde(default)]
    pub must_include_rate_min: Option<f64>,
}

/// A case we know fails, and what the planner does wrong in it.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KnownFailure {
    pub id: String,
    pub reason: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ThresholdsError {
    #[error("cannot read {0}: {1}")]
    Read(String, std::io::Error),
    #[error("{0}: {1}")]
    Parse(String, serde_json::Error),
    #[error("{0}: `{1}` is listed twice")]
    DuplicateKnownFailure(String, String),
}

pub fn load_thresholds(path: &Path) -> Result<Thresholds, ThresholdsError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ThresholdsError::Read(path.display().to_string(), e))?;
    serde_json::from_str(&text).map_err(|e| ThresholdsError::Parse(path.display().to_string(), e))
}

pub fn load_known_failures(path: &Path) -> Result<Vec<KnownFailure>, ThresholdsError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ThresholdsError::Read(path.display().to_string(), e))?;
    let known: Vec<KnownFailure> = serde_json::from_str(&text)
        .map_err(|e| ThresholdsError::Parse(path.display().to_string(), e))?;
    let mut seen = BTreeSet::new();
    for k in &known {
        if !seen.insert(k.id.as_str()) {
            return Err(ThresholdsError::DuplicateKnownFailure(
                path.display().to_string(),
                k.id.clone(),
            ));
        }
    }
    Ok(known)
}

/// Which figure a failure is about: the whole run or one file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Scope {
    Overall,
    File(String),
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scope::Overall => f.write_str("overall"),
            Scope::File(name) => f.write_str(name),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Rate {
    PassRate,
    ActionPrecision,
    ActionRecall,
    MustIncludeRate,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum ThresholdFailure {
    TooFewCases {
        scope: Scope,
        cases: usize,
        min: usize,
    },
    BelowFloor {
        scope: Scope,
        rate: Rate,
        value: f64,
        min: f64,
    },
    MustNotIncludeViolations {
        scope: Scope,
        count: usize,
        max: usize,
    },
    UnapprovedSideEffects {
        scope: Scope,
        count: i64,
        max: i64,
    },
    /// A case failed and is not in known_failures.json.
    UnexpectedFailure {
        id: String,
        reasons: Vec<String>,
    },
    /// A case in known_failures.json passes now: take it off the list.
    KnownFailurePasses {
        id: String,
    },
    /// known_failures.json names a case that does not exist.
    UnknownKnownFailure {
        id: String,
    },
}

impl std::fmt::Display for ThresholdFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ThresholdFailure::TooFewCases { scope, cases, min } => {
                write!(f, "{scope}: {cases} cases, at least {min} wanted")
            }
            ThresholdFailure::BelowFloor {
                scope,
                rate,
                value,
                min,
            } => {
                write!(
                    f,
                    "{scope}: {rate:?} {value:.3} is below the floor {min:.3}"
                )
            }
            ThresholdFailure::MustNotIncludeViolations { scope, count, max } => {
                write!(
                    f,
                    "{scope}: {count} must-not-include violations (max {max})"
                )
            }
            ThresholdFailure::UnapprovedSideEffects { scope, count, max } => {
                write!(f, "{scope}: {count} unapproved side effects (max {max})")
            }
            ThresholdFailure::UnexpectedFailure { id, reasons } => write!(
                f,
                "{id} fails and is not a known failure: {}",
                reasons.join("; ")
            ),
            ThresholdFailure::KnownFailurePasses { id } => {
                write!(f, "{id} passes now: remove it from known_failures.json")
            }
            ThresholdFailure::UnknownKnownFailure { id } => {
                write!(f, "known_failures.json lists `{id}`, which is no case")
            }
        }
    }
}

fn check_metrics(
    scope: Scope,
    m: &Metrics,
    excused: usize,
    t: &Thresholds,
    min_cases: Option<usize>,
    out: &mut Vec<ThresholdFailure>,
) {
    if let Some(min) = min_cases.filter(|&min| m.cases < min) {
        out.push(ThresholdFailure::TooFewCases {
            scope: scope.clone(),
            cases: m.cases,
            min,
        });
    }
    let key = match &scope {
        Scope::Overall => "overall",
        Scope::File(name) => name.as_str(),
    };
    let own = t.floors.get(key).cloned().unwrap_or_default();
    let pass_rate = if m.cases == 0 {
        1.0
    } else {
        (m.passed + excused) as f64 / m.cases as f64
    };
    for (rate, value, min) in [
        (Rate::PassRate, pass_rate, t.pass_rate_min),
        (
            Rate::ActionPrecision,
            m.action_precision,
            own.action_precision_min.unwrap_or(t.action_precision_min),
        ),
        (
            Rate::ActionRecall,
            m.action_recall,
            own.action_recall_min.unwrap_or(t.action_recall_min),
        ),
        (
            Rate::MustIncludeRate,
            m.must_include_rate,
            own.must_include_rate_min.unwrap_or(t.must_include_rate_min),
        ),
    ] {
        if value < min {
            out.push(ThresholdFailure::BelowFloor {
                scope: scope.clone(),
                rate,
                value,
                min,
            });
        }
    }
    if m.must_not_include_violations > t.must_not_include_violations_max {
        out.push(ThresholdFailure::MustNotIncludeViolations {
            scope: scope.clone(),
            count: m.must_not_include_violations,
            max: t.must_not_include_violations_max,
        });
    }
    if m.unapproved_side_effects > t.unapproved_side_effects_max {
        out.push(ThresholdFailure::UnapprovedSideEffects {
            scope,
            count: m.unapproved_side_effects,
            max: t.unapproved_side_effects_max,
        });
    }
}

/// Everything wrong with `report` measured against `thresholds` and `known`; empty when it
/// clears the bar.
pub fn check(
    report: &EvalReport,
    thresholds: &Thresholds,
    known: &[KnownFailure],
) -> Vec<ThresholdFailure> {
    let mut out = Vec::new();
    let known_ids: BTreeSet<&str> = known.iter().map(|k| k.id.as_str()).collect();
    let case_ids: BTreeSet<&str> = report.results.iter().map(|r| r.id.as_str()).collect();
    for k in known {
        if !case_ids.contains(k.id.as_str()) {
            out.push(ThresholdFailure::UnknownKnownFailure { id: k.id.clone() });
        }
    }
    for r in &report.results {
        match (r.pass, known_ids.contains(r.id.as_str())) {
            (false, false) => out.push(ThresholdFailure::UnexpectedFailure {
                id: r.id.clone(),
                reasons: r.reasons.clone(),
            }),
            (true, true) => out.push(ThresholdFailure::KnownFailurePasses { id: r.id.clone() }),
            _ => {}
        }
    }
    let excused = |file: Option<&str>| {
        report
            .results
            .iter()
            .filter(|r| !r.pass && known_ids.contains(r.id.as_str()))
            .filter(|r| file.is_none_or(|f| r.file == f))
            .count()
    };
    check_metrics(
        Scope::Overall,
        &report.overall,
        excused(None),
        thresholds,
        Some(thresholds.min_cases),
        &mut out,
    );
    for (file, metrics) in &report.files {
        check_metrics(
            Scope::File(file.clone()),
            metrics,
            excused(Some(file)),
            thresholds,
            thresholds.min_cases_per_file.get(file).copied(),
            &mut out,
        );
    }
    for (file, &min) in &thresholds.min_cases_per_file {
        if !report.files.contains_key(file) {
            out.push(ThresholdFailure::TooFewCases {
                scope: Scope::File(file.clone()),
                cases: 0,
                min,
            });
        }
    }
    out
}
