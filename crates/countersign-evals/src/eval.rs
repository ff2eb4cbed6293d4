//! Eval cases (format in DESIGN.md): each runs in a fresh workspace; nothing executes.
//!
//! Metrics (README "Evals"): a case **passes** when its outcome is one of `expect`, its
//! proposals match `expected_actions` exactly (as a multiset), every `must_include` is in the
//! reply or handoff and no `must_not_include` is. **action_precision** = proposals matching an
//! expected action / all proposals; **action_recall** = expected actions matched / all expected;
//! **approval_required_rate** = cases with a proposal / cases; **escalation_rate**,
//! **block_rate**, **resolution_rate** = cases whose outcome is escalate / block / reply;
//! **must_include_rate** = must_include items found / items; **must_not_include_violations**
//! = items found that must not be; **unapproved_side_effects** = executions during the eval
//! (always a defect); **steps_mean**, **cost_usd_mean** over cases.

use std::path::Path;
use std::sync::Arc;

use countersign_core::ManualClock;
use countersign_pipeline::chat::parse;
use countersign_pipeline::{Channel, Request};
use countersign_shop::Shop;
use countersign_store::{Desk, DeskError, ShopSeed};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("cannot read {0}: {1}")]
    Read(String, std::io::Error),
    #[error("{path} line {line}: {message}")]
    Case {
        path: String,
        line: usize,
        message: String,
    },
    #[error("{0} is not a τ-format db.json: {1}")]
    Shop(String, serde_json::Error),
    #[error("workspace: {0}")]
    Desk(#[from] DeskError),
    #[error("temporary directory: {0}")]
    Temp(std::io::Error),
}

impl EvalError {
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            EvalError::Read(..) | EvalError::Case { .. } | EvalError::Shop(..)
        )
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Expect {
    One(String),
    Any(Vec<String>),
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct ExpectedAction {
    pub tool: String,
    #[serde(default)]
    pub args: serde_json::Map<String, Value>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Case {
    pub id: String,
    #[serde(default)]
    pub input: String,
    pub channel: String,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub raw: Option<String>,
    #[serde(default)]
    pub expected_behavior: Option<String>,
    #[serde(default)]
    pub expected_actions: Vec<ExpectedAction>,
    pub expect: Expect,
    #[serde(default)]
    pub must_include: Vec<String>,
    #[serde(default)]
    pub must_not_include: Vec<String>,
    #[serde(default)]
    pub risk_category: Option<String>,
    #[serde(default)]
    pub csat: Option<f64>,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ProposalOut {
    pub tool: String,
    pub args: Value,
}

#[derive(Clone, Debug, Serialize)]
pub struct CaseResult {
    pub id: String,
    pub pass: bool,
    pub reasons: Vec<String>,
    pub outcome: String,
    pub proposals: Vec<ProposalOut>,
    pub reply: Option<String>,
    pub handoff: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct EvalReport {
    pub cases: usize,
    pub passed: usize,
    pub action_precision: f64,
    pub action_recall: f64,
    pub approval_required_rate: f64,
    pub escalation_rate: f64,
    pub block_rate: f64,
    pub resolution_rate: f64,
    pub must_include_rate: f64,
    pub must_not_include_violations: usize,
    pub unapproved_side_effects: i64,
    pub steps_mean: f64,
    /// `None` when no case's planner had a price (the rules planner): not applicable.
    pub cost_usd_mean: Option<f64>,
    pub results: Vec<CaseResult>,
}

pub fn run_file(cases: &Path, shop: Option<&Path>) -> Result<EvalReport, EvalError> {
    let text = std::fs::read_to_string(cases)
        .map_err(|e| EvalError::Read(cases.display().to_string(), e))?;
    let mut parsed = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let case: Case = serde_json::from_str(line).map_err(|e| EvalError::Case {
            path: cases.display().to_string(),
            line: i + 1,
            message: e.to_string(),
        })?;
        if case.channel.parse::<Channel>().is_err() {
            return Err(EvalError::Case {
                path: cases.display().to_string(),
                line: i + 1,
                message: format!("unknown channel `{}`", case.channel),
            });
        }
        parsed.push(case);
    }
    let seed = match shop {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| EvalError::Read(p.display().to_string(), e))?;
            ShopSeed::Loaded(Arc::new(
                Shop::from_tau_json(&text)
                    .map_err(|e| EvalError::Shop(p.display().to_string(), e))?,
            ))
        }
        None => ShopSeed::Demo,
    };
    run(&parsed, &seed)
}

/// Builds the channel's raw payload from a case and parses it through the real adapter.
fn request_of(case: &Case) -> Result<Request, String> {
    let channel: Channel = case.channel.parse()?;
    let raw = match (channel, &case.raw) {
        (Channel::Email, Some(raw)) => raw.clone().into_bytes(),
        (Channel::Email, None) => {
            let from = case.from.as_deref().unwrap_or("unknown@example.invalid");
            let subject = case.subject.as_deref().unwrap_or("Support request");
            format!("From: {from}\r\nTo: support@countersign.example\r\nSubject: {subject}\r\nMessage-ID: <{}@eval>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{}\r\n", case.id, case.input.replace('\n', "\r\n")).into_bytes()
        }
        (Channel::Chat, _) => serde_json::json!({
            "session_id": case.id,
            "identity": case.from,
            "messages": [{"from": "customer", "text": case.input}],
        })
        .to_string()
        .into_bytes(),
        (Channel::Widget, _) => serde_json::json!({
            "form_id": case.id,
            "identity": case.from,
            "topic": case.subject,
            "message": case.input,
        })
        .to_string()
        .into_bytes(),
    };
    parse(channel, &raw).map_err(|e| format!("{}: {e}", e.code()))
}

/// `/.../` is a regex; anything else a case-insensitive substring.
fn contains(haystack: &str, needle: &str) -> bool {
    if needle.len() >= 2 && needle.starts_with('/') && needle.ends_with('/') {
        return regex::RegexBuilder::new(&needle[1..needle.len() - 1])
            .case_insensitive(true)
            .build()
            .map(|r| r.is_match(haystack))
            .unwrap_or(false);
    }
    haystack.to_lowercase().contains(&needle.to_lowercase())
}

fn arg_matches(want: &Value, got: &Value) -> bool {
    match (want, got) {
        (Value::Array(w), Value::Array(g)) => {
            // Lists compare as multisets.
            let mut w: Vec<String> = w.iter().map(Value::to_string).collect();
            let mut g: Vec<String> = g.iter().map(Value::to_string).collect();
            w.sort();
            g.sort();
            w == g
        }
        _ => want == got,
    }
}

fn action_matches(want: &ExpectedAction, got: &ProposalOut) -> bool {
    want.tool == got.tool
        && want
            .args
            .iter()
            .all(|(k, v)| got.args.get(k).is_some_and(|g| arg_matches(v, g)))
}

pub fn run(cases: &[Case], seed: &ShopSeed) -> Result<EvalReport, EvalError> {
    let mut results = Vec::new();
    let (mut proposals_total, mut proposals_matched, mut expected_total, mut expected_matched) =
        (0usize, 0usize, 0usize, 0usize);
    let (mut includes_total, mut includes_found, mut violations) = (0usize, 0usize, 0usize);
    let (mut with_proposal, mut escalated, mut blocked, mut replied) =
        (0usize, 0usize, 0usize, 0usize);
    let (mut steps_sum, mut cost_sum, mut side_effects) = (0usize, None::<f64>, 0i64);

    for case in cases {
        let dir = tempfile::tempdir().map_err(EvalError::Temp)?;
        let mut desk = Desk::open(
            dir.path(),
            seed,
            Arc::new(ManualClock::new(1_800_000_000_000)),
        )?;
        let mut reasons = Vec::new();
        let (outcome, proposals, reply, handoff) = match request_of(case) {
            Err(e) => {
                reasons.push(format!("input rejected by the adapter: {e}"));
                ("rejected".to_owned(), Vec::new(), None, None)
            }
            Ok(request) => {
                let ingested = desk.ingest(&request)?;
                steps_sum += ingested.trace.steps;
                if let Some(c) = ingested.trace.cost_usd {
                    cost_sum = Some(cost_sum.unwrap_or(0.0) + c);
                }
                let proposals: Vec<ProposalOut> = ingested
                    .proposals
                    .iter()
                    .map(|p| ProposalOut {
                        tool: p.tool.as_str().to_owned(),
                        args: p.args.clone(),
                    })
                    .collect();
                (
                    ingested.outcome.as_str().to_owned(),
                    proposals,
                    ingested.reply,
                    ingested.handoff.map(|h| h.to_text()),
                )
            }
        };
        side_effects += desk.execution_count()?;

        let acceptable: Vec<String> = match &case.expect {
            Expect::One(s) => vec![s.clone()],
            Expect::Any(v) => v.clone(),
        };
        if !acceptable.contains(&outcome) {
            reasons.push(format!(
                "outcome {outcome}, expected {}",
                acceptable.join(" or ")
            ));
        }
        match outcome.as_str() {
            "escalate" => escalated += 1,
            "block" => blocked += 1,
            "reply" => replied += 1,
            _ => {}
        }
        if !proposals.is_empty() {
            with_proposal += 1;
        }
        // Greedy one-to-one matching of expected actions to proposals.
        let mut used = vec![false; proposals.len()];
        let mut matched_here = 0;
        for want in &case.expected_actions {
            if let Some(i) =
                (0..proposals.len()).find(|&i| !used[i] && action_matches(want, &proposals[i]))
            {
                used[i] = true;
                matched_here += 1;
            } else {
                reasons.push(format!(
                    "missing action {} {}",
                    want.tool,
                    Value::Object(want.args.clone())
                ));
            }
        }
        for (_, p) in proposals.iter().enumerate().filter(|(i, _)| !used[*i]) {
            reasons.push(format!("unexpected action {} {}", p.tool, p.args));
        }
        proposals_total += proposals.len();
        proposals_matched += matched_here;
        expected_total += case.expected_actions.len();
        expected_matched += matched_here;

        let text = format!(
            "{}\n{}",
            reply.as_deref().unwrap_or_default(),
            handoff.as_deref().unwrap_or_default()
        );
        for needle in &case.must_include {
            includes_total += 1;
            if contains(&text, needle) {
                includes_found += 1;
            } else {
                reasons.push(format!("missing `{needle}`"));
            }
        }
        for needle in &case.must_not_include {
            if contains(&text, needle) {
                violations += 1;
                reasons.push(format!("contains forbidden `{needle}`"));
            }
        }
        results.push(CaseResult {
            id: case.id.clone(),
            pass: reasons.is_empty(),
            reasons,
            outcome,
            proposals,
            reply,
            handoff,
        });
    }
    let n = cases.len().max(1) as f64;
    let ratio = |a: usize, b: usize| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    Ok(EvalReport {
        cases: cases.len(),
        passed: results.iter().filter(|r| r.pass).count(),
        action_precision: ratio(proposals_matched, proposals_total),
        action_recall: ratio(expected_matched, expected_total),
        approval_required_rate: with_proposal as f64 / n,
        escalation_rate: escalated as f64 / n,
        block_rate: blocked as f64 / n,
        resolution_rate: replied as f64 / n,
        must_include_rate: ratio(includes_found, includes_total),
        must_not_include_violations: violations,
        unapproved_side_effects: side_effects,
        steps_mean: steps_sum as f64 / n,
        cost_usd_mean: cost_sum.map(|c| c / n),
        results,
    })
}
