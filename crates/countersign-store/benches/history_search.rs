//! History search over a large audit log: `cargo bench -p countersign-store --bench history_search`.
//! Builds a workspace with AUDIT_RECORDS (default 1,000,000) audit records — 200,000 proposals
//! with a decision each and five records per proposal, hash-chained as the app writes them — then
//! times full-text history searches (rare word, common word, order id) and an unfiltered page.

use std::sync::Arc;
use std::time::Instant;

use countersign_core::audit_chain::{record_hash, AuditRecord, GENESIS};
use countersign_core::SystemClock;
use countersign_store::{Desk, HistoryFilter, ShopSeed, DB_FILE};
use rusqlite::params;

fn main() {
    let records: i64 = std::env::var("AUDIT_RECORDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let proposals = records / 5;
    let dir = tempfile::tempdir().expect("temp dir");
    drop(Desk::open(dir.path(), &ShopSeed::Demo, Arc::new(SystemClock)).expect("workspace"));

    let t = Instant::now();
    let mut conn = rusqlite::Connection::open(dir.path().join(DB_FILE)).expect("db");
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;")
        .expect("pragmas");
    let tx = conn.transaction().expect("tx");
    {
        let mut conv = tx.prepare("INSERT INTO conversations (id, customer_id, channel, created_at) VALUES (?1, ?2, 'email', ?3)").expect("stmt");
        let mut prop = tx
            .prepare(
                "INSERT INTO proposals (id, conversation_id, customer_id, tool, args, preview, amount_cents, subject, fingerprint,
                     proposed_by, created_at, expires_at, state, decided_at, decided_by)
                 VALUES (?1, ?1, ?2, 'cancel_pending_order', ?3, ?4, 1000, ?5, 'f', 'rules-planner', ?6, ?7, 'rejected', ?6, ?8)",
            )
            .expect("stmt");
        let mut dec = tx
            .prepare("INSERT INTO decisions (proposal_id, kind, actor, role, at, reason) VALUES (?1, 'rejected', ?2, 'agent', ?3, ?4)")
            .expect("stmt");
        let mut audit = tx
            .prepare("INSERT INTO audit_log (seq, at, actor, kind, subject, payload, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
            .expect("stmt");
        let mut prev = GENESIS.to_owned();
        let mut seq = 0i64;
        let words = [
            "duplicate",
            "withdrawn",
            "wrong size",
            "changed mind",
            "fraud check",
            "late delivery",
        ];
        for i in 1..=proposals {
            let at = 1_700_000_000_000 + i * 1000;
            let customer = format!("customer_{:06}", i % 5000);
            let order = format!("#W{:07}", 1_000_000 + i);
            let args = format!(r#"{{"order_id":"{order}","reason":"no longer needed"}}"#);
            let preview =
                format!(r#"{{"summary":"Cancel order {order}","amount":10.0,"changes":[]}}"#);
            let agent = format!("agent{}", i % 40);
            let reason = if i % 100_000 == 7 {
                "zanzibar escalation".to_owned()
            } else {
                words[(i % 6) as usize].to_owned()
            };
            conv.execute(params![i, customer, at]).expect("conv");
            prop.execute(params![
                i,
                customer,
                args,
                preview,
                format!("order:{order}"),
                at,
                at + 86_400_000,
                agent
            ])
            .expect("prop");
            dec.execute(params![i, agent, at + 500, reason])
                .expect("dec");
            for (kind, actor, payload) in [
                (
                    "conversation.ingested",
                    "rules-planner",
                    format!(r#"{{"customer_id":"{customer}","outcome":"reply"}}"#),
                ),
                (
                    "proposal.created",
                    "rules-planner",
                    format!(r#"{{"args":{args},"customer_id":"{customer}"}}"#),
                ),
                (
                    "approval.refused",
                    agent.as_str(),
                    r#"{"code":"needs_supervisor"}"#.to_owned(),
                ),
                (
                    "decision.rejected",
                    agent.as_str(),
                    format!(r#"{{"reason":"{reason}","role":"agent"}}"#),
                ),
                (
                    "proposal.note",
                    agent.as_str(),
                    format!(r#"{{"order_id":"{order}"}}"#),
                ),
            ] {
                seq += 1;
                let subject = if kind == "conversation.ingested" {
                    format!("conversation:{i}")
                } else {
                    format!("proposal:{i}")
                };
                let rec = AuditRecord {
                    seq,
                    at_ms: at,
                    actor,
                    kind,
                    subject: &subject,
                    payload: &payload,
                };
                let hash = record_hash(&prev, &rec);
                audit
                    .execute(params![seq, at, actor, kind, subject, payload, prev, hash])
                    .expect("audit");
                prev = hash;
            }
        }
    }
    tx.commit().expect("commit");
    drop(conn);
    let mut out = std::io::stdout().lock();
    use std::io::Write;
    let _ = writeln!(
        out,
        "built {records} audit records, {proposals} decisions in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let desk = Desk::open(dir.path(), &ShopSeed::Demo, Arc::new(SystemClock)).expect("workspace");
    let searches: [(&str, Option<&str>); 4] = [
        ("no filter (newest page)", None),
        ("rare word", Some("zanzibar")),
        ("common word", Some("duplicate")),
        ("order id", Some("#W1123456")),
    ];
    for (name, text) in searches {
        let filter = HistoryFilter {
            text: text.map(str::to_owned),
            limit: Some(500),
            ..HistoryFilter::default()
        };
        let _ = desk.views().history(&filter).expect("warm-up");
        let mut times = Vec::new();
        let mut n = 0;
        for _ in 0..20 {
            let t = Instant::now();
            n = desk.views().history(&filter).expect("search").entries.len();
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
        times.sort_by(f64::total_cmp);
        let _ = writeln!(
            out,
            "{name:<24} {n:>4} rows  p50 {:.1} ms  max {:.1} ms",
            times[times.len() / 2],
            times[times.len() - 1]
        );
    }
}
