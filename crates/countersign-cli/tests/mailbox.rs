//! `countersign mailbox` end to end: real processes, a real workspace file and real dovecot on
//! loopback. Requests come in once, unreadable mail is quarantined, the new requests are
//! planned, and a server that is down is reported (and changes nothing).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

#[path = "../../countersign-mail/tests/support/mod.rs"]
mod support;

use assert_cmd::Command;
use countersign_mail::MailFlag;
use countersign_shop::demo::{generate, DemoSize, DEMO_SEED};
use countersign_shop::OrderStatus;
use serde_json::Value;
use support::{Servers, SUPPORT, SUPPORT_PASSWORD};

fn cs(dir: &std::path::Path) -> Command {
    let mut c = Command::cargo_bin("countersign").unwrap();
    c.arg("--data-dir").arg(dir).arg("--actor").arg("sam");
    c.env("COUNTERSIGN_MAIL_PASSWORD", SUPPORT_PASSWORD);
    c
}

fn json(c: &mut Command) -> Value {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test]
async fn mail_comes_in_once_unreadable_mail_is_quarantined_and_requests_are_planned() {
    let servers = Servers::start();
    let dir = tempfile::tempdir().unwrap();
    let shop = generate(DEMO_SEED, &DemoSize::DEFAULT);
    let order = shop
        .orders
        .values()
        .find(|o| o.status == OrderStatus::Pending && o.net_paid().cents() < 50_000)
        .unwrap();
    let customer = &shop.users[&order.user_id];
    {
        let mut inbox = servers.support().await;
        let mail = |id: &str, from: &str, body: &str| {
            format!("From: {from}\r\nTo: {SUPPORT}\r\nSubject: my order\r\nMessage-ID: <{id}@example.test>\r\n\r\n{body}\r\n")
                .into_bytes()
        };
        let cancel = format!(
            "Please cancel order {}, I ordered it by mistake.",
            order.order_id
        );
        for raw in [
            mail("a", &customer.email, &cancel),
            mail("b", "someone@example.test", "What is your return policy?"),
            mail("c", "someone@example.test", ""),
        ] {
            inbox
                .append("INBOX", &raw, &[] as &[MailFlag])
                .await
                .unwrap();
        }
    }

    cs(dir.path())
        .args(["staff", "set", "sam", "--role", "supervisor"])
        .assert()
        .success();
    // `none` is for this machine only.
    let refused = cs(dir.path())
        .args([
            "mailbox",
            "set",
            "--imap-host",
            "mail.example.com",
            "--imap-port",
            "143",
        ])
        .args([
            "--smtp-host",
            "mail.example.com",
            "--smtp-port",
            "587",
            "--user",
            SUPPORT,
        ])
        .args(["--from", SUPPORT, "--security", "none"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).starts_with("error: invalid_setting"));
    cs(dir.path())
        .args(["mailbox", "set", "--imap-host", "127.0.0.1"])
        .args(["--imap-port", &servers.imap_port.to_string()])
        .args([
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            &servers.smtp_port.to_string(),
        ])
        .args(["--user", SUPPORT, "--from", SUPPORT, "--security", "none"])
        .assert()
        .success();

    let polled = json(cs(dir.path()).args(["mailbox", "poll", "--once", "--json"]));
    assert_eq!(polled["fetched"], 3);
    assert_eq!(polled["admitted"].as_array().unwrap().len(), 2);
    assert_eq!(polled["quarantined"], 1);
    assert_eq!(polled["planned"], 2);
    // The customer's cancellation waits for approval; nothing executed.
    let queue = json(cs(dir.path()).args(["queue", "--json"]));
    let open: Vec<&Value> = queue.as_array().unwrap().iter().collect();
    assert_eq!(open.len(), 1, "{queue}");
    assert_eq!(open[0]["tool"], "cancel_pending_order");
    assert_eq!(open[0]["args"]["order_id"], order.order_id.as_str());

    // Again: nothing new, nothing twice.
    let again = json(cs(dir.path()).args(["mailbox", "poll", "--once", "--json"]));
    assert_eq!(
        (again["fetched"].as_u64(), again["planned"].as_u64()),
        (Some(0), Some(0))
    );

    // The server down: the poll fails with a stable code, and the status says so.
    servers.imap_stop();
    let down = cs(dir.path())
        .args(["mailbox", "poll", "--once"])
        .output()
        .unwrap();
    assert_eq!(down.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&down.stderr).starts_with("error: mail_unreachable"),
        "{}",
        String::from_utf8_lossy(&down.stderr)
    );
    let status = json(cs(dir.path()).args(["mailbox", "status", "--json"]));
    assert_eq!(status["connected"], false);
    assert_eq!(status["last_error"]["code"], "mail_unreachable");
    assert_eq!(status["counts"]["admitted"], 2);
    assert_eq!(status["counts"]["quarantined"], 1);
    assert!(status["quarantined"][0]["reason"]
        .as_str()
        .unwrap()
        .starts_with("empty_request"));

    // Without the password the command says what is missing.
    let mut no_password = Command::cargo_bin("countersign").unwrap();
    no_password
        .arg("--data-dir")
        .arg(dir.path())
        .args(["mailbox", "poll", "--once"]);
    let out = no_password.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: missing_mail_password"));
}
