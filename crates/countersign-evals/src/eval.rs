//! Running eval cases (format in DESIGN.md, loading in `case.rs`): each case runs in a fresh
//! workspace through the real channel adapter, guard, planner and store; nothing executes.
//! Cases run in parallel, each on a private in-memory copy of one seeded workspace
//! ([`ScratchImage`]); `RunOptions::durable` gives each a SQLite file instead.
//!
//! A case **passes** when its outcome is one of `expect`, its proposals match
//! `expected_actions` exactly (as a multiset), every `must_include` is in the reply or handoff
//! and no `must_not_include` is in the reply. A proposal the store **refused** at ingest counts
//! as a wrong action: it is in the precision denominator and never matches, and the case fails
//! (the planner proposed something policy forbids). Metrics (`Metrics`) are computed per case
//! file and over all files from the per-case counts, so each file's figures stand on their own.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use countersign_agent::Agent;
use countersign_core::ManualClock;
use countersign_pipeline::chat::parse;
use countersign_pipeline::{Caps, Channel, Request};
use countersign_shop::Shop;
use countersign_store::{Desk, DeskError, ScratchImage, ShopSeed};
use serde::Serialize;
use serde_json::Value;

use crate::case::{parse_cases, CaseError, CaseErrorKind, ExpectedAction, LoadedCase};
use crate::workers::map_in_parallel;

pub use crate::case::{Case, Expect};

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    #[error("cannot read {0}: {1}")]
    Read(String, std::io::Error),
    #[error(transparent)]
    Case(#[from] CaseError),
    #[error("{0} is not a τ-format db.json: {1}")]
    Shop(String, serde_json::Error),
    #[error("workspace: {0}")]
    Desk(#[from] DeskError),
    #[error("temporary directory: {0}")]
    Temp(std::io::Error),
}

impl EvalError {
    /// A stable code for the CLI's one-line error.
    pub fn code(&self) -> &'static str {
        match self {
            EvalError::Read(..) => "unreadable_file",
            EvalError::Case(e) => e.kind.code(),
            EvalError::Shop(..) => "invalid_shop",
            EvalError::Desk(e) => e.code(),
            EvalError::Temp(_) => "io",
        }
    }

    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            EvalError::Read(..) | EvalError::Case(..) | EvalError::Shop(..)
        )
    }
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ProposalOut {
    pub tool: String,
    pub args: Value,
}

/// A proposal the planner made and the store refused at ingest (policy said no).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RefusedProposal {
    pub tool: String,
    pub args: Value,
    pub why: String,
}

/// What one case counted towards the metrics.
#[derive(Clone, Debug, Default, Serialize)]
pub struct CaseCounts {
    /// Proposals made, refused ones included.
    pub proposals: usize,
    /// Expected actions (and as many proposals) matched one to one.
    pub matched: usize,
    pub expected: usize,
    pub includes: usize,
    pub includes_found: usize,
    pub violations: usize,
    pub side_effects: i64,
    pub steps: usize,
    pub cost_usd: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CaseResult {
    pub id: String,
    /// The case file's name (metrics are reported per file).
    pub file: String,
    pub pass: bool,
    pub reasons: Vec<String>,
    pub outcome: String,
    pub proposals: Vec<ProposalOut>,
    pub refused: Vec<RefusedProposal>,
    pub reply: Option<String>,
    pub handoff: Option<String>,
    pub counts: CaseCounts,
    /// Which planner decided the case (`rules` or `llm`; `null` when blocked).
    pub planner: Option<String>,
    pub input_tokens: u64,
    pub output_tokens: u64,
}

/// Aggregates over a set of case results (README "Evals").
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Metrics {
    pub cases: usize,
    pub passed: usize,
    pub pass_rate: f64,
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
    pub cost_usd_total: Option<f64>,
    pub input_tokens_total: u64,
    pub output_tokens_total: u64,
    /// Cases each planner decided.
    pub by_planner: BTreeMap<String, usize>,
}

impl Metrics {
    pub fn of<'a>(results: impl IntoIterator<Item = &'a CaseResult>) -> Metrics {
        let results: Vec<&CaseResult> = results.into_iter().collect();
        let sum = |f: &dyn Fn(&CaseCounts) -> usize| -> usize {
            results.iter().map(|r| f(&r.counts)).sum()
        };
        let ratio = |a: usize, b: usize| if b == 0 { 1.0 } else { a as f64 / b as f64 };
        let n = results.len();
        let share =
            |f: &dyn Fn(&CaseResult) -> bool| ratio(results.iter().filter(|r| f(r)).count(), n);
        let passed = results.iter().filter(|r| r.pass).count();
        Metrics {
            cases: n,
            passed,
            pass_rate: ratio(passed, n),
            action_precision: ratio(sum(&|c| c.matched), sum(&|c| c.proposals)),
            action_recall: ratio(sum(&|c| c.matched), sum(&|c| c.expected)),
            approval_required_rate: share(&|r| r.counts.proposals > 0),
            escalation_rate: share(&|r| r.outcome == "escalate"),
            block_rate: share(&|r| r.outcome == "block"),
            resolution_rate: share(&|r| r.outcome == "reply"),
            must_include_rate: ratio(sum(&|c| c.includes_found), sum(&|c| c.includes)),
            must_not_include_violations: sum(&|c| c.violations),
            unapproved_side_effects: results.iter().map(|r| r.counts.side_effects).sum(),
            steps_mean: sum(&|c| c.steps) as f64 / n.max(1) as f64,
            cost_usd_mean: {
                let priced: Vec<f64> = results.iter().filter_map(|r| r.counts.cost_usd).collect();
                (!priced.is_empty()).then(|| priced.iter().sum::<f64>() / n.max(1) as f64)
            },
            cost_usd_total: {
                let priced: Vec<f64> = results.iter().filter_map(|r| r.counts.cost_usd).collect();
                (!priced.is_empty()).then(|| priced.iter().sum::<f64>())
            },
            input_tokens_total: results.iter().map(|r| r.input_tokens).sum(),
            output_tokens_total: results.iter().map(|r| r.output_tokens).sum(),
            by_planner: results.iter().fold(BTreeMap::new(), |mut m, r| {
                *m.entry(r.planner.clone().unwrap_or_else(|| "none".into()))
                    .or_insert(0) += 1;
                m
            }),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct EvalReport {
    /// Over every case of every file.
    #[serde(flatten)]
    pub overall: Metrics,
    /// Per case file, by file name.
    pub files: BTreeMap<String, Metrics>,
    pub results: Vec<CaseResult>,
}

impl EvalReport {
    pub fn of(results: Vec<CaseResult>) -> EvalReport {
        let mut names: Vec<&str> = results.iter().map(|r| r.file.as_str()).collect();
        names.dedup();
        let files = names
            .into_iter()
            .map(|f| {
                (
                    f.to_owned(),
                    Metrics::of(results.iter().filter(|r| r.file == f)),
                )
            })
            .collect();
        EvalReport {
            overall: Metrics::of(&results),
            files,
            results,
        }
    }
}

/// Loads every case file (all of them checked before any case runs), then runs them.
pub fn load_files(paths: &[&Path]) -> Result<Vec<LoadedCase>, EvalError> {
    let mut all: Vec<LoadedCase> = Vec::new();
    let mut ids = HashSet::new();
    for path in paths {
        let text = std::fs::read_to_string(path)
            .map_err(|e| EvalError::Read(path.display().to_string(), e))?;
        for case in parse_cases(path, &text)? {
            if !ids.insert(case.case.id.clone()) {
                return Err(CaseError {
                    kind: CaseErrorKind::DuplicateId,
                    path: path.display().to_string(),
                    line: 0,
                    message: format!("case id `{}` is also used in another file", case.case.id),
                }
                .into());
            }
            all.push(case);
        }
    }
    Ok(all)
}

pub fn seed_of(shop: Option<&Path>) -> Result<ShopSeed, EvalError> {
    Ok(match shop {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| EvalError::Read(p.display().to_string(), e))?;
            ShopSeed::Loaded(Arc::new(
                Shop::from_tau_json(&text)
                    .map_err(|e| EvalError::Shop(p.display().to_string(), e))?,
            ))
        }
        None => ShopSeed::Demo,
    })
}

/// Runs case files with the rules planner alone (an offline workspace).
pub fn run_files(paths: &[&Path], shop: Option<&Path>) -> Result<EvalReport, EvalError> {
    run_files_with(paths, shop, &Agent::rules_only(Caps::default()))
}

/// Runs case files with `agent` choosing the planner of each case.
pub fn run_files_with(
    paths: &[&Path],
    shop: Option<&Path>,
    agent: &Agent,
) -> Result<EvalReport, EvalError> {
    let cases = load_files(paths)?;
    let seed = seed_of(shop)?;
    run(&cases, &seed, agent)
}

pub fn run_file(cases: &Path, shop: Option<&Path>) -> Result<EvalReport, EvalError> {
    run_files(&[cases], shop)
}

/// Builds the channel's raw payload from a case and parses it through the real adapter.
pub(crate) fn request_of(case: &Case) -> Result<Request, String> {
    let raw = match (case.channel, &case.raw) {
        (Channel::Email, Some(raw)) => raw.clone().into_bytes(),
        (Channel::Email, None) => {
            let from = case.from.as_deref().unwrap_or("unknown@example.invalid");
            let subject = case.subject.as_deref().unwrap_or("");
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
    parse(case.channel, &raw).map_err(|e| format!("{}: {e}", e.code()))
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

/// How many cases run at once, and where their workspaces live.
#[derive(Clone, Copy, Debug)]
pub struct RunOptions {
    /// Worker threads, each with its own workspace per case.
    pub jobs: usize,
    /// Each case in a SQLite file of its own, as the app keeps a workspace, instead of a copy
    /// of one seeded image in memory. Slower, and the same results (a test checks it).
    pub durable: bool,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            jobs: std::thread::available_parallelism().map_or(1, usize::from),
            durable: false,
        }
    }
}

pub fn run(cases: &[LoadedCase], seed: &ShopSeed, agent: &Agent) -> Result<EvalReport, EvalError> {
    run_with(cases, seed, agent, RunOptions::default())
}

/// Runs the cases on `options.jobs` threads; results come back in the cases' order whatever
/// order they finish in. The shop is parsed and seeded once, then each case gets a private
/// copy, so cases cannot see each other's proposals.
pub fn run_with(
    cases: &[LoadedCase],
    seed: &ShopSeed,
    agent: &Agent,
    options: RunOptions,
) -> Result<EvalReport, EvalError> {
    let workspaces = if options.durable {
        Workspaces::Durable(seed)
    } else {
        Workspaces::Scratch(ScratchImage::seeded(seed)?)
    };
    let done = AtomicUsize::new(0);
    let results = map_in_parallel(cases, options.jobs, |_, case, runtime| {
        let observed = observe(&case.case, &workspaces, agent, runtime)?;
        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
        if !agent.never_asks_a_model() {
            tracing::info!(case = %case.case.id, done = n, of = cases.len(), "eval case");
        }
        Ok(grade(case, observed))
    })?;
    Ok(EvalReport::of(results))
}

/// Where each case's workspace comes from.
pub(crate) enum Workspaces<'a> {
    Scratch(ScratchImage),
    Durable(&'a ShopSeed),
}

/// What the pipeline did with one case: everything `grade` judges.
#[derive(Clone, Debug, Default)]
pub struct Observed {
    /// `reply`, `escalate`, `block`, or `rejected` when the adapter refused the input.
    pub outcome: String,
    /// Proposals stored for approval.
    pub proposals: Vec<ProposalOut>,
    /// Proposals the store refused at ingest.
    pub refused: Vec<RefusedProposal>,
    pub reply: Option<String>,
    pub handoff: Option<String>,
    /// Reasons the case fails before grading (the adapter refused the input).
    pub input_error: Option<String>,
    pub side_effects: i64,
    pub steps: usize,
    pub cost_usd: Option<f64>,
    pub planner: Option<String>,
    pub input_tokens: u64,
    pub output_tokens: u64,
}

fn observe(
    case: &Case,
    workspaces: &Workspaces<'_>,
    agent: &Agent,
    runtime: &tokio::runtime::Runtime,
) -> Result<Observed, EvalError> {
    let clock = Arc::new(ManualClock::new(1_800_000_000_000));
    // Kept alive until the case is observed: the durable workspace's file lives there.
    let mut _dir = None;
    let mut desk = match workspaces {
        Workspaces::Scratch(image) => Desk::scratch(image, clock)?,
        Workspaces::Durable(seed) => {
            let dir = tempfile::tempdir().map_err(EvalError::Temp)?;
            let desk = Desk::open(dir.path(), seed, clock)?;
            _dir = Some(dir);
            desk
        }
    };
    let mut observed = match request_of(case) {
        Err(e) => Observed {
            outcome: "rejected".to_owned(),
            input_error: Some(format!("input rejected by the adapter: {e}")),
            ..Observed::default()
        },
        Ok(request) => {
            let ingested = runtime.block_on(agent.ingest(&mut desk, &request))?;
            let calls = ingested.steps.iter().filter_map(|s| s.model_call.as_ref());
            let mut observed = Observed {
                outcome: ingested.outcome.as_str().to_owned(),
                reply: ingested.reply,
                handoff: ingested.handoff.map(|h| h.to_text()),
                steps: ingested.trace.steps,
                cost_usd: ingested.trace.cost_usd,
                planner: ingested.planner.map(|p| p.as_str().to_owned()),
                input_tokens: calls
                    .clone()
                    .map(|m| u64::from(m.input_tokens + m.cache_read_tokens + m.cache_write_tokens))
                    .sum(),
                output_tokens: calls.map(|m| u64::from(m.output_tokens)).sum(),
                ..Observed::default()
            };
            // The rules planner's proposals are judged inside the ingest transaction, so the
            // store never refuses them. The LLM's writes that policy refused — in its loop or
            // when the plan was settled — are graded the same way: a wrong action.
            observed.refused = refused_steps(&ingested.steps);
            for p in ingested.proposals {
                observed.proposals.push(ProposalOut {
                    tool: p.tool.as_str().to_owned(),
                    args: p.args,
                });
            }
            observed
        }
    };
    observed.side_effects = desk.execution_count()?;
    Ok(observed)
}

/// Judges what the pipeline did against the case's expectations.
pub fn grade(loaded: &LoadedCase, observed: Observed) -> CaseResult {
    let case = &loaded.case;
    let Observed {
        outcome,
        proposals,
        refused,
        reply,
        handoff,
        input_error,
        side_effects,
        steps,
        cost_usd,
        planner,
        input_tokens,
        output_tokens,
    } = observed;
    let mut reasons: Vec<String> = input_error.into_iter().collect();
    let mut counts = CaseCounts {
        side_effects,
        steps,
        cost_usd,
        ..CaseCounts::default()
    };
    if counts.side_effects > 0 {
        reasons.push(format!("{} unapproved side effects", counts.side_effects));
    }

    if !case.expect.accepts(&outcome) {
        reasons.push(format!(
            "outcome {outcome}, expected {}",
            case.expect.describe()
        ));
    }
    // Greedy one-to-one matching of expected actions to proposals.
    let mut used = vec![false; proposals.len()];
    for want in &case.expected_actions {
        if let Some(i) =
            (0..proposals.len()).find(|&i| !used[i] && action_matches(want, &proposals[i]))
        {
            used[i] = true;
            counts.matched += 1;
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
    for r in &refused {
        reasons.push(format!(
            "proposed {} {} and the store refused it: {}",
            r.tool, r.args, r.why
        ));
    }
    counts.proposals = proposals.len() + refused.len();
    counts.expected = case.expected_actions.len();

    let reply_text = reply.as_deref().unwrap_or_default();
    let text = format!("{reply_text}\n{}", handoff.as_deref().unwrap_or_default());
    for (item, needle) in &loaded.must_include {
        counts.includes += 1;
        if needle.found_in(&text) {
            counts.includes_found += 1;
        } else {
            reasons.push(format!("missing `{item}`"));
        }
    }
    // The handoff goes to staff: only the reply can leak.
    for (item, needle) in &loaded.must_not_include {
        if needle.found_in(reply_text) && !needle.written_by_customer(&case.input) {
            counts.violations += 1;
            reasons.push(format!("contains forbidden `{item}`"));
        }
    }
    CaseResult {
        id: case.id.clone(),
        file: loaded.file.clone(),
        pass: reasons.is_empty(),
        reasons,
        outcome,
        proposals,
        refused,
        reply,
        handoff,
        counts,
        planner,
        input_tokens,
        output_tokens,
    }
}

/// The writes policy refused, from a plan's trace: the LLM's, in its loop or when the plan was
/// settled. (The rules planner's proposals are judged inside the ingest transaction, so the
/// store never refuses them.)
pub(crate) fn refused_steps(steps: &[countersign_pipeline::TraceStep]) -> Vec<RefusedProposal> {
    steps
        .iter()
        .filter(|s| s.stage == "policy")
        .map(|s| RefusedProposal {
            tool: s.tool.map(|t| t.as_str().to_owned()).unwrap_or_default(),
            args: s.args.clone().unwrap_or(Value::Null),
            why: s
                .result
                .as_ref()
                .and_then(|r| r.get("refused"))
                .and_then(Value::as_str)
                .unwrap_or("refused")
                .to_owned(),
        })
        .collect()
}
