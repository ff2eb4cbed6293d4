//! External calls in the approval queue, on real SQLite files: the approval binds the exact
//! argument bytes and the policy's approver, a call is claimed for execution once, and what the
//! server answered (or did not) is recorded for a person. The calls themselves are made by the
//! caller; `countersign-mcp`'s and the CLI's tests send them to real servers.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::sync::Arc;

use countersign_core::{ManualClock, ProposalState, Role};
use countersign_mcp::policy::{Amount, Verdict};
use countersign_mcp::{
    args_hash, CheckedProposal, ExecuteError, McpError, ServerName, ToolHash, ToolOutput,
};
use countersign_shop::Money;
use countersign_store::{
    CallReport, Desk, DeskError, ExternalOutcome, ExternalProposeRequest, HistoryFilter, ShopSeed,
    DB_FILE,
};
use serde_json::{json, Value};

const T0: i64 = 1_800_000_000_000;
const AGENT: &str = "ana";
const SUPERVISOR: &str = "sam";
const CUSTOMER: &str = "mia_li_3668";

struct World {
    dir: tempfile::TempDir,
    clock: Arc<ManualClock>,
    desk: Desk,
}

fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let mut desk = Desk::open(dir.path(), &ShopSeed::Demo, clock.clone()).unwrap();
    desk.assign_role("admin", SUPERVISOR, Role::Supervisor)
        .unwrap();
    World { dir, clock, desk }
}

fn tool_hash() -> ToolHash {
    ToolHash("tool-v1".into())
}

/// A call as `check_proposal` returns it: `cents` at stake, approvable by agents up to
/// $50.00.
fn checked(args: Value, cents: i64) -> CheckedProposal {
    let Value::Object(arguments) = args else {
        panic!("arguments are an object")
    };
    let amount = Money::from_cents(cents);
    let limit = Money::from_cents(5_000);
    CheckedProposal {
        server: ServerName::new("billing").unwrap(),
        tool: "create_refund".into(),
        tool_hash: tool_hash(),
        args_hash: args_hash(&Value::Object(arguments.clone())),
        arguments,
        verdict: Verdict {
            required_role: if amount > limit {
                Role::Supervisor
            } else {
                Role::Agent
            },
            amount: Some(Amount {
                value: amount,
                currency: "usd".into(),
            }),
            agent_limit: Some(limit),
            ownership: None,
        },
    }
}

fn propose(desk: &mut Desk, c: &CheckedProposal) -> i64 {
    desk.propose_external(&ExternalProposeRequest {
        customer_id: CUSTOMER,
        conversation_id: None,
        channel: "manual",
        checked: c,
        proposed_by: "planner",
    })
    .unwrap()
}

fn refund(cents: i64) -> CheckedProposal {
    checked(
        json!({"charge": "ch_1", "amount": cents, "idempotency_key": "k1"}),
        cents,
    )
}

fn output(text: &str) -> ToolOutput {
    ToolOutput {
        is_error: false,
        content: vec![json!({"type": "text", "text": text})],
        structured: None,
    }
}

fn raw(w: &World) -> rusqlite::Connection {
    rusqlite::Connection::open(w.dir.path().join(DB_FILE)).unwrap()
}

#[test]
fn a_proposed_call_waits_in_the_queue_beside_the_shops_and_changes_nothing() {
    let mut w = world();
    let id = propose(&mut w.desk, &refund(1_000));
    let queue = w.desk.external_queue().unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].proposal_id, id);
    assert_eq!(queue[0].outcome, ExternalOutcome::Awaiting);
    // The shop's readers skip it rather than fail on it; the review screen shows it.
    assert!(w.desk.queue().unwrap().is_empty());
    w.desk.history().unwrap();
    let conversation = queue[0].conversation_id;
    let view = w.desk.views().conversation(conversation).unwrap();
    assert!(view.proposals.is_empty());
    assert_eq!(view.external.len(), 1);
    assert_eq!(view.external[0].arguments, refund(1_000).arguments);
    w.clock
        .advance_ms(w.desk.gate_policy().unwrap().expiry_ms + 1);
    let view = w.desk.views().conversation(conversation).unwrap();
    assert_eq!(
        view.external[0].state,
        ProposalState::Expired,
        "overdue reads as expired"
    );
    assert_eq!(w.desk.execution_count().unwrap(), 0);
    let audit = w.desk.show_external(id).unwrap().audit;
    assert_eq!(audit[0].kind.as_str(), "proposal.created");
    assert_eq!(
        audit[0].payload["args_hash"],
        json!(refund(1_000).args_hash)
    );
}

#[test]
fn a_checked_call_whose_bytes_do_not_match_its_hash_is_not_queued() {
    let mut w = world();
    let mut c = refund(1_000);
    c.arguments.insert("amount".into(), json!(999_999));
    let err = w
        .desk
        .propose_external(&ExternalProposeRequest {
            customer_id: CUSTOMER,
            conversation_id: None,
            channel: "manual",
            checked: &c,
            proposed_by: "planner",
        })
        .unwrap_err();
    assert_eq!(err.code(), "args_mismatch");
    assert!(w.desk.external_queue().unwrap().is_empty());
}

#[test]
fn an_agent_cannot_approve_above_their_limit_and_a_supervisor_claims_it_once() {
    let mut w = world();
    let id = propose(&mut w.desk, &refund(20_000));
    let hash = tool_hash();
    let err = w
        .desk
        .approve_external(id, AGENT, None, Some(&hash))
        .unwrap_err();
    assert_eq!(err.code(), "needs_supervisor");
    assert!(err.to_string().contains("above the agent limit"), "{err}");
    assert_eq!(w.desk.execution_count().unwrap(), 0);

    let claimed = w
        .desk
        .approve_external(id, SUPERVISOR, None, Some(&hash))
        .unwrap();
    assert_eq!(claimed.approved.args_hash, refund(20_000).args_hash);
    assert_eq!(claimed.approved.arguments, refund(20_000).arguments);
    assert_eq!(claimed.approved_by, SUPERVISOR);
    let again = w
        .desk
        .approve_external(id, SUPERVISOR, None, Some(&hash))
        .unwrap_err();
    assert_eq!(again.code(), "already_decided");
    assert_eq!(w.desk.execution_count().unwrap(), 1);
    let detail = w.desk.show_external(id).unwrap();
    assert_eq!(detail.call.outcome, ExternalOutcome::Claimed);
    let kinds: Vec<&str> = detail.audit.iter().map(|a| a.kind.as_str()).collect();
    assert_eq!(
        kinds,
        // The second approval attempt is refused and recorded too.
        [
            "proposal.created",
            "approval.refused",
            "decision.approved",
            "approval.refused"
        ]
    );
    // The approval is eval data, captured once with it (refused attempts are not decisions).
    let cases = w.desk.eval_cases(0).unwrap();
    assert_eq!(cases.len(), 1, "{cases:#?}");
    let d = &cases[0].body["decision"];
    assert_eq!(d["kind"], "approved");
    assert_eq!(d["tool"], "billing/create_refund");
    assert_eq!(
        cases[0].body["expected_actions"][0]["tool"],
        "billing/create_refund"
    );
}

#[test]
fn a_policy_that_names_a_supervisor_is_enforced_at_approval_whatever_the_amount() {
    let mut w = world();
    let mut c = refund(100);
    c.verdict.required_role = Role::Supervisor;
    let id = propose(&mut w.desk, &c);
    let err = w
        .desk
        .approve_external(id, AGENT, None, Some(&tool_hash()))
        .unwrap_err();
    assert_eq!(err.code(), "needs_supervisor");
    assert!(
        err.to_string().contains("supervisor as its approver"),
        "{err}"
    );
}

#[test]
fn arguments_altered_in_the_file_after_the_check_are_never_approved() {
    let mut w = world();
    let id = propose(&mut w.desk, &refund(1_000));
    let altered =
        serde_json::to_vec(&json!({"amount": 99_999, "charge": "ch_1", "idempotency_key": "k1"}))
            .unwrap();
    raw(&w)
        .execute(
            "UPDATE external_calls SET arguments = ?2 WHERE proposal_id = ?1",
            rusqlite::params![id, altered],
        )
        .unwrap();
    let err = w
        .desk
        .approve_external(id, SUPERVISOR, None, Some(&tool_hash()))
        .unwrap_err();
    assert_eq!(err.code(), "args_mismatch");
    assert_eq!(w.desk.execution_count().unwrap(), 0);
}

#[test]
fn an_edit_binds_the_approval_to_the_rechecked_arguments_and_their_verdict() {
    let mut w = world();
    let id = propose(&mut w.desk, &refund(1_000));
    // Edited upwards: the re-check's verdict needs a supervisor.
    let edited = refund(30_000);
    let err = w
        .desk
        .approve_external(id, AGENT, Some(&edited), Some(&tool_hash()))
        .unwrap_err();
    assert_eq!(err.code(), "needs_supervisor");
    // An edit whose bytes changed after its check binds nothing.
    let mut tampered = edited.clone();
    tampered.arguments.insert("amount".into(), json!(1));
    let err = w
        .desk
        .approve_external(id, SUPERVISOR, Some(&tampered), Some(&tool_hash()))
        .unwrap_err();
    assert_eq!(err.code(), "args_mismatch");

    let claimed = w
        .desk
        .approve_external(id, SUPERVISOR, Some(&edited), Some(&tool_hash()))
        .unwrap();
    assert!(claimed.edited);
    assert_eq!(claimed.approved.args_hash, edited.args_hash);
    assert_eq!(claimed.approved.arguments["amount"], json!(30_000));
    let call = w.desk.show_external(id).unwrap().call;
    assert_eq!(call.args_hash, edited.args_hash);
    assert_eq!(call.approved_args_hash, Some(edited.args_hash.clone()));
    // Once approved, the stored arguments are frozen below the code too.
    let frozen = raw(&w).execute(
        "UPDATE external_calls SET arguments = x'7b7d' WHERE proposal_id = ?1",
        [id],
    );
    assert!(frozen.is_err());
}

#[test]
fn an_edit_may_not_call_another_tool() {
    let mut w = world();
    let id = propose(&mut w.desk, &refund(1_000));
    let mut other = refund(1_000);
    other.tool = "delete_customer".into();
    let err = w
        .desk
        .approve_external(id, SUPERVISOR, Some(&other), Some(&tool_hash()))
        .unwrap_err();
    assert_eq!(err.code(), "edit_changes_tool");
}

#[test]
fn a_tool_changed_or_reclassified_since_the_check_invalidates_the_proposal() {
    let mut w = world();
    let id = propose(&mut w.desk, &refund(1_000));
    let err = w
        .desk
        .approve_external(id, SUPERVISOR, None, Some(&ToolHash("tool-v2".into())))
        .unwrap_err();
    assert_eq!(err.code(), "tool_changed");
    let call = w.desk.show_external(id).unwrap().call;
    assert_eq!(call.state, ProposalState::Invalidated);

    let id = propose(&mut w.desk, &refund(1_000));
    let err = w
        .desk
        .approve_external(id, SUPERVISOR, None, None)
        .unwrap_err();
    assert_eq!(err.code(), "tool_changed");
    assert_eq!(w.desk.execution_count().unwrap(), 0);
}

#[test]
fn the_result_latency_and_approver_go_into_the_audit_log_once() {
    let mut w = world();
    let id = propose(&mut w.desk, &refund(1_000));
    w.desk
        .approve_external(id, AGENT, None, Some(&tool_hash()))
        .unwrap();
    let outcome = w
        .desk
        .record_external_result(
            id,
            &CallReport {
                result: Ok(output("re_1")),
                latency_ms: 42,
            },
        )
        .unwrap();
    assert_eq!(outcome, ExternalOutcome::Succeeded);
    let again = w.desk.record_external_result(
        id,
        &CallReport {
            result: Ok(output("re_2")),
            latency_ms: 1,
        },
    );
    assert!(again.is_err());
    let detail = w.desk.show_external(id).unwrap();
    assert_eq!(detail.call.outcome, ExternalOutcome::Succeeded);
    assert_eq!(detail.call.latency_ms, Some(42));
    let executed = detail
        .audit
        .iter()
        .find(|a| a.kind.as_str() == "action.executed")
        .unwrap();
    assert_eq!(executed.actor, AGENT);
    assert_eq!(executed.payload["approved_by"], json!(AGENT));
    assert_eq!(executed.payload["latency_ms"], json!(42));
    assert_eq!(executed.payload["idempotency_key"], json!(id.to_string()));
    assert_eq!(
        executed.payload["result"]["content"][0]["text"],
        json!("re_1")
    );
    assert!(w.desk.verify_audit().unwrap().ok);
}

#[test]
fn a_call_sent_without_an_answer_waits_for_a_person_and_is_never_approved_again() {
    let mut w = world();
    let id = propose(&mut w.desk, &refund(1_000));
    w.desk
        .approve_external(id, AGENT, None, Some(&tool_hash()))
        .unwrap();
    let outcome = w
        .desk
        .record_external_result(
            id,
            &CallReport {
                result: Err(ExecuteError::Server(McpError::OutcomeUnknown {
                    tool: "create_refund".into(),
                    detail: "timeout".into(),
                })),
                latency_ms: 15_000,
            },
        )
        .unwrap();
    assert_eq!(outcome, ExternalOutcome::OutcomeUnknown);
    let waiting = w.desk.external_calls_needing_a_person().unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(
        w.desk
            .approve_external(id, SUPERVISOR, None, Some(&tool_hash()))
            .unwrap_err()
            .code(),
        "already_decided"
    );
    assert_eq!(
        w.desk
            .resolve_external(id, SUPERVISOR, true, " ")
            .unwrap_err()
            .code(),
        "reason_required"
    );
    w.desk
        .resolve_external(id, SUPERVISOR, true, "the refund shows in the dashboard")
        .unwrap();
    assert_eq!(
        w.desk.show_external(id).unwrap().call.outcome,
        ExternalOutcome::ResolvedRan
    );
    assert!(w.desk.external_calls_needing_a_person().unwrap().is_empty());
    assert_eq!(
        w.desk
            .resolve_external(id, SUPERVISOR, false, "again")
            .unwrap_err()
            .code(),
        "outcome_known"
    );
    assert_eq!(w.desk.execution_count().unwrap(), 1);
}

#[test]
fn a_refused_call_is_failed_and_one_never_sent_is_not_sent() {
    let mut w = world();
    let rejected = propose(&mut w.desk, &refund(1_000));
    w.desk
        .approve_external(rejected, AGENT, None, Some(&tool_hash()))
        .unwrap();
    let outcome = w
        .desk
        .record_external_result(
            rejected,
            &CallReport {
                result: Err(ExecuteError::Server(McpError::Rejected {
                    operation: countersign_mcp::Operation::CallTool,
                    code: -32602,
                    message: "bad".into(),
                })),
                latency_ms: 3,
            },
        )
        .unwrap();
    assert_eq!(outcome, ExternalOutcome::Failed);
    let unsent = propose(&mut w.desk, &refund(1_000));
    w.desk
        .approve_external(unsent, AGENT, None, Some(&tool_hash()))
        .unwrap();
    let outcome = w
        .desk
        .record_external_result(
            unsent,
            &CallReport {
                result: Err(ExecuteError::ArgumentsChanged),
                latency_ms: 0,
            },
        )
        .unwrap();
    assert_eq!(outcome, ExternalOutcome::NotSent);
}

#[test]
fn no_call_is_claimed_below_the_code_without_an_approval() {
    let mut w = world();
    let id = propose(&mut w.desk, &refund(1_000));
    let conn = raw(&w);
    let hash = refund(1_000).args_hash.0;
    let claim = conn.execute(
        "UPDATE external_calls SET approved_args_hash = ?2, outcome = 'claimed' WHERE proposal_id = ?1",
        rusqlite::params![id, hash],
    );
    assert!(claim.is_err(), "claimed without an execution row");
    let execution = conn.execute(
        "INSERT INTO executions (proposal_id, subject, customer_id, executed_at, approved_by) VALUES (?1, 'x', 'y', 0, 'z')",
        [id],
    );
    assert!(execution.is_err(), "an execution without an approval");
    let wrong_hash = conn.execute(
        "UPDATE external_calls SET approved_args_hash = 'other' WHERE proposal_id = ?1",
        [id],
    );
    assert!(wrong_hash.is_err(), "an approval of other bytes");
}

#[test]
fn an_external_call_expires_and_is_rejected_like_any_proposal() {
    let mut w = world();
    let expiring = propose(&mut w.desk, &refund(1_000));
    let rejected = propose(&mut w.desk, &refund(1_000));
    w.desk.reject(rejected, AGENT, "customer withdrew").unwrap();
    assert_eq!(
        w.desk.show_external(rejected).unwrap().call.state,
        ProposalState::Rejected
    );
    w.clock
        .advance_ms(w.desk.gate_policy().unwrap().expiry_ms + 1);
    assert_eq!(w.desk.record_expiries().unwrap(), 1);
    let err = w
        .desk
        .approve_external(expiring, SUPERVISOR, None, Some(&tool_hash()))
        .unwrap_err();
    assert_eq!(err.code(), "already_decided");
    assert_eq!(
        w.desk.show_external(expiring).unwrap().call.state,
        ProposalState::Expired
    );
    // The shop's approve names the right path instead of misreading the row.
    assert_eq!(
        w.desk
            .approve(expiring, SUPERVISOR, None)
            .unwrap_err()
            .code(),
        "external_call"
    );
    assert!(matches!(
        w.desk.approve(rejected, AGENT, None),
        Err(DeskError::ExternalCall(_))
    ));
}

/// A planner's plan (no shop proposals) for `customer`, as the LLM planner settles it.
fn plan_for(customer: &str) -> countersign_pipeline::Plan {
    countersign_pipeline::Plan {
        outcome: countersign_pipeline::Outcome::Reply,
        customer_id: Some(customer.into()),
        intent: None,
        proposals: Vec::new(),
        reply: Some("The refund is prepared for approval.".into()),
        handoff: None,
        citations: Vec::new(),
        steps: Vec::new(),
    }
}

#[test]
fn a_plans_external_calls_are_queued_with_it_in_one_transaction_or_not_at_all() {
    let mut w = world();
    let request = countersign_pipeline::Request {
        sender: Some("someone@example.com".into()),
        body: "Please refund my last charge.".into(),
        ..countersign_pipeline::Request::default()
    };
    let plan = plan_for(CUSTOMER);
    let good = refund(1_000);
    let mut bad = refund(2_000);
    bad.arguments.insert("amount".into(), json!(9_999_999));

    // One bad call: the whole settlement is refused, the plan included.
    let admitted = w.desk.admit(&request).unwrap();
    let refused = w.desk.settle(
        admitted.conversation_id,
        &countersign_store::Settlement {
            plan: &plan,
            planner: countersign_pipeline::PlannerKind::Llm,
            route_reason: "test",
            external: &[good.clone(), bad],
        },
    );
    assert_eq!(refused.unwrap_err().code(), "args_mismatch");
    assert!(w.desk.external_queue().unwrap().is_empty());
    let view = w
        .desk
        .views()
        .conversation(admitted.conversation_id)
        .unwrap();
    assert_eq!(
        view.outcome.as_deref(),
        Some("planning"),
        "the plan was not recorded either"
    );

    w.desk
        .settle(
            admitted.conversation_id,
            &countersign_store::Settlement {
                plan: &plan,
                planner: countersign_pipeline::PlannerKind::Llm,
                route_reason: "test",
                external: std::slice::from_ref(&good),
            },
        )
        .unwrap();
    let view = w
        .desk
        .views()
        .conversation(admitted.conversation_id)
        .unwrap();
    assert_eq!(view.external.len(), 1);
    assert_eq!(view.external[0].proposed_by, "llm-planner");
    assert_eq!(view.external[0].args_hash, good.args_hash);
}

/// Regression: the supervisor's history skipped every decision on a team system's call, so the
/// riskiest approvals (money moved by another system) were missing from the review.
#[test]
fn decisions_on_team_system_calls_are_in_the_history_with_what_came_of_them() {
    let mut w = world();
    let sent = propose(&mut w.desk, &refund(1_000));
    w.desk
        .approve_external(sent, AGENT, None, Some(&tool_hash()))
        .unwrap();
    w.desk
        .record_external_result(
            sent,
            &CallReport {
                result: Ok(output("re_1")),
                latency_ms: 42,
            },
        )
        .unwrap();
    w.clock.advance_ms(1_000);
    let rejected = propose(&mut w.desk, &refund(2_000));
    w.desk
        .reject(rejected, SUPERVISOR, "the customer withdrew it")
        .unwrap();

    let page = w.desk.views().history(&HistoryFilter::default()).unwrap();
    let rows: Vec<(i64, &str, &str, Option<ExternalOutcome>)> = page
        .entries
        .iter()
        .map(|e| {
            (
                e.decision.proposal_id,
                e.decision.kind.as_str(),
                e.tool.as_str(),
                e.external_outcome,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                rejected,
                "rejected",
                "billing/create_refund",
                Some(ExternalOutcome::Awaiting)
            ),
            (
                sent,
                "approved",
                "billing/create_refund",
                Some(ExternalOutcome::Succeeded)
            ),
        ]
    );
    assert_eq!(page.entries[1].args["charge"], json!("ch_1"));

    // Escalated, then approved with an edit by the supervisor: the approval shows what was
    // sent, and the escalation still the arguments it saw (the edit rewrote the proposal's).
    w.clock.advance_ms(1_000);
    let edited_later = propose(&mut w.desk, &refund(3_000));
    w.desk
        .escalate(edited_later, AGENT, Some("more than I would refund"))
        .unwrap();
    w.clock.advance_ms(1_000);
    w.desk
        .approve_external(
            edited_later,
            SUPERVISOR,
            Some(&refund(2_500)),
            Some(&tool_hash()),
        )
        .unwrap();
    let page = w.desk.views().history(&HistoryFilter::default()).unwrap();
    let (approved, escalated) = (&page.entries[0], &page.entries[1]);
    assert_eq!(
        (
            approved.decision.kind.as_str(),
            escalated.decision.kind.as_str()
        ),
        ("approved", "escalated")
    );
    assert_eq!(
        approved.decision.edited_args.as_ref().unwrap()["amount"],
        json!(2_500)
    );
    assert_eq!(escalated.args["amount"], json!(3_000));
    assert_eq!(escalated.external_outcome, Some(ExternalOutcome::Claimed));

    // The full export reads the same rows, oldest first; a shop tool filter leaves them out.
    let all = w.desk.history().unwrap();
    assert_eq!(all.len(), 4);
    assert_eq!(all[2].args["amount"], json!(3_000));
    let shop_only = HistoryFilter {
        tool: Some(countersign_shop::ToolName::CancelPendingOrder),
        ..HistoryFilter::default()
    };
    assert!(w
        .desk
        .views()
        .history(&shop_only)
        .unwrap()
        .entries
        .is_empty());
    // A team system's filter: its server, or one of its tools; with a search as well.
    let external = |name: &str, text: Option<&str>| {
        w.desk
            .views()
            .history(&HistoryFilter {
                external: Some(name.into()),
                text: text.map(Into::into),
                ..HistoryFilter::default()
            })
            .unwrap()
            .entries
            .len()
    };
    assert_eq!(external("billing", None), 4);
    assert_eq!(external("billing/create_refund", None), 4);
    assert_eq!(external("billing/get_charge", None), 0);
    assert_eq!(external("bill", None), 0);
    assert_eq!(external("billing/create_refund", Some("withdrew")), 1);
    assert_eq!(external("crm", Some("withdrew")), 0);
}
