//! `countersign guard eval`: the input guard over a labelled JSONL file (`{"id","text","label"}`
//! per line, label `injection` or `benign`), with catch and false-positive rates and latency.
//!
//! Each row is screened as a message body, the customer's own words: the strictest reading
//! (a rule match blocks), and the one a chat message or an email without structure gets.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use countersign_pipeline::guard::{screen_with, Model};
use countersign_pipeline::{Request, Verdict};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    Injection,
    Benign,
}

/// One labelled row. Extra fields (the datasets carry `source`, `split`, …) are kept only as
/// far as `source` goes.
#[derive(Clone, Debug, Deserialize)]
pub struct GuardRow {
    pub id: String,
    pub text: String,
    pub label: Label,
    #[serde(default)]
    pub source: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum GuardEvalError {
    #[error("cannot read {path}: {message}")]
    Read { path: String, message: String },
    #[error("{path} line {line}: not a guard row ({message})")]
    InvalidRow {
        path: String,
        line: usize,
        message: String,
    },
    #[error("{0} has no rows")]
    Empty(String),
}

impl GuardEvalError {
    pub fn code(&self) -> &'static str {
        match self {
            GuardEvalError::Read { .. } => "unreadable_file",
            GuardEvalError::InvalidRow { .. } => "invalid_row",
            GuardEvalError::Empty(_) => "empty_file",
        }
    }

    pub fn is_bad_input(&self) -> bool {
        true
    }
}

pub fn read_rows(path: &Path) -> Result<Vec<GuardRow>, GuardEvalError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| GuardEvalError::Read {
        path: shown.clone(),
        message: e.to_string(),
    })?;
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let row: GuardRow = serde_json::from_str(line).map_err(|e| GuardEvalError::InvalidRow {
            path: shown.clone(),
            line: n + 1,
            message: e.to_string(),
        })?;
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(GuardEvalError::Empty(shown));
    }
    Ok(rows)
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct InjectionStats {
    pub n: usize,
    pub blocked: usize,
    pub flagged: usize,
    /// (blocked + flagged) / n; 1 when there are none.
    pub caught_rate: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct BenignStats {
    pub n: usize,
    pub blocked: usize,
    pub flagged: usize,
    /// (blocked + flagged) / n; 0 when there are none.
    pub false_positive_rate: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Latency {
    pub p50: u64,
    pub p99: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RowResult {
    pub id: String,
    pub label: Label,
    pub verdict: Verdict,
    pub score: f32,
    pub reasons: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Rates {
    pub injection: InjectionStats,
    pub benign: BenignStats,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GuardEvalReport {
    pub rows: usize,
    pub injection: InjectionStats,
    pub benign: BenignStats,
    /// Time of one `screen` call per row, in microseconds.
    pub latency_us: Latency,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_source: Option<BTreeMap<String, Rates>>,
    pub results: Vec<RowResult>,
}

fn tally(rates: &mut Rates, label: Label, verdict: Verdict) {
    match label {
        Label::Injection => {
            rates.injection.n += 1;
            match verdict {
                Verdict::Block => rates.injection.blocked += 1,
                Verdict::Flag => rates.injection.flagged += 1,
                Verdict::Allow => {}
            }
        }
        Label::Benign => {
            rates.benign.n += 1;
            match verdict {
                Verdict::Block => rates.benign.blocked += 1,
                Verdict::Flag => rates.benign.flagged += 1,
                Verdict::Allow => {}
            }
        }
    }
}

fn finish(rates: &mut Rates) {
    let i = &mut rates.injection;
    i.caught_rate = if i.n == 0 {
        1.0
    } else {
        (i.blocked + i.flagged) as f64 / i.n as f64
    };
    let b = &mut rates.benign;
    b.false_positive_rate = if b.n == 0 {
        0.0
    } else {
        (b.blocked + b.flagged) as f64 / b.n as f64
    };
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

/// Screens every row with `model` and reports the rates, per source when asked.
///
/// Latency is the steady state, as in a running app: one untimed pass first, because the
/// regex engine builds its automata lazily and the first texts it meets pay for that once
/// per process.
pub fn evaluate(rows: &[GuardRow], model: &Model, by_source: bool) -> GuardEvalReport {
    for row in rows {
        let _ = screen_with(
            &Request {
                body: row.text.clone(),
                ..Request::default()
            },
            model,
        );
    }
    let mut overall = Rates::default();
    let mut sources: BTreeMap<String, Rates> = BTreeMap::new();
    let mut times = Vec::with_capacity(rows.len());
    let mut results = Vec::with_capacity(rows.len());
    for row in rows {
        let request = Request {
            body: row.text.clone(),
            ..Request::default()
        };
        let started = Instant::now();
        let report = screen_with(&request, model).report;
        times.push(started.elapsed().as_micros() as u64);
        tally(&mut overall, row.label, report.verdict);
        if by_source {
            let key = row.source.clone().unwrap_or_else(|| "unknown".into());
            tally(sources.entry(key).or_default(), row.label, report.verdict);
        }
        results.push(RowResult {
            id: row.id.clone(),
            label: row.label,
            verdict: report.verdict,
            score: report.score,
            reasons: report.reasons,
        });
    }
    finish(&mut overall);
    for r in sources.values_mut() {
        finish(r);
    }
    times.sort_unstable();
    GuardEvalReport {
        rows: rows.len(),
        injection: overall.injection,
        benign: overall.benign,
        latency_us: Latency {
            p50: percentile(&times, 0.50),
            p99: percentile(&times, 0.99),
        },
        by_source: by_source.then_some(sources),
        results,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn rates_count_blocked_and_flagged_as_caught() {
        let mut r = Rates::default();
        tally(&mut r, Label::Injection, Verdict::Block);
        tally(&mut r, Label::Injection, Verdict::Flag);
        tally(&mut r, Label::Injection, Verdict::Allow);
        tally(&mut r, Label::Benign, Verdict::Flag);
        tally(&mut r, Label::Benign, Verdict::Allow);
        finish(&mut r);
        assert!((r.injection.caught_rate - 2.0 / 3.0).abs() < 1e-9);
        assert!((r.benign.false_positive_rate - 0.5).abs() < 1e-9);
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 0.5), 50);
        assert_eq!(percentile(&v, 0.99), 99);
        assert_eq!(percentile(&[], 0.99), 0);
    }
}
