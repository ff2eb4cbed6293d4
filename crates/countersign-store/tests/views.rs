//! The read side on real workspaces: history filters and full-text search, queue filters,
//! metrics, expiry decided on read, and the read-only connection the app reads through.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::collections::BTreeSet;
use std::sync::Arc;

use countersign_core::{ManualClock, ProposalState, Role};
use countersign_shop::ToolName;
use countersign_store::{
    Desk, DeskReader, HistoryEntry, HistoryFilter, QueueFilter, ShopSeed, DB_FILE,
};

const T0: i64 = 1_800_000_000_000;

fn seeded() -> (tempfile::TempDir, Arc<ManualClock>, Desk) {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(T0));
    let mut desk = Desk::open(dir.path(), &ShopSeed::Demo, clock.clone()).unwrap();
    desk.assign_role("admin", "sam", Role::Supervisor).unwrap();
    assert!(countersign_evals::inbox::seed_demo_inbox(&mut desk).unwrap() >= 20);
    (dir, clock, desk)
}

fn history(desk: &Desk, filter: HistoryFilter) -> Vec<HistoryEntry> {
    desk.views().history(&filter).unwrap().entries
}

/// Regression: an approval with an edit rewrites its proposal's arguments to what ran, and the
/// escalation before it then showed the edited arguments, which its author never saw.
#[test]
fn each_decision_in_the_history_shows_the_arguments_it_saw() {
    let (_d, _clock, mut desk) = seeded();
    let address = desk
        .queue()
        .unwrap()
        .into_iter()
        .find(|p| p.tool == ToolName::ModifyPendingOrderAddress)
        .unwrap();
    desk.escalate(address.id, "ana", Some("the customer sent two addresses"))
        .unwrap();
    let mut edited = address.args.clone();
    edited["address2"] = serde_json::json!("Apt 99");
    desk.approve(address.id, "sam", Some(&edited)).unwrap();
    let rows = history(&desk, HistoryFilter::default());
    let (approved, escalated) = (&rows[0], &rows[1]);
    assert_eq!(
        (approved.decision.kind, escalated.decision.kind),
        (
            countersign_core::DecisionKind::Approved,
            countersign_core::DecisionKind::Escalated
        )
    );
    assert_eq!(approved.args["address2"], "Apt 99");
    assert_eq!(approved.decision.edited_args.as_ref(), Some(&edited));
    assert_eq!(escalated.args, address.args);
    assert_ne!(escalated.args["address2"], "Apt 99");
}

#[test]
fn history_filters_and_search() {
    let (_d, _clock, mut desk) = seeded();
    let queue = desk.queue().unwrap();
    let ana = "ana";
    let sam = "sam";
    let address = queue
        .iter()
        .find(|p| p.tool == ToolName::ModifyPendingOrderAddress)
        .unwrap()
        .clone();
    desk.approve(address.id, ana, None).unwrap();
    let returned = queue
        .iter()
        .find(|p| p.tool == ToolName::ReturnDeliveredOrderItems)
        .unwrap()
        .clone();
    desk.reject(returned.id, sam, "customer called to withdraw, zanzibar")
        .unwrap();

    let all = history(&desk, HistoryFilter::default());
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].summary, returned.preview.summary, "newest first");
    assert_eq!(all[0].state, ProposalState::Rejected);
    let by_actor = history(
        &desk,
        HistoryFilter {
            actor: Some("sam".into()),
            ..Default::default()
        },
    );
    assert_eq!(by_actor.len(), 1);
    assert_eq!(
        by_actor[0].decision.kind,
        countersign_core::DecisionKind::Rejected
    );
    let by_tool = history(
        &desk,
        HistoryFilter {
            tool: Some(ToolName::ModifyPendingOrderAddress),
            ..Default::default()
        },
    );
    assert_eq!(by_tool.len(), 1);
    assert_eq!(by_tool[0].decision.proposal_id, address.id);
    let searched = history(
        &desk,
        HistoryFilter {
            text: Some("zanzibar".into()),
            ..Default::default()
        },
    );
    assert_eq!(searched.len(), 1);
    assert_eq!(searched[0].decision.proposal_id, returned.id);
    // Query syntax is words, not operators; no match is an empty list, not an error.
    assert!(history(
        &desk,
        HistoryFilter {
            text: Some("\" OR NEAR(".into()),
            ..Default::default()
        }
    )
    .is_empty());
    assert!(history(
        &desk,
        HistoryFilter {
            from_ms: Some(1_900_000_000_000),
            ..Default::default()
        }
    )
    .is_empty());
    // A page says when more match than it holds.
    let page = desk
        .views()
        .history(&HistoryFilter {
            limit: Some(1),
            ..Default::default()
        })
        .unwrap();
    assert_eq!((page.entries.len(), page.more), (1, true));
    let page = desk
        .views()
        .history(&HistoryFilter {
            limit: Some(2),
            ..Default::default()
        })
        .unwrap();
    assert_eq!((page.entries.len(), page.more), (2, false));
    // The CLI's history: the same entries, oldest first.
    let oldest_first: Vec<i64> = desk
        .history()
        .unwrap()
        .iter()
        .map(|e| e.decision.id)
        .collect();
    let newest_first: Vec<i64> = all.iter().rev().map(|e| e.decision.id).collect();
    assert_eq!(oldest_first, newest_first);
}

/// Regression: the search used to take the newest 5,000 full-text matches and filter those,
/// so an actor filter on a common word silently lost older matches.
#[test]
fn a_search_with_thousands_of_matches_and_an_actor_filter_returns_every_match_and_only_those() {
    let dir = tempfile::tempdir().unwrap();
    drop(Desk::open(dir.path(), &ShopSeed::Demo, Arc::new(ManualClock::new(T0))).unwrap());
    // 12,000 decided proposals written straight into the real schema (one transaction, so
    // the test takes a second, not the minutes 24,000 durable commits would). Two in three
    // decisions mention a word nothing else does (8,000 matches); ana and sam alternate.
    let mut conn = rusqlite::Connection::open(dir.path().join(DB_FILE)).unwrap();
    let tx = conn.transaction().unwrap();
    let mut expected = BTreeSet::new();
    let mut matches = 0;
    for i in 1..=12_000i64 {
        let at = T0 + i * 1000;
        let actor = if i % 2 == 0 { "ana" } else { "sam" };
        let word = if i % 3 == 0 { "duplicate" } else { "kumquat" };
        let order = format!("#W{:07}", 1_000_000 + i);
        tx.execute(
            "INSERT INTO conversations (id, customer_id, channel, created_at) VALUES (?1, 'c', 'email', ?2)",
            (i, at),
        )
        .unwrap();
        tx.execute(
            "INSERT INTO proposals (id, conversation_id, customer_id, tool, args, preview, amount_cents, subject,
                 fingerprint, proposed_by, created_at, expires_at, state, decided_at, decided_by)
             VALUES (?1, ?1, 'c', 'cancel_pending_order', ?2, ?3, 1000, ?4, 'f', 'rules-planner', ?5, ?6, 'rejected', ?5, ?7)",
            (
                i,
                format!(r#"{{"order_id":"{order}","reason":"no longer needed"}}"#),
                format!(r#"{{"summary":"Cancel order {order}","amount":10.0,"changes":[]}}"#),
                format!("order:{order}"),
                at,
                at + 86_400_000,
                actor,
            ),
        )
        .unwrap();
        tx.execute(
            "INSERT INTO decisions (proposal_id, kind, actor, role, at, reason) VALUES (?1, 'rejected', ?2, 'agent', ?3, ?4)",
            (i, actor, at, word),
        )
        .unwrap();
        let d = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO audit_log (seq, at, actor, kind, subject, payload, prev_hash, hash)
             VALUES (?1, ?2, ?3, 'decision.rejected', ?4, ?5, '', '')",
            (
                i + 1000,
                at,
                actor,
                format!("proposal:{i}"),
                format!(r#"{{"reason":"{word}"}}"#),
            ),
        )
        .unwrap();
        if word == "kumquat" {
            matches += 1;
            if actor == "ana" {
                expected.insert(d);
            }
        }
    }
    tx.commit().unwrap();
    drop(conn);
    assert_eq!(matches, 8_000);
    let reader = DeskReader::open(dir.path(), Arc::new(ManualClock::new(T0))).unwrap();
    let page = reader
        .views()
        .history(&HistoryFilter {
            text: Some("kumquat".into()),
            actor: Some("ana".into()),
            ..Default::default()
        })
        .unwrap();
    assert!(!page.more);
    let got: BTreeSet<i64> = page.entries.iter().map(|e| e.decision.id).collect();
    assert_eq!(got.len(), page.entries.len(), "each decision once");
    assert_eq!(got, expected);
    assert!(page
        .entries
        .iter()
        .all(|e| e.decision.actor == "ana" && e.decision.reason.as_deref() == Some("kumquat")));
    // Without the actor filter: every match, far more than the old cap of 5,000 records.
    let all = reader
        .views()
        .history(&HistoryFilter {
            text: Some("kumquat".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(all.entries.len(), 8_000);
    assert!(all
        .entries
        .windows(2)
        .all(|w| w[0].decision.at_ms >= w[1].decision.at_ms));
}

#[test]
fn queue_filters_and_daily_metrics() {
    let (_d, _clock, desk) = seeded();
    let views = desk.views();
    let all = views.queue_filtered(&QueueFilter::default()).unwrap();
    let cancels = views
        .queue_filtered(&QueueFilter {
            tool: Some(ToolName::CancelPendingOrder),
            ..Default::default()
        })
        .unwrap();
    assert!(!cancels.is_empty() && cancels.len() < all.len());
    assert!(cancels
        .iter()
        .all(|p| p.tool == ToolName::CancelPendingOrder));
    let who = all[0].customer_id.clone();
    let mine = views
        .queue_filtered(&QueueFilter {
            text: Some(who.to_uppercase()),
            ..Default::default()
        })
        .unwrap();
    assert!(mine.iter().all(|p| p.customer_id == who));

    let days = views.daily_metrics(30).unwrap();
    assert_eq!(days.len(), 1);
    assert!(days[0].conversations >= 20);
    assert!(days[0].blocks >= 1 && days[0].flags >= 1);
    assert!(days[0].steps_mean > 1.0);
    let counts = views.state_counts().unwrap();
    assert_eq!(counts["pending"] as usize, all.len());
}

#[test]
fn an_overdue_proposal_reads_as_expired_and_only_the_tick_writes_it() {
    let (dir, clock, mut desk) = seeded();
    let reader = DeskReader::open(dir.path(), clock.clone()).unwrap();
    let open = reader.views().queue().unwrap();
    assert!(!open.is_empty());
    let records = reader.verify_audit().unwrap().records;
    clock.advance_ms(desk.gate_policy().unwrap().expiry_ms);

    let views = reader.views();
    assert!(views.queue().unwrap().is_empty());
    assert_eq!(views.queue_counts().unwrap().open, 0);
    let counts = views.state_counts().unwrap();
    assert_eq!(counts["expired"] as usize, open.len());
    assert_eq!(counts["pending"] + counts["escalated"], 0);
    let conversation = views.conversation(open[0].conversation_id).unwrap();
    assert!(conversation
        .proposals
        .iter()
        .all(|p| p.proposal.state != ProposalState::Pending));
    assert!(views.any_overdue().unwrap());
    // Reading wrote nothing: no decision, no audit record.
    assert!(views
        .history(&HistoryFilter::default())
        .unwrap()
        .entries
        .is_empty());
    assert_eq!(reader.verify_audit().unwrap().records, records);
    // The approval gate refuses it all the same.
    let sam = "sam";
    assert_eq!(
        desk.approve(open[0].id, sam, None).unwrap_err().code(),
        "expired"
    );
    // The watcher's tick records the rest, once.
    assert_eq!(desk.record_expiries().unwrap(), open.len() - 1);
    assert_eq!(desk.record_expiries().unwrap(), 0);
    let views = reader.views();
    assert!(!views.any_overdue().unwrap());
    let expired = views
        .history(&HistoryFilter {
            kind: Some(countersign_core::DecisionKind::Expired),
            ..Default::default()
        })
        .unwrap()
        .entries;
    assert_eq!(expired.len(), open.len());
    assert!(reader.verify_audit().unwrap().ok);
}

#[test]
fn the_reader_sees_each_commit_and_cannot_write() {
    let (dir, clock, mut desk) = seeded();
    let reader = DeskReader::open(dir.path(), clock).unwrap();
    let before = reader.views().queue().unwrap();
    let first = before[0].clone();
    desk.reject(first.id, "ana", "duplicate request").unwrap();
    let after = reader.views().queue().unwrap();
    assert_eq!(after.len(), before.len() - 1);
    assert!(after.iter().all(|p| p.id != first.id));
    // SQLite itself refuses a write on the reader's file handle.
    let ro = rusqlite::Connection::open_with_flags(
        dir.path().join(DB_FILE),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    assert!(ro
        .execute("DELETE FROM workspace WHERE key = 'x'", [])
        .is_err());
    // A workspace that does not exist is not created by reading it.
    let empty = tempfile::tempdir().unwrap();
    assert_eq!(
        DeskReader::open(empty.path(), Arc::new(ManualClock::new(T0)))
            .unwrap_err()
            .code(),
        "not_found"
    );
    assert!(!empty.path().join(DB_FILE).exists());
}

#[test]
fn the_queue_lists_a_request_while_it_is_planned_and_drops_it_once_settled() {
    use countersign_pipeline::{Channel, Outcome, Plan, PlannerKind, Request};
    use countersign_store::{PlanningConversation, Settlement};

    let (_d, _clock, mut desk) = seeded();
    assert!(desk.views().planning().unwrap().is_empty());
    let request = Request {
        channel: Some(Channel::Email),
        sender: Some("someone@example.com".into()),
        subject: Some("Where is my parcel?".into()),
        body: "Where is my order #W0000000?".into(),
        ..Request::default()
    };
    let admitted = desk.admit(&request).unwrap();
    assert!(admitted.planning);
    let listed = desk.views().planning().unwrap();
    assert_eq!(
        listed,
        vec![PlanningConversation {
            conversation_id: admitted.conversation_id,
            channel: "email".into(),
            created_at_ms: T0,
            subject: Some("Where is my parcel?".into()),
            claimed: false,
        }]
    );
    let claimed = desk.claim_planning(60_000).unwrap().unwrap();
    assert_eq!(claimed.conversation_id, admitted.conversation_id);
    assert!(desk.views().planning().unwrap()[0].claimed);
    let plan = Plan {
        outcome: Outcome::Reply,
        customer_id: None,
        intent: Some("order_status".into()),
        proposals: Vec::new(),
        reply: Some("We are looking into it.".into()),
        handoff: None,
        citations: Vec::new(),
        steps: Vec::new(),
    };
    desk.settle(
        admitted.conversation_id,
        &Settlement {
            plan: &plan,
            planner: PlannerKind::Rules,
            route_reason: "test",
            external: &[],
        },
    )
    .unwrap();
    assert!(desk.views().planning().unwrap().is_empty());
}
