//! Webhook replies against a local receiver that checks every signature, dedupes by message id
//! and fails a third of the requests (and one that refuses).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use countersign_core::Secret;
use countersign_webhook::{
    deliver, verify, Reply, WebhookSettings, SIGNATURE_HEADER, TIMESTAMP_HEADER,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const NOW: i64 = 1_800_000_000;

#[derive(Default)]
struct Seen {
    requests: usize,
    bad_signatures: usize,
    /// Message id → times it was accepted and acted on.
    acted: HashMap<String, usize>,
}

/// A receiver as a team would write one: verify, then fail every third request with a 503
/// (its database is busy), else act once per message id and answer 200.
struct Receiver {
    secret: Secret,
    seen: Arc<Mutex<Seen>>,
}

impl Respond for Receiver {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut seen = self.seen.lock().unwrap();
        seen.requests += 1;
        let header = |name: &str| {
            req.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        let timestamp: i64 = header(TIMESTAMP_HEADER).parse().unwrap_or(0);
        if !verify(
            &self.secret,
            timestamp,
            &req.body,
            &header(SIGNATURE_HEADER),
            NOW,
            300,
        ) {
            seen.bad_signatures += 1;
            return ResponseTemplate::new(401);
        }
        if seen.requests.is_multiple_of(3) {
            return ResponseTemplate::new(503);
        }
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
        let id = body["message_id"].as_str().unwrap().to_owned();
        assert_eq!(header("idempotency-key"), id);
        *seen.acted.entry(id).or_insert(0) += 1;
        ResponseTemplate::new(200)
    }
}

fn settings(url: String) -> WebhookSettings {
    WebhookSettings {
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        ..WebhookSettings::new(&url)
    }
}

fn reply(n: i64) -> Reply {
    Reply {
        message_id: format!("<proposal-{n}@countersign>"),
        conversation_id: n,
        channel: "chat".into(),
        thread: Some(format!("session-{n}")),
        text: format!("Your cancellation is prepared for approval ({n})."),
    }
}

#[tokio::test]
async fn every_reply_arrives_once_through_a_receiver_that_fails_a_third_of_requests() {
    let server = MockServer::start().await;
    let secret = Secret::new("whsec-e2e-countersign".into());
    let seen = Arc::new(Mutex::new(Seen::default()));
    Mock::given(method("POST"))
        .and(path("/replies"))
        .respond_with(Receiver {
            secret: secret.clone(),
            seen: seen.clone(),
        })
        .mount(&server)
        .await;
    let http = reqwest::Client::new();
    let s = settings(format!("{}/replies", server.uri()));
    let mut retried = 0;
    for n in 0..30 {
        let d = deliver(&http, &s, &secret, &reply(n), || NOW)
            .await
            .unwrap();
        assert_eq!(d.status, 200);
        retried += usize::from(d.attempts > 1);
    }
    let seen = seen.lock().unwrap();
    assert_eq!(seen.bad_signatures, 0);
    assert_eq!(seen.acted.len(), 30, "every reply arrived");
    assert!(
        seen.acted.values().all(|n| *n == 1),
        "none twice: {:?}",
        seen.acted
    );
    assert_eq!(
        seen.requests,
        30 + seen.requests / 3,
        "a third failed and were retried"
    );
    assert!(retried >= 9, "{retried}");
}

#[tokio::test]
async fn a_wrong_secret_is_refused_once_and_not_retried() {
    let server = MockServer::start().await;
    let seen = Arc::new(Mutex::new(Seen::default()));
    Mock::given(method("POST"))
        .respond_with(Receiver {
            secret: Secret::new("the receiver's secret".into()),
            seen: seen.clone(),
        })
        .mount(&server)
        .await;
    let err = deliver(
        &reqwest::Client::new(),
        &settings(server.uri()),
        &Secret::new("another secret".into()),
        &reply(1),
        || NOW,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "webhook_rejected");
    assert_eq!(seen.lock().unwrap().requests, 1);
    assert!(!err.to_string().contains("another secret"));
}

#[tokio::test]
async fn a_receiver_that_stays_down_gives_up_with_the_last_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let err = deliver(
        &reqwest::Client::new(),
        &settings(server.uri()),
        &Secret::new("k".into()),
        &reply(1),
        || NOW,
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "webhook_unavailable");
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        6,
        "1 + 5 retries"
    );
    assert!(matches!(
        deliver(
            &reqwest::Client::new(),
            &WebhookSettings::new("ftp://x"),
            &Secret::new("k".into()),
            &reply(1),
            || NOW
        )
        .await,
        Err(countersign_webhook::WebhookError::Config)
    ));
}
