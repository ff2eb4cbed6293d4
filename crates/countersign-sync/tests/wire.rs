//! The wire format against a mock receiver: headers, one redacted case per line, parking.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::sync::Arc;
use std::time::Duration;

use countersign_core::{ManualClock, Secret};
use countersign_shop::demo::{generate, DemoSize, DEMO_SEED};
use countersign_shop::{OrderStatus, ToolName};
use countersign_store::{Desk, ProposeRequest, ShopSeed};
use countersign_sync::{sync, Endpoint, Mode, SyncSettings};
use serde_json::{json, Value};
use wiremock::matchers::{header, header_exists, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn desk_with_rejections(n: usize) -> (tempfile::TempDir, Desk) {
    let dir = tempfile::tempdir().unwrap();
    let mut desk = Desk::open(
        dir.path(),
        &ShopSeed::Demo,
        Arc::new(ManualClock::new(1_800_000_000_000)),
    )
    .unwrap();
    let shop = generate(DEMO_SEED, &DemoSize::DEFAULT);
    let o = shop
        .orders
        .values()
        .find(|o| o.status == OrderStatus::Pending)
        .unwrap();
    for _ in 0..n {
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
        desk.reject(id, "ana", "write to ana@example.com or +1 415-555-0100")
            .unwrap();
    }
    (dir, desk)
}

fn settings(server: &MockServer) -> SyncSettings {
    let mut s = SyncSettings::new(
        Endpoint::parse(&format!("{}/cases", server.uri())).unwrap(),
        Secret::new("t0ken".into()),
    );
    s.batch_size = 2;
    s.min_delay = Duration::from_millis(10);
    s
}

#[tokio::test]
async fn batches_go_out_as_redacted_ndjson_with_the_token_and_a_key_per_batch() {
    let (_dir, mut desk) = desk_with_rejections(3);
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("content-type", "application/x-ndjson"))
        .and(header("authorization", "Bearer t0ken"))
        .and(header_exists("idempotency-key"))
        .respond_with(ResponseTemplate::new(204))
        .expect(2)
        .mount(&server)
        .await;
    let report = sync(&mut desk, &settings(&server), Mode::UntilEmpty)
        .await
        .unwrap();
    assert_eq!(
        (report.batches_sent, report.cases_sent, report.pending),
        (2, 3, 0)
    );
    let requests = server.received_requests().await.unwrap();
    let keys: Vec<_> = requests
        .iter()
        .map(|r| r.headers["idempotency-key"].to_str().unwrap().to_owned())
        .collect();
    assert_ne!(keys[0], keys[1]);
    let body = String::from_utf8(requests[0].body.clone()).unwrap();
    let lines: Vec<Value> = body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    let reason = lines[0]["must_not_actions"][0]["reason"].as_str().unwrap();
    assert_eq!(reason, "write to person1@redacted.invalid or [phone-1]");
    assert!(!body.contains("ana@example.com"));
}

#[tokio::test]
async fn a_refusal_parks_the_batch_for_a_person_and_the_rest_still_goes() {
    let (_dir, mut desk) = desk_with_rejections(3);
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(422).set_body_string("bad case"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let report = sync(&mut desk, &settings(&server), Mode::UntilEmpty)
        .await
        .unwrap();
    assert_eq!((report.batches_parked, report.batches_sent), (1, 1));
    let status = desk.sync_status().unwrap();
    assert_eq!((status.pending, status.parked), (0, 2));
    assert_eq!(
        status.parked_batches[0].error.as_deref(),
        Some("HTTP 422: bad case")
    );
    // A person sends it again: the audit record names the status it was refused with, as
    // the syncer stored it, and never the receiver's words.
    let parked = status.parked_batches[0].id.clone();
    desk.requeue_eval_batch(&parked, "ana").unwrap();
    let record = desk.views().settings_changes(1).unwrap().entries.remove(0);
    assert_eq!(record.kind, countersign_core::AuditKind::SyncRequeued);
    assert_eq!(
        record.payload,
        json!({"batch": parked, "refused_with": 422})
    );
}

#[tokio::test]
async fn a_round_stops_at_the_first_batch_that_cannot_go_and_a_refusal_never_shows_the_token() {
    let (_dir, mut desk) = desk_with_rejections(5);
    let server = MockServer::start().await;
    // A receiver that echoes the request's headers in its refusal.
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_string("bad: authorization=Bearer t0ken"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let report = sync(&mut desk, &settings(&server), Mode::Round)
        .await
        .unwrap();
    // The first batch parked, the second not sent now: the third is not tried this round.
    assert_eq!(
        (
            report.batches_parked,
            report.failed_attempts,
            report.pending
        ),
        (1, 1, 3)
    );
    let status = desk.sync_status().unwrap();
    let parked = status.parked_batches[0].error.as_deref().unwrap();
    assert_eq!(parked, "HTTP 400: bad: authorization=Bearer [token]");
}

#[tokio::test]
async fn once_makes_one_attempt_per_batch_and_leaves_failures_pending() {
    let (_dir, mut desk) = desk_with_rejections(3);
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "3600"))
        .expect(2)
        .mount(&server)
        .await;
    let report = sync(&mut desk, &settings(&server), Mode::Once)
        .await
        .unwrap();
    assert_eq!((report.failed_attempts, report.pending), (2, 3));
    assert_eq!(
        desk.sync_status().unwrap().last_error.as_deref(),
        Some("HTTP 503")
    );
}
