//! Shared set-up of the ingest benchmarks: the demo inbox, a workspace, and the floor.

use std::sync::Arc;

use countersign_core::SystemClock;
use countersign_pipeline::chat::parse;
use countersign_store::{Desk, ShopSeed};
use rusqlite::Connection;

#[derive(Debug)]
pub struct Bench {
    pub _dir: tempfile::TempDir,
    pub desk: Desk,
    pub floor: Connection,
    pub inbox: Vec<(countersign_pipeline::Channel, String)>,
}

pub fn setup() -> Bench {
    let dir = tempfile::tempdir().expect("temp dir");
    let desk = Desk::open(dir.path(), &ShopSeed::Demo, Arc::new(SystemClock)).expect("workspace");
    let floor = Connection::open(dir.path().join("floor.db")).expect("floor db");
    // The same durability as the workspace: WAL, synchronous FULL.
    floor
        .execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
             CREATE TABLE requests (id INTEGER PRIMARY KEY, request TEXT NOT NULL);",
        )
        .expect("floor schema");
    let inbox = countersign_evals::inbox::sample_inbox()
        .expect("inbox")
        .into_iter()
        .map(|s| (s.channel, s.raw))
        .collect();
    Bench {
        _dir: dir,
        desk,
        floor,
        inbox,
    }
}

/// The full path: parse, guard, plan (read tools on the shop), persist conversation, trace,
/// proposals and audit record in one durable commit.
pub fn pipeline(b: &mut Bench, i: usize) {
    let (channel, raw) = &b.inbox[i % b.inbox.len()];
    let request = parse(*channel, raw.as_bytes()).expect("sample parses");
    b.desk.ingest(&request).expect("ingest");
}

/// The floor for the same message: parse it and commit its record durably, nothing else.
pub fn floor(b: &mut Bench, i: usize) {
    let (channel, raw) = &b.inbox[i % b.inbox.len()];
    let request = parse(*channel, raw.as_bytes()).expect("sample parses");
    let json = serde_json::to_string(&request).expect("json");
    let tx = b.floor.unchecked_transaction().expect("tx");
    tx.execute("INSERT INTO requests (request) VALUES (?1)", [json])
        .expect("insert");
    tx.commit().expect("commit");
}
