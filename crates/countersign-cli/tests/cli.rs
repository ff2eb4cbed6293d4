//! The `countersign` binary end to end: real processes, real workspace files.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use assert_cmd::Command;
use countersign_evals::datasets::datasets_dir;
use countersign_shop::demo::{generate, DemoSize, DEMO_SEED};
use countersign_shop::{Order, OrderStatus, Shop};
use serde_json::Value;

fn cs(dir: &std::path::Path) -> Command {
    let mut c = Command::cargo_bin("countersign").unwrap();
    c.arg("--data-dir").arg(dir).arg("--actor").arg("ana");
    c
}

fn demo() -> Shop {
    generate(DEMO_SEED, &DemoSize::DEFAULT)
}

fn pending(shop: &Shop, above_limit: bool) -> Order {
    shop.orders
        .values()
        .find(|o| {
            o.status == OrderStatus::Pending
                && o.payment_history.len() == 1
                && (o.net_paid().cents() > 50_000) == above_limit
        })
        .unwrap()
        .clone()
}

fn counts(dir: &std::path::Path) -> (i64, i64, i64) {
    let conn = rusqlite::Connection::open(dir.join("countersign.db")).unwrap();
    let n = |t: &str| {
        conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap()
    };
    (n("proposals"), n("audit_log"), n("conversations"))
}

fn stdout(c: &mut Command) -> String {
    let out = c.assert().success().get_output().stdout.clone();
    String::from_utf8(out).unwrap()
}

#[test]
fn bad_json_arguments_exit_2_and_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("never-created");
    let assert = cs(&fresh)
        .args([
            "propose",
            "--customer",
            "x",
            "cancel_pending_order",
            "--args",
            "{not json",
        ])
        .assert()
        .code(2);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("invalid_json"));
    assert!(!fresh.exists(), "bad input must not create a workspace");

    let ws = dir.path().join("ws");
    cs(&ws).arg("queue").assert().success();
    let before = counts(&ws);
    let order = pending(&demo(), false);
    for args in [
        "{not json".to_owned(),
        "[1, 2]".to_owned(),
        format!(r#"{{"order_id": "{}"}}"#, order.order_id),
        format!(
            r#"{{"order_id": "{}", "reason": "no longer needed", "refund_to": "me"}}"#,
            order.order_id
        ),
        r#"{"order_id": 42, "reason": "no longer needed"}"#.to_owned(),
    ] {
        cs(&ws)
            .args([
                "propose",
                "--customer",
                &order.user_id,
                "cancel_pending_order",
                "--args",
                &args,
            ])
            .assert()
            .code(2);
    }
    cs(&ws)
        .args(["approve", "1", "--args", "{oops"])
        .assert()
        .code(2);
    assert_eq!(counts(&ws), before);
}

#[test]
fn propose_approve_and_audit_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path();
    let shop = demo();
    let order = pending(&shop, true);
    let args = format!(
        r#"{{"order_id": "{}", "reason": "ordered by mistake"}}"#,
        order.order_id
    );
    let id = stdout(cs(ws).args([
        "propose",
        "--customer",
        &order.user_id,
        "cancel_pending_order",
        "--args",
        &args,
    ]));
    let id = id.trim();
    assert_eq!(id, "1");

    let queue: Value = serde_json::from_str(&stdout(cs(ws).args(["queue", "--json"]))).unwrap();
    assert_eq!(queue[0]["id"], 1);
    assert_eq!(queue[0]["state"], "pending");
    let show: Value = serde_json::from_str(&stdout(cs(ws).args(["show", id, "--json"]))).unwrap();
    assert!(show["preview"]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["field"] == "status"));

    // Above the agent's limit: refused with a code, nothing executed.
    let refused = cs(ws).args(["approve", id]).assert().code(2);
    assert!(String::from_utf8_lossy(&refused.get_output().stderr).contains("needs_supervisor"));
    // A role is not something the approver claims: `--as` does not exist...
    cs(ws)
        .args(["approve", id, "--as", "supervisor"])
        .assert()
        .code(2);
    // ...an administrator assigns it, and the gate reads it.
    stdout(cs(ws).args(["staff", "set", "ana", "--role", "supervisor"]));
    assert!(stdout(cs(ws).args(["staff", "list"])).contains("supervisor"));
    stdout(cs(ws).args(["approve", id]));
    cs(ws).args(["approve", id]).assert().code(2);

    let looked: Value = serde_json::from_str(&stdout(cs(ws).args([
        "lookup",
        "get_order_details",
        "--args",
        &format!(r#"{{"order_id": "{}"}}"#, order.order_id),
    ])))
    .unwrap();
    assert_eq!(looked["status"], "cancelled");

    let history: Value = serde_json::from_str(&stdout(cs(ws).args(["history", "--json"]))).unwrap();
    let kinds: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["refused", "approved", "refused"]);
    assert!(stdout(cs(ws).args(["audit", "verify"])).starts_with("ok:"));

    // Tamper with the log behind the app's back: verify fails and names the record.
    let conn = rusqlite::Connection::open(ws.join("countersign.db")).unwrap();
    conn.execute_batch(
        "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'mallory' WHERE seq = 3;",
    )
    .unwrap();
    drop(conn);
    let broken = cs(ws).args(["audit", "verify"]).assert().code(1);
    assert!(String::from_utf8_lossy(&broken.get_output().stderr).contains("record 3"));
}

#[test]
fn reject_and_escalate_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path();
    let shop = demo();
    let order = pending(&shop, false);
    let args = format!(
        r#"{{"order_id": "{}", "reason": "no longer needed"}}"#,
        order.order_id
    );
    stdout(cs(ws).args([
        "propose",
        "--customer",
        &order.user_id,
        "cancel_pending_order",
        "--args",
        &args,
    ]));
    stdout(cs(ws).args([
        "propose",
        "--customer",
        &order.user_id,
        "cancel_pending_order",
        "--args",
        &args,
    ]));
    cs(ws)
        .args(["reject", "1", "--reason", " "])
        .assert()
        .code(2);
    stdout(cs(ws).args(["reject", "1", "--reason", "duplicate request"]));
    stdout(cs(ws).args(["escalate", "2", "--note", "VIP"]));
    cs(ws).args(["approve", "2"]).assert().code(2);
    stdout(cs(ws).args(["staff", "set", "ana", "--role", "supervisor"]));
    stdout(cs(ws).args(["approve", "2"]));
}

#[test]
fn a_tau_shop_seeds_the_workspace_once() {
    let db = datasets_dir().join("tau-retail/db.json");
    assert!(
        db.exists(),
        "dataset missing: {} (set COUNTERSIGN_DATASETS)",
        db.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let get = |extra: &[&str]| {
        let mut c = cs(dir.path());
        c.args(extra).args([
            "lookup",
            "get_order_details",
            "--args",
            r##"{"order_id": "#W2611340"}"##,
        ]);
        serde_json::from_str::<Value>(&stdout(&mut c)).unwrap()
    };
    let db_arg = db.to_str().unwrap();
    assert_eq!(get(&["--shop", db_arg])["user_id"], "james_li_5688");
    assert_eq!(get(&[])["user_id"], "james_li_5688"); // reused without --shop
}

#[test]
fn tau_replay_prints_the_report() {
    let dir = datasets_dir().join("tau-retail");
    let out = stdout(Command::cargo_bin("countersign").unwrap().args([
        "tau-replay",
        "--db",
        dir.join("db.json").to_str().unwrap(),
        "--tasks",
        dir.join("tau2_retail_tasks.jsonl").to_str().unwrap(),
        "--json",
    ]));
    let report: Value = serde_json::from_str(&out).unwrap();
    for key in [
        "tasks",
        "write_actions",
        "accepted",
        "rejected",
        "mutations",
        "mutations_rejected",
        "mutations_accepted",
    ] {
        assert!(report.get(key).is_some(), "missing {key}");
    }
    assert_eq!(report["tasks"], 114);
    assert_eq!(report["accepted"], 174);
    assert_eq!(report["rejected"].as_array().unwrap().len(), 2);
    let m = report["mutations"].as_f64().unwrap();
    assert!(report["mutations_rejected"].as_f64().unwrap() / m >= 0.99);

    let missing = Command::cargo_bin("countersign")
        .unwrap()
        .args([
            "tau-replay",
            "--db",
            "/nonexistent.json",
            "--tasks",
            "x",
            "--json",
        ])
        .assert()
        .code(2);
    assert_eq!(
        String::from_utf8_lossy(&missing.get_output().stderr)
            .lines()
            .count(),
        1
    );
}

#[test]
fn ingest_refuses_malformed_input_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    cs(&ws).arg("queue").assert().success();
    let before = counts(&ws);
    let bad_mail = dir.path().join("bad.eml");
    std::fs::write(&bad_mail, "this is not an email").unwrap();
    let bad_chat = dir.path().join("bad.json");
    std::fs::write(&bad_chat, "{\"session_id\": 1}").unwrap();
    for (file, channel, code) in [
        (&bad_mail, "email", "malformed_email"),
        (&bad_chat, "chat", "malformed_payload"),
        (&bad_chat, "fax", "invalid_channel"),
    ] {
        let out = cs(&ws)
            .arg("ingest")
            .arg(file)
            .args(["--channel", channel])
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(stderr.contains(code), "{stderr}");
        assert_eq!(stderr.lines().count(), 1);
    }
    assert_eq!(counts(&ws), before);
}

#[test]
fn demo_fills_the_queue_from_the_sample_inbox() {
    let dir = tempfile::tempdir().unwrap();
    let all: Value =
        serde_json::from_str(&stdout(cs(dir.path()).args(["demo", "--json"]))).unwrap();
    let all = all.as_array().unwrap();
    assert!(all.len() >= 20);
    for outcome in ["reply", "escalate", "block"] {
        assert!(
            all.iter().any(|c| c["outcome"] == outcome),
            "no {outcome} in the demo"
        );
    }
    let queue: Value =
        serde_json::from_str(&stdout(cs(dir.path()).args(["queue", "--json"]))).unwrap();
    let queue = queue.as_array().unwrap();
    assert!(queue.len() >= 8);
    // Every kind of write the sample inbox asks for reaches the queue.
    for tool in [
        "cancel_pending_order",
        "return_delivered_order_items",
        "exchange_delivered_order_items",
        "modify_pending_order_address",
        "modify_pending_order_payment",
        "modify_user_address",
    ] {
        assert!(
            queue.iter().any(|p| p["tool"] == tool),
            "no {tool} in the queue"
        );
    }
    assert!(stdout(cs(dir.path()).args(["audit", "verify"])).starts_with("ok:"));
}

#[test]
fn a_value_outside_a_closed_set_exits_2_with_its_code_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("never-created");
    let file = dir.path().join("msg.json");
    std::fs::write(&file, "{}").unwrap();
    let file = file.to_str().unwrap();
    for (args, code) in [
        (vec!["ingest", file, "--channel", "fax"], "invalid_channel"),
        (vec!["staff", "set", "x", "--role", "boss"], "invalid_role"),
        (
            vec!["propose", "--customer", "x", "drop_tables", "--args", "{}"],
            "unknown_tool",
        ),
        (vec!["lookup", "drop_tables"], "unknown_tool"),
    ] {
        let out = cs(&fresh).args(&args).assert().code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(
            stderr.starts_with(&format!("error: {code}: ")),
            "{args:?}: {stderr}"
        );
    }
    assert!(
        !fresh.exists(),
        "a refused value must not create a workspace"
    );
}

#[test]
fn tau_replay_refuses_a_missing_file_with_a_stable_code() {
    let out = Command::cargo_bin("countersign")
        .unwrap()
        .args(["tau-replay", "--db", "/nonexistent.json", "--tasks", "x"])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: unreadable_file: cannot read /nonexistent.json"),
        "{stderr}"
    );
}
