//! `countersign mailbox` end to end: real processes, a real workspace file and real dovecot on
//! loopback. Requests come in once, unreadable mail is quarantined, the new requests are
//! planned, and a server that is down is reported (and changes nothing).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

#[path = "../../countersign-mail/tests/support/mod.rs"]
mod support;

use assert_cmd::Command;
use countersign_mail::{thread_keys, MailFlag, MessageId};
use countersign_shop::demo::{generate, DemoSize, DEMO_SEED};
use countersign_shop::OrderStatus;
use serde_json::Value;
use support::{Servers, CUSTOMER, SUPPORT, SUPPORT_PASSWORD};

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
    // The customer's cancellation waits for approval, and so does each conversation's reply;
    // nothing executed, nothing sent.
    let queue = json(cs(dir.path()).args(["queue", "--json"]));
    let open: Vec<&Value> = queue.as_array().unwrap().iter().collect();
    let tools: Vec<&str> = open.iter().map(|p| p["tool"].as_str().unwrap()).collect();
    assert_eq!(
        tools,
        ["cancel_pending_order", "send_reply", "send_reply"],
        "{queue}"
    );
    assert_eq!(open[0]["args"]["order_id"], order.order_id.as_str());
    assert_eq!(open[1]["args"]["to"], customer.email.as_str());
    assert_eq!(open[1]["args"]["in_reply_to"], "a@example.test");

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

/// A workspace whose shop has a customer with a pending order at the test server's customer
/// address, so a reply to them lands in a mailbox we can read back. Returns the order id.
fn workspace_with_mail_customer(dir: &std::path::Path) -> String {
    let shop = generate(DEMO_SEED, &DemoSize::DEFAULT);
    let order = shop
        .orders
        .values()
        .find(|o| o.status == OrderStatus::Pending && o.net_paid().cents() < 50_000)
        .unwrap();
    let exported = Command::cargo_bin("countersign")
        .unwrap()
        .arg("--data-dir")
        .arg(dir.join("seed"))
        .arg("export-shop")
        .output()
        .unwrap();
    assert!(exported.status.success());
    let mut db: Value = serde_json::from_slice(&exported.stdout).unwrap();
    db["users"][&order.user_id]["email"] = Value::from(CUSTOMER);
    let file = dir.join("db.json");
    std::fs::write(&file, serde_json::to_vec(&db).unwrap()).unwrap();
    order.order_id.clone()
}

fn cs_shop(dir: &std::path::Path) -> Command {
    let mut c = cs(&dir.join("ws"));
    c.arg("--shop").arg(dir.join("db.json"));
    c
}

async fn customer_inbox(servers: &Servers) -> Vec<Vec<u8>> {
    let mut customer = servers.customer().await;
    let fetched = customer.fetch_new(None, 100).await.unwrap();
    fetched.into_iter().map(|f| f.raw).collect()
}

#[tokio::test]
async fn an_edited_reply_is_sent_once_in_the_customers_thread_and_their_answer_joins_it() {
    let servers = Servers::start();
    let tmp = tempfile::tempdir().unwrap();
    let order_id = workspace_with_mail_customer(tmp.path());
    let cs = || cs_shop(tmp.path());
    cs().args(["staff", "set", "sam", "--role", "supervisor"])
        .assert()
        .success();
    cs().args(["mailbox", "set", "--imap-host", "127.0.0.1"])
        .args(["--imap-port", &servers.imap_port.to_string()])
        .args(["--smtp-host", "127.0.0.1"])
        .args(["--smtp-port", &servers.smtp_port.to_string()])
        .args(["--user", SUPPORT, "--from", SUPPORT, "--security", "none"])
        .assert()
        .success();
    let first = format!(
        "From: {CUSTOMER}\r\nTo: {SUPPORT}\r\nSubject: Cancel please\r\nMessage-ID: <c1@example.test>\r\n\r\nPlease cancel order {order_id}, I ordered it by mistake.\r\n"
    );
    servers
        .support()
        .await
        .append("INBOX", first.as_bytes(), &[] as &[MailFlag])
        .await
        .unwrap();
    let polled = json(cs().args(["mailbox", "poll", "--once", "--json"]));
    assert_eq!(
        (polled["planned"].as_u64(), polled["follow_ups"].as_u64()),
        (Some(1), Some(0))
    );
    let conversation = polled["admitted"][0].as_i64().unwrap();

    // The queue of conversations: this one waits for approval, with its reply and its action.
    let inbox = json(cs().args(["inbox", "--json"]));
    assert_eq!(inbox.as_array().unwrap().len(), 1, "{inbox}");
    let item = &inbox[0];
    assert_eq!(item["conversation_id"], conversation);
    assert_eq!(item["waiting"], "approval");
    let action = item["actions"][0]["id"].as_i64().unwrap();
    assert_eq!(item["actions"][0]["tool"], "cancel_pending_order");
    let reply = item["reply"]["proposal_id"].as_i64().unwrap();
    assert_eq!(item["reply"]["revision"], 0);

    // Nothing went out before approval.
    assert!(customer_inbox(&servers).await.is_empty());

    // The action first, then the edited reply: exactly the approved text goes out, once.
    cs().args(["approve", &action.to_string()])
        .assert()
        .success();
    let text = "Hello,\n\nYour order is cancelled and the refund is on its way. Sorry for the trouble!\n\nSam";
    cs().args(["reply", &reply.to_string(), "--text", text])
        .assert()
        .success();
    let approved = cs().args(["approve", &reply.to_string()]).output().unwrap();
    assert!(
        approved.status.success(),
        "{}",
        String::from_utf8_lossy(&approved.stderr)
    );
    assert!(String::from_utf8_lossy(&approved.stdout).starts_with("Sent reply"));

    let received = customer_inbox(&servers).await;
    assert_eq!(received.len(), 1);
    let keys = thread_keys(&received[0]);
    let ours = keys.message_id.clone().unwrap();
    assert!(
        ours.as_str().starts_with(&format!("reply-{reply}.")),
        "{ours}"
    );
    assert_eq!(
        keys.in_reply_to,
        vec![MessageId::parse("c1@example.test").unwrap()]
    );
    assert_eq!(
        keys.references,
        vec![MessageId::parse("c1@example.test").unwrap()]
    );
    let body = String::from_utf8_lossy(&received[0]);
    assert!(body.contains("Subject: Re: Cancel please"), "{body}");
    assert!(body.contains("refund is on its way"), "{body}");
    let mut support = servers.support().await;
    let sent = support.sent_folder().await.unwrap();
    assert!(support.find_by_message_id(&sent, &ours).await.unwrap());

    // Approving again, or running delivery again, sends nothing more.
    let again = cs().args(["approve", &reply.to_string()]).output().unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).starts_with("error: already_decided"));
    let delivered = json(cs().args(["replies", "send", "--json"]));
    assert_eq!(delivered["sent"].as_array().unwrap().len(), 0);
    assert_eq!(customer_inbox(&servers).await.len(), 1);
    let status = json(cs().args(["mailbox", "status", "--json"]));
    assert_eq!(status["outbox"]["sent"], 1);
    assert_eq!(status["outbox"]["queued"], 0);

    // Answered: nobody is waiting.
    let inbox = json(cs().args(["inbox", "--json"]));
    assert_eq!(inbox.as_array().unwrap().len(), 0, "{inbox}");

    // The customer answers our reply: it joins the same conversation, which waits again.
    let answer = format!(
        "From: {CUSTOMER}\r\nTo: {SUPPORT}\r\nSubject: Re: Cancel please\r\nMessage-ID: <c2@example.test>\r\nIn-Reply-To: {}\r\nReferences: <c1@example.test> {}\r\n\r\nThanks! When will the refund arrive?\r\n",
        ours.angled(),
        ours.angled()
    );
    support
        .append("INBOX", answer.as_bytes(), &[] as &[MailFlag])
        .await
        .unwrap();
    let polled = json(cs().args(["mailbox", "poll", "--once", "--json"]));
    assert_eq!(polled["follow_ups"], 1, "{polled}");
    assert_eq!(polled["admitted"][0], conversation);
    // The follow-up is eval data too: the message our reply answered, reopened.
    let exported = cs().args(["evals", "export"]).output().unwrap();
    let cases: Vec<Value> = String::from_utf8_lossy(&exported.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let reopened = cases.last().unwrap();
    assert_eq!(reopened["resolution"], "reopened", "{reopened}");
    assert_eq!(reopened["conversation_id"], conversation);
    assert!(!reopened["input"]
        .as_str()
        .unwrap()
        .contains("When will the refund arrive"));
    let inbox = json(cs().args(["inbox", "--json"]));
    assert_eq!(inbox.as_array().unwrap().len(), 1, "{inbox}");
    assert_eq!(inbox[0]["conversation_id"], conversation);
    assert_eq!(inbox[0]["customer_messages"], 2);
    // The new draft answers in the same thread: References continue it.
    let new_reply = &inbox[0]["reply"];
    assert_eq!(new_reply["state"], "pending", "{inbox}");
    let queue = json(cs().args(["queue", "--json"]));
    let draft = queue
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == new_reply["proposal_id"])
        .unwrap();
    assert_eq!(draft["args"]["in_reply_to"], "c2@example.test");
    assert_eq!(
        draft["args"]["references"],
        serde_json::json!(["c1@example.test", ours.as_str(), "c2@example.test"])
    );
}
