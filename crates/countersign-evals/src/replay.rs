//! `countersign evals replay`: the decisions people made, run again through today's planner,
//! policy and approval limits, listing every one today's pipeline would decide differently —
//! "which past decisions would flip" after a policy or prompt change.
//!
//! Each request people decided on is planned once more — as captured with the decision, so a
//! decision on a customer's first message is judged against that message, not a later
//! follow-up — on a scratch copy of the workspace's shop as it was seeded (the live shop has
//! since been changed by the very actions being replayed: a cancelled order cannot be
//! cancelled again). Every decision is then judged against the plan for its own request by
//! [`judge`], a pure function:
//!
//! | decided      | flips when today …                                                   |
//! |--------------|----------------------------------------------------------------------|
//! | approved     | refuses it (`refused_now`), proposes it with other arguments          |
//! |              | (`proposed_differently`), does not propose it (`not_proposed`), or     |
//! |              | the approver's role may no longer approve its amount                 |
//! |              | (`needs_supervisor_now`) — checked in that order                     |
//! | rejected     | proposes the same action again (`proposed_again`)                    |
//! | escalated    | does not propose it at all (`not_proposed`)                          |
//! | reply sent   | would not reply (`no_reply_now`: it blocks or escalates instead)     |
//!
//! Nothing is dropped silently: a conversation without a request (a proposal made by hand) is
//! listed as not replayable; a decision replay cannot judge — a reply draft rejected or
//! escalated (its words would have to be judged by meaning), an approval whose approver's role
//! was not recorded — is listed as not judged, with why. A follow-up is replayed without the
//! earlier messages (the captured case holds the request alone).

use std::collections::BTreeMap;
use std::sync::Arc;

use countersign_agent::Agent;
use countersign_core::authority::authority;
use countersign_core::{ApprovalLimits, Authority, ManualClock, Role};
use countersign_shop::{Money, ToolName};
use countersign_store::{Desk, EvalCase, ScratchImage, ShopSeed};
use serde::Serialize;
use serde_json::Value;

use crate::case::Case;
use crate::eval::{refused_steps, request_of, EvalError, RefusedProposal};
use crate::workers::map_in_parallel;

/// What a person decided, as captured.
#[derive(Clone, Debug, PartialEq)]
pub enum Decided {
    /// Approved (as proposed or edited); `role` is the approver's when they decided.
    Approved {
        role: Option<Role>,
    },
    Rejected,
    Escalated,
    /// A reply sent.
    Reply,
}

impl Decided {
    fn as_str(&self) -> &'static str {
        match self {
            Decided::Approved { .. } => "approved",
            Decided::Rejected => "rejected",
            Decided::Escalated => "escalated",
            Decided::Reply => "reply",
        }
    }
}

/// One decision to judge: the action it was about, with the arguments the person approved
/// (the corrected ones after an edit) or refused.
#[derive(Clone, Debug, PartialEq)]
pub struct DecidedAction {
    pub decided: Decided,
    pub tool: String,
    pub args: Value,
}

/// One proposal today's pipeline makes, with its amount at stake.
#[derive(Clone, Debug, PartialEq)]
pub struct TodayProposal {
    pub tool: String,
    pub args: Value,
    pub amount: Money,
}

/// What today's pipeline does with a conversation's request.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Today {
    /// `reply`, `escalate`, `block`, or `rejected` when the adapter refuses the input.
    pub outcome: String,
    pub proposals: Vec<TodayProposal>,
    pub refused: Vec<RefusedProposal>,
}

/// How a decision would go today, with a stable code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlipKind {
    RefusedNow,
    ProposedDifferently,
    NotProposed,
    NeedsSupervisorNow,
    ProposedAgain,
    NoReplyNow,
}

/// Pure: would today's plan (and today's approval limits) go against this decision? See the
/// module's table for the order of the checks.
pub fn judge(
    decision: &DecidedAction,
    today: &Today,
    limits: &ApprovalLimits,
) -> Option<(FlipKind, String)> {
    let same = |tool: &str, args: &Value| tool == decision.tool && args_match(&decision.args, args);
    let matching = today.proposals.iter().find(|p| same(&p.tool, &p.args));
    match &decision.decided {
        Decided::Approved { role } => {
            if let Some(r) = today.refused.iter().find(|r| same(&r.tool, &r.args)) {
                return Some((
                    FlipKind::RefusedNow,
                    format!("policy refuses it: {}", r.why),
                ));
            }
            let Some(p) = matching else {
                if let Some(other) = today
                    .proposals
                    .iter()
                    .find(|p| p.tool == decision.tool && same_subject(&decision.args, &p.args))
                {
                    return Some((
                        FlipKind::ProposedDifferently,
                        format!("today's arguments: {}", other.args),
                    ));
                }
                return Some((
                    FlipKind::NotProposed,
                    format!("today's outcome: {}", today.outcome),
                ));
            };
            let tool: ToolName = serde_json::from_value(Value::String(p.tool.clone())).ok()?;
            match authority((*role)?, tool, p.amount, limits) {
                Authority::Allowed => None,
                Authority::NeedsSupervisor { limit } => Some((
                    FlipKind::NeedsSupervisorNow,
                    match limit {
                        Some(limit) => format!(
                            "{} is above the agent's limit of {limit} for {tool}",
                            p.amount
                        ),
                        None => format!("agents may no longer approve {tool}"),
                    },
                )),
            }
        }
        Decided::Rejected => matching.map(|_| {
            (
                FlipKind::ProposedAgain,
                "today's pipeline proposes the action a person rejected".to_owned(),
            )
        }),
        Decided::Escalated => {
            let proposed = today.proposals.iter().any(|p| {
                p.tool == decision.tool
                    && (args_match(&decision.args, &p.args)
                        || same_subject(&decision.args, &p.args))
            });
            (!proposed).then(|| {
                (
                    FlipKind::NotProposed,
                    format!("today's outcome: {}", today.outcome),
                )
            })
        }
        Decided::Reply => (today.outcome != "reply").then(|| {
            (
                FlipKind::NoReplyNow,
                format!("today's outcome: {}", today.outcome),
            )
        }),
    }
}

/// Every argument the person settled on is there with the same value.
fn args_match(want: &Value, got: &Value) -> bool {
    match want.as_object() {
        Some(want) => want.iter().all(|(k, v)| got.get(k) == Some(v)),
        None => want == got,
    }
}

/// The same order (or, for account changes, the same customer).
fn same_subject(a: &Value, b: &Value) -> bool {
    ["order_id", "user_id"]
        .iter()
        .find_map(|k| Some(a.get(k)? == b.get(k)?))
        .unwrap_or(false)
}

/// A decision today's pipeline would make differently.
#[derive(Clone, Debug, Serialize)]
pub struct Flip {
    pub case_id: String,
    pub conversation_id: i64,
    pub proposal_id: Option<i64>,
    /// `approved`, `rejected`, `escalated` or `reply`.
    pub decided: &'static str,
    pub decided_by: Option<String>,
    pub tool: String,
    pub args: Value,
    pub now: FlipKind,
    pub detail: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct NotReplayable {
    pub case_id: String,
    pub conversation_id: i64,
    pub why: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct NotJudged {
    pub case_id: String,
    pub conversation_id: i64,
    pub proposal_id: Option<i64>,
    pub why: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReplayReport {
    /// Captured cases read.
    pub cases: usize,
    /// Decisions judged (reopenings and cases without a request are not decisions to judge).
    pub decisions: usize,
    pub conversations: usize,
    /// Distinct requests planned again.
    pub requests: usize,
    /// Which shop the requests were planned against.
    pub shop: String,
    pub not_replayable: Vec<NotReplayable>,
    /// Decisions replay cannot judge, with why.
    pub not_judged: Vec<NotJudged>,
    pub flips: Vec<Flip>,
}

/// One captured decision, ready to judge.
struct Captured {
    case_id: String,
    conversation_id: i64,
    proposal_id: Option<i64>,
    decided_by: Option<String>,
    action: DecidedAction,
    /// Which planned request it is judged against (an index into the requests planned).
    request: usize,
}

/// What a captured case says about its decision.
enum Captures {
    Decision(Captured),
    NotJudged(String),
    Nothing,
}

/// Replays the cases captured in `desk` through `agent` and the workspace's current approval
/// limits, `jobs` conversations at a time.
pub fn replay(
    desk: &Desk,
    cases: &[EvalCase],
    agent: &Agent,
    jobs: usize,
) -> Result<ReplayReport, EvalError> {
    let limits = desk.gate_policy()?.limits;
    let (seed, shop) = seed_of_workspace(desk)?;
    let image = ScratchImage::seeded(&seed)?;

    let mut not_replayable = Vec::new();
    let mut not_judged = Vec::new();
    let mut decisions = Vec::new();
    // Each distinct request once: the same message decided on several times is planned once.
    let mut requests: Vec<Case> = Vec::new();
    let mut request_index: BTreeMap<String, usize> = BTreeMap::new();
    for stored in cases {
        let case: Case = match serde_json::from_value(stored.body.clone()) {
            Ok(case) => case,
            Err(e) => {
                not_replayable.push(NotReplayable {
                    case_id: stored.id.clone(),
                    conversation_id: stored.conversation_id,
                    why: format!("not a case: {e}"),
                });
                continue;
            }
        };
        if case.input.trim().is_empty() {
            not_replayable.push(NotReplayable {
                case_id: stored.id.clone(),
                conversation_id: stored.conversation_id,
                why: "no customer request (a proposal made by hand)".to_owned(),
            });
            continue;
        }
        let key = serde_json::json!([
            stored.conversation_id,
            case.channel,
            case.from,
            case.subject,
            case.input,
            case.raw
        ])
        .to_string();
        let request = *request_index.entry(key).or_insert_with(|| {
            requests.push(case);
            requests.len() - 1
        });
        match captured_decision(desk, stored, request)? {
            Captures::Decision(captured) => decisions.push(captured),
            Captures::NotJudged(why) => not_judged.push(NotJudged {
                case_id: stored.id.clone(),
                conversation_id: stored.conversation_id,
                proposal_id: stored.body["decision"]["proposal_id"].as_i64(),
                why,
            }),
            Captures::Nothing => {}
        }
    }

    let todays = map_in_parallel(&requests, jobs, |_, case, runtime| {
        let clock = Arc::new(ManualClock::new(1_800_000_000_000));
        let mut scratch = Desk::scratch(&image, clock)?;
        today(&mut scratch, case, agent, runtime)
    })?;
    let conversations = cases_conversations(cases);

    let mut flips = Vec::new();
    for d in &decisions {
        let today = &todays[d.request];
        if let Some((now, detail)) = judge(&d.action, today, &limits) {
            flips.push(Flip {
                case_id: d.case_id.clone(),
                conversation_id: d.conversation_id,
                proposal_id: d.proposal_id,
                decided: d.action.decided.as_str(),
                decided_by: d.decided_by.clone(),
                tool: d.action.tool.clone(),
                args: d.action.args.clone(),
                now,
                detail,
            });
        }
    }
    Ok(ReplayReport {
        cases: cases.len(),
        decisions: decisions.len(),
        conversations,
        requests: todays.len(),
        shop,
        not_replayable,
        not_judged,
        flips,
    })
}

/// The decision a captured case labels, with the approver's role read from the decision
/// record.
fn captured_decision(
    desk: &Desk,
    stored: &EvalCase,
    request: usize,
) -> Result<Captures, EvalError> {
    let d = &stored.body["decision"];
    let kind = d["kind"].as_str().unwrap_or_default();
    let tool = d["tool"].as_str().unwrap_or_default().to_owned();
    let proposal_id = d["proposal_id"].as_i64();
    let reply = tool == ToolName::SendReply.as_str();
    let external = !d["server"].is_null();
    if external && matches!(kind, "approved" | "rejected" | "escalated") {
        return Ok(Captures::NotJudged(format!(
            "a call to a team system's tool ({tool}): replay plans on a scratch shop without \
             connecting to team systems"
        )));
    }
    let decided = match kind {
        "approved" if reply => Decided::Reply,
        // A draft's words would have to be judged by meaning; replay judges actions.
        "rejected" | "escalated" if reply => {
            return Ok(Captures::NotJudged(format!(
                "a reply draft {kind}: its words are not replayed"
            )))
        }
        "approved" => Decided::Approved { role: None },
        "rejected" => Decided::Rejected,
        "escalated" => Decided::Escalated,
        // A follow-up, a score: no decision on an action.
        _ => return Ok(Captures::Nothing),
    };
    let args = match (&decided, &d["corrected_args"]) {
        (Decided::Approved { .. }, corrected) if !corrected.is_null() => corrected.clone(),
        _ => d["proposed_args"].clone(),
    };
    let mut decided_by = None;
    let decided = match (decided, proposal_id) {
        (Decided::Approved { .. }, Some(id)) => {
            // The approval this case was captured for.
            let approval = desk.show(id)?.decisions.into_iter().find(|x| {
                x.kind == countersign_core::DecisionKind::Approved
                    && stored.decision_id.is_none_or(|d| d == x.id)
            });
            decided_by = approval.as_ref().map(|a| a.actor.clone());
            match approval.and_then(|a| a.role) {
                Some(role) => Decided::Approved { role: Some(role) },
                None => {
                    return Ok(Captures::NotJudged(
                        "the approver's role was not recorded: authority not judged".to_owned(),
                    ))
                }
            }
        }
        (decided, _) => decided,
    };
    Ok(Captures::Decision(Captured {
        case_id: stored.id.clone(),
        conversation_id: stored.conversation_id,
        proposal_id,
        decided_by,
        action: DecidedAction {
            decided,
            tool,
            args,
        },
        request,
    }))
}

fn cases_conversations(cases: &[EvalCase]) -> usize {
    cases
        .iter()
        .map(|c| c.conversation_id)
        .collect::<std::collections::BTreeSet<_>>()
        .len()
}

/// Plans `case`'s request on a scratch desk; nothing executes.
fn today(
    desk: &mut Desk,
    case: &Case,
    agent: &Agent,
    runtime: &tokio::runtime::Runtime,
) -> Result<Today, EvalError> {
    let request = match request_of(case) {
        Ok(r) => r,
        Err(_) => {
            return Ok(Today {
                outcome: "rejected".to_owned(),
                ..Today::default()
            })
        }
    };
    let ingested = runtime.block_on(agent.ingest(desk, &request))?;
    let mut proposals = Vec::new();
    for p in &ingested.proposals {
        proposals.push(TodayProposal {
            tool: p.tool.as_str().to_owned(),
            args: p.args.clone(),
            amount: desk.show(p.id)?.proposal.amount,
        });
    }
    Ok(Today {
        outcome: ingested.outcome.as_str().to_owned(),
        refused: refused_steps(&ingested.steps),
        proposals,
    })
}

/// The shop the workspace was seeded with (the demo seed, or the τ-format file if it is
/// still there); else the shop as it is now, and the report says so.
fn seed_of_workspace(desk: &Desk) -> Result<(ShopSeed, String), EvalError> {
    let source = desk.shop_source()?;
    match source["kind"].as_str() {
        Some("demo") => return Ok((ShopSeed::Demo, "the demo shop as seeded".to_owned())),
        Some("tau") => {
            if let Some(path) = source["path"].as_str() {
                let path = std::path::PathBuf::from(path);
                if path.is_file() {
                    let shown = format!("{} as seeded", path.display());
                    return Ok((ShopSeed::TauFile(path), shown));
                }
            }
        }
        _ => {}
    }
    Ok((
        ShopSeed::Loaded(Arc::new(desk.export_shop()?)),
        "the workspace's shop as it is now (its seed is not available)".to_owned(),
    ))
}

#[cfg(test)]
#[path = "replay_tests.rs"]
mod tests;
