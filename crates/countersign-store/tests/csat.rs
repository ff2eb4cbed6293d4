//! CSAT: entered or imported per conversation, all or nothing, audited, captured as an eval
//! case in the same transaction, and joined to the conversation's cases on export.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::sync::Arc;

use countersign_core::ManualClock;
use countersign_pipeline::{Channel, Request};
use countersign_store::{CsatRow, CsatSource, CsatTarget, Desk, ShopSeed};

const T0: i64 = 1_800_000_000_000;

fn mail(from: &str, body: &str, message_id: &str) -> Request {
    Request {
        channel: Some(Channel::Email),
        sender: Some(from.into()),
        subject: Some("Help".into()),
        body: body.into(),
        thread: Some(message_id.into()),
        ..Request::default()
    }
}

fn row(line: usize, target: CsatTarget, score: i64) -> CsatRow {
    CsatRow {
        line,
        target,
        score,
        comment: None,
    }
}

fn count(desk_dir: &std::path::Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(desk_dir.join("countersign.db")).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn a_score_is_recorded_audited_captured_and_joined_to_the_conversations_cases() {
    let dir = tempfile::tempdir().unwrap();
    let mut desk = Desk::open(dir.path(), &ShopSeed::Demo, Arc::new(ManualClock::new(T0))).unwrap();
    let got = desk
        .ingest(&mail(
            "someone@example.com",
            "What is your return policy?",
            "m1@x",
        ))
        .unwrap();
    let conv = got.conversation_id;
    let cases_before = desk.eval_cases(0).unwrap().len();

    let stored = desk
        .record_csat("ana", conv, 4, Some("  Helpful, thanks  "))
        .unwrap();
    assert_eq!(stored.score, 4);
    assert_eq!(stored.comment.as_deref(), Some("Helpful, thanks"));
    assert_eq!(stored.source, CsatSource::App);
    assert_eq!(
        count(
            dir.path(),
            "SELECT count(*) FROM audit_log WHERE kind = 'csat.recorded'"
        ),
        1
    );
    // The score is a case of its own, queued for sync with the rest.
    let cases = desk.eval_cases(0).unwrap();
    assert_eq!(cases.len(), cases_before + 1);
    let last = cases.last().unwrap();
    assert_eq!(last.decision_kind, "csat");
    assert_eq!(last.body["decision"]["score"], 4);
    assert_eq!(last.body["csat"], 4);
    assert_eq!(
        count(dir.path(), "SELECT count(*) FROM eval_outbox"),
        cases.len() as i64
    );
    // The same score again records nothing; a new one replaces it, and every case of the
    // conversation reads the current score on export.
    desk.record_csat("ana", conv, 4, Some("Helpful, thanks"))
        .unwrap();
    assert_eq!(desk.eval_cases(0).unwrap().len(), cases.len());
    desk.record_csat("ana", conv, 2, None).unwrap();
    let cases = desk.eval_cases(0).unwrap();
    assert!(cases
        .iter()
        .filter(|c| c.conversation_id == conv)
        .all(|c| c.body["csat"] == 2));
    assert_eq!(desk.csat(conv).unwrap().unwrap().score, 2);
}

#[test]
fn bad_scores_and_unknown_conversations_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut desk = Desk::open(dir.path(), &ShopSeed::Demo, Arc::new(ManualClock::new(T0))).unwrap();
    let conv = desk
        .ingest(&mail("someone@example.com", "Where is my order?", "m1@x"))
        .unwrap()
        .conversation_id;
    let audit = |d: &std::path::Path| count(d, "SELECT count(*) FROM audit_log");
    let before = (audit(dir.path()), desk.eval_cases(0).unwrap().len());
    for score in [0, 6, -1] {
        let e = desk.record_csat("ana", conv, score, None).unwrap_err();
        assert_eq!(e.code(), "invalid_csat", "{score}");
    }
    assert_eq!(
        desk.record_csat("ana", 999, 3, None).unwrap_err().code(),
        "not_found"
    );
    assert_eq!(
        desk.record_csat(" ", conv, 3, None).unwrap_err().code(),
        "actor_required"
    );
    // One bad row in an import refuses the whole file, naming its lines.
    let e = desk
        .import_csat(
            "ana",
            &[
                row(2, CsatTarget::Conversation(conv), 5),
                row(3, CsatTarget::Conversation(conv), 9),
                row(4, CsatTarget::MessageId("<nobody@nowhere>".into()), 3),
            ],
        )
        .unwrap_err();
    assert_eq!(e.code(), "invalid_csat");
    let message = e.to_string();
    assert!(
        message.contains("line 3") && message.contains("line 4"),
        "{message}"
    );
    assert!(!message.contains("line 2"), "{message}");
    assert_eq!(desk.csat(conv).unwrap(), None);
    assert_eq!(
        (audit(dir.path()), desk.eval_cases(0).unwrap().len()),
        before
    );
}

#[test]
fn an_import_finds_conversations_by_message_id_and_a_second_import_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut desk = Desk::open(dir.path(), &ShopSeed::Demo, Arc::new(ManualClock::new(T0))).unwrap();
    let a = desk
        .ingest(&mail(
            "a@example.com",
            "What is your return policy?",
            "a1@example.com",
        ))
        .unwrap()
        .conversation_id;
    let b = desk
        .ingest(&mail(
            "b@example.com",
            "Do you ship abroad?",
            "b1@example.com",
        ))
        .unwrap()
        .conversation_id;
    let rows = vec![
        row(2, CsatTarget::MessageId("<a1@example.com>".into()), 5),
        CsatRow {
            comment: Some("slow".into()),
            ..row(3, CsatTarget::Conversation(b), 2)
        },
    ];
    let first = desk.import_csat("ana", &rows).unwrap();
    assert_eq!((first.rows, first.recorded, first.unchanged), (2, 2, 0));
    assert_eq!(desk.csat(a).unwrap().unwrap().score, 5);
    let stored_b = desk.csat(b).unwrap().unwrap();
    assert_eq!((stored_b.score, stored_b.source), (2, CsatSource::Import));
    let cases = desk.eval_cases(0).unwrap().len();
    let again = desk.import_csat("ana", &rows).unwrap();
    assert_eq!((again.recorded, again.unchanged), (0, 2));
    assert_eq!(desk.eval_cases(0).unwrap().len(), cases);

    // One conversation rated twice in a file (here once by id, once by Message-ID): refused,
    // naming both lines, nothing recorded.
    let twice = vec![
        row(2, CsatTarget::Conversation(a), 1),
        row(3, CsatTarget::MessageId("a1@example.com".into()), 4),
    ];
    let e = desk.import_csat("ana", &twice).unwrap_err();
    assert_eq!(e.code(), "invalid_csat");
    assert!(e.to_string().contains("line 3: conversation"), "{e}");
    assert!(e.to_string().contains("first on line 2"), "{e}");
    assert_eq!(desk.csat(a).unwrap().unwrap().score, 5);
    assert_eq!(desk.eval_cases(0).unwrap().len(), cases);
}
