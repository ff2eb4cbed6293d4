//! Eval capture to the team's store, end to end: 1,000 decisions through a flaky receiver on
//! loopback, the syncer SIGKILLed mid-batch and restarted, and every record held exactly once;
//! exported cases round-trip through `countersign eval`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use countersign_core::SystemClock;
use countersign_pipeline::{Channel, Request};
use countersign_shop::demo::{generate, DemoSize, DEMO_SEED};
use countersign_shop::{OrderStatus, ToolName};
use countersign_store::{Desk, ProposeRequest, ReplyApproval, ShopSeed};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const TOKEN: &str = "sync-test-token";

fn cs(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("countersign").unwrap();
    c.arg("--data-dir").arg(dir).arg("--actor").arg("ana");
    c
}

/// What the receiver holds: each record by id (with how often it came), and each request's
/// idempotency key with the ids it carried.
#[derive(Default)]
struct Received {
    count_by_id: HashMap<String, usize>,
    requests: Vec<(String, Vec<String>)>,
}

/// A receiver that misbehaves on a fixed schedule by request number `n` (so a failure is
/// reproducible): odd requests are dropped unanswered (half of them), every tenth answers 500,
/// one in twenty 429 with `Retry-After: 1`, some store the batch and then cut the connection
/// in the middle of the status line; after request `RESTART_AT` it stops listening for a
/// while and comes back on the same port; request `HOLD_AT` is stored and then never
/// answered (the test kills the syncer while it waits). The rest answer 200. It dedupes by id.
struct Flaky {
    addr: SocketAddr,
    received: Arc<Mutex<Received>>,
    holding: Arc<AtomicBool>,
    held_key: Arc<Mutex<Option<String>>>,
}

const RESTART_AT: usize = 15;
const HOLD_AT: usize = 30;

async fn read_request(stream: &mut TcpStream) -> Option<(HashMap<String, String>, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let headers: HashMap<String, String> = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let len: usize = headers.get("content-length")?.parse().ok()?;
    let mut body = buf[head_end..].to_vec();
    while body.len() < len {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some((headers, body))
}

fn store(received: &Mutex<Received>, key: &str, body: &[u8]) {
    let ids: Vec<String> = String::from_utf8_lossy(body)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            v["id"].as_str().unwrap().to_owned()
        })
        .collect();
    let mut r = received.lock().unwrap();
    for id in &ids {
        *r.count_by_id.entry(id.clone()).or_default() += 1;
    }
    r.requests.push((key.to_owned(), ids));
}

async fn respond(stream: &mut TcpStream, status: &str, extra: &str) {
    let text =
        format!("HTTP/1.1 {status}\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n");
    let _ = stream.write_all(text.as_bytes()).await;
    let _ = stream.shutdown().await;
}

impl Flaky {
    fn start() -> Flaky {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = std_listener.local_addr().unwrap();
        let flaky = Flaky {
            addr,
            received: Arc::default(),
            holding: Arc::default(),
            held_key: Arc::default(),
        };
        let (received, holding, held_key) = (
            flaky.received.clone(),
            flaky.holding.clone(),
            flaky.held_key.clone(),
        );
        std_listener.set_nonblocking(true).unwrap();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let n = AtomicUsize::new(0);
                let mut listener = TcpListener::from_std(std_listener).unwrap();
                loop {
                    let Ok((mut stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let Some((headers, body)) = read_request(&mut stream).await else {
                        continue;
                    };
                    let n = n.fetch_add(1, Ordering::SeqCst) + 1;
                    let key = headers.get("idempotency-key").cloned().unwrap_or_default();
                    let authorised = headers.get("authorization").map(String::as_str)
                        == Some(&format!("Bearer {TOKEN}"))
                        && headers.get("content-type").map(String::as_str)
                            == Some("application/x-ndjson");
                    if !authorised {
                        respond(&mut stream, "401 Unauthorized", "").await;
                    } else if n == HOLD_AT {
                        store(&received, &key, &body);
                        *held_key.lock().unwrap() = Some(key);
                        holding.store(true, Ordering::SeqCst);
                        // Never answered: the syncer is killed while it waits.
                        tokio::spawn(async move {
                            tokio::time::sleep(Duration::from_secs(120)).await;
                            drop(stream);
                        });
                    } else if n % 2 == 1 {
                        drop(stream);
                    } else if n.is_multiple_of(10) {
                        respond(&mut stream, "500 Internal Server Error", "").await;
                    } else if n % 20 == 2 {
                        respond(&mut stream, "429 Too Many Requests", "Retry-After: 1\r\n").await;
                    } else if n % 10 == 4 {
                        store(&received, &key, &body);
                        let _ = stream.write_all(b"HTTP/1.1 20").await;
                        drop(stream);
                    } else {
                        store(&received, &key, &body);
                        respond(&mut stream, "200 OK", "").await;
                    }
                    if n == RESTART_AT {
                        drop(listener);
                        tokio::time::sleep(Duration::from_millis(700)).await;
                        listener = loop {
                            match TcpListener::bind(addr).await {
                                Ok(l) => break l,
                                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                            }
                        };
                    }
                }
            });
        });
        flaky
    }
}

/// `n` decisions, each on its own conversation: rejections and escalations alternating.
fn decide(dir: &Path, n: usize) -> HashSet<String> {
    let mut desk = Desk::open(dir, &ShopSeed::Demo, Arc::new(SystemClock)).unwrap();
    let shop = generate(DEMO_SEED, &DemoSize::DEFAULT);
    let o = shop
        .orders
        .values()
        .find(|o| o.status == OrderStatus::Pending)
        .unwrap();
    for i in 0..n {
        let id = desk
            .propose(&ProposeRequest {
                customer_id: &o.user_id,
                conversation_id: None,
                channel: "manual",
                tool: ToolName::CancelPendingOrder,
                args: &json!({"order_id": o.order_id, "reason": "no longer needed"}),
                proposed_by: "ana",
            })
            .unwrap();
        if i.is_multiple_of(2) {
            desk.reject(id, "ana", &format!("decision {i}: not asked for"))
                .unwrap();
        } else {
            desk.escalate(id, "ana", Some("above my pay grade"))
                .unwrap();
        }
    }
    desk.eval_cases(0)
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect()
}

fn sync_cmd(dir: &Path, addr: SocketAddr) -> std::process::Command {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("countersign"));
    c.arg("--data-dir")
        .arg(dir)
        .args([
            "sync",
            "--batch-size",
            "50",
            "--min-delay-ms",
            "10",
            "--endpoint",
        ])
        .arg(format!("http://{addr}/cases"))
        .env("COUNTERSIGN_SYNC_TOKEN", TOKEN);
    c
}

#[test]
fn a_thousand_decisions_reach_a_flaky_receiver_exactly_once_across_a_sigkill_mid_batch() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path();
    let expected = decide(ws, 1000);
    assert_eq!(expected.len(), 1000);
    let flaky = Flaky::start();

    let mut first = sync_cmd(ws, flaky.addr)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while !flaky.holding.load(Ordering::SeqCst) {
        assert!(Instant::now() < deadline, "the receiver never held a batch");
        assert!(
            first.try_wait().unwrap().is_none(),
            "the syncer ended early"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // std's kill is SIGKILL: no chance to clean up, mid-batch.
    first.kill().unwrap();
    first.wait().unwrap();
    let held = flaky.held_key.lock().unwrap().clone().unwrap();

    let status = sync_cmd(ws, flaky.addr).arg("--json").output().unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let report: Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(report["pending"], 0);
    assert_eq!(report["parked"], 0);

    let received = flaky.received.lock().unwrap();
    let ids: HashSet<String> = received.count_by_id.keys().cloned().collect();
    assert_eq!(
        ids, expected,
        "the receiver holds exactly the decisions, none missing"
    );
    // The batch held when the syncer died went out again under the same key, with the same
    // records: the receiver could dedupe it by key as well as by id.
    let with_key: Vec<&Vec<String>> = received
        .requests
        .iter()
        .filter(|(k, _)| *k == held)
        .map(|(_, ids)| ids)
        .collect();
    assert!(with_key.len() >= 2, "the held batch was resent");
    assert!(with_key.windows(2).all(|w| w[0] == w[1]));
    assert!(
        received.count_by_id.values().any(|&n| n > 1),
        "some records arrived twice, so the dedupe by id was exercised"
    );

    let status: Value = serde_json::from_slice(
        &cs(ws)
            .args(["sync", "status", "--json"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(status["pending"], 0);
    assert_eq!(status["parked"], 0);
}

fn cancellation_email(desk: &mut Desk, order: &str, email: &str) -> (i64, i64) {
    let got = desk
        .ingest(&Request {
            channel: Some(Channel::Email),
            sender: Some(email.into()),
            subject: Some("Cancel".into()),
            body: format!("Please cancel {order}, I ordered it by mistake."),
            thread: Some(format!("{order}@customer.example")),
            ..Request::default()
        })
        .unwrap();
    (got.proposals[0].id, got.reply_proposal_id.unwrap())
}

#[test]
fn exported_cases_round_trip_through_eval_and_redaction_keeps_them_valid() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path();
    let shop = generate(DEMO_SEED, &DemoSize::DEFAULT);
    let mut pending = shop.orders.values().filter(|o| {
        o.status == OrderStatus::Pending
            && o.payment_history.len() == 1
            && o.net_paid().cents() < 50_000
    });
    let (a, b) = (pending.next().unwrap(), pending.next().unwrap());
    {
        let mut desk = Desk::open(ws, &ShopSeed::Demo, Arc::new(SystemClock)).unwrap();
        let (action, reply) =
            cancellation_email(&mut desk, &a.order_id, &shop.users[&a.user_id].email);
        desk.approve(action, "ana", None).unwrap();
        desk.approve_reply(reply, "ana", &ReplyApproval::default())
            .unwrap();
        let (action, _) = cancellation_email(&mut desk, &b.order_id, &shop.users[&b.user_id].email);
        desk.reject(action, "ana", "the customer changed their mind")
            .unwrap();
    }
    let exported = cs(ws).args(["evals", "export"]).output().unwrap();
    assert!(exported.status.success());
    let text = String::from_utf8(exported.stdout).unwrap();
    assert_eq!(text.lines().count(), 3);
    let file = ws.join("captured.jsonl");
    std::fs::write(&file, &text).unwrap();
    let report: Value = serde_json::from_slice(
        &cs(ws)
            .args(["--planner", "rules", "eval"])
            .arg(&file)
            .arg("--json")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    // What people approved, today's pipeline still proposes; the rejected cancellation is a
    // case today's pipeline disagrees with (it proposes what a person refused).
    assert_eq!(results[0]["pass"], true, "{}", results[0]);
    assert_eq!(results[1]["pass"], true, "{}", results[1]);
    assert_eq!(results[2]["pass"], false, "{}", results[2]);

    let redacted = cs(ws)
        .args(["evals", "export", "--redact", "--since", "2000-01-01"])
        .output()
        .unwrap();
    let text = String::from_utf8(redacted.stdout).unwrap();
    assert!(!text.contains(&shop.users[&a.user_id].email));
    assert!(text.contains("@redacted.invalid"));
    std::fs::write(&file, &text).unwrap();
    cs(ws).arg("eval").arg(&file).assert().success();
    let future = cs(ws)
        .args(["evals", "export", "--since", "2999-01-01"])
        .output()
        .unwrap();
    assert!(future.stdout.is_empty());

    // The same decisions as figures: 2 proposed, 1 approved as proposed, 1 rejected.
    let metrics: Value = serde_json::from_slice(
        &cs(ws)
            .args([
                "metrics",
                "--since",
                "2000-01-01",
                "--until",
                "2999-12-31",
                "--json",
            ])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let o = &metrics["overall"];
    assert_eq!(o["conversations"], 2);
    assert_eq!(o["actions_proposed"], 2);
    assert_eq!(o["action_precision"], 0.5);
    assert_eq!(
        o["rejections_by_reason"]["the customer changed their mind"],
        1
    );
}
