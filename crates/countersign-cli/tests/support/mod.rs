//! What the MCP end-to-end tests share: the binary, the registry servers `scripts/setup.sh`
//! installs into `tests/mcp/`, and a scripted LLM — a loopback fake of the OpenAI chat
//! completions API answering in its documented wire format.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use assert_cmd::Command;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request as WireRequest, Respond, ResponseTemplate};

pub fn cs(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("countersign").unwrap();
    c.arg("--data-dir").arg(dir).arg("--actor").arg("ana");
    c.env_remove("COUNTERSIGN_API_KEY");
    c
}

/// `tools add-server` as "sam", made the workspace's supervisor first (adding a team system
/// is a supervisor's change; the first supervisor is whoever administers the files).
pub fn add_server(dir: &Path) -> Command {
    let as_sam = || {
        let mut c = Command::cargo_bin("countersign").unwrap();
        c.arg("--data-dir").arg(dir).arg("--actor").arg("sam");
        c
    };
    as_sam()
        .args(["staff", "set", "sam", "--role", "supervisor"])
        .assert()
        .success();
    let mut c = as_sam();
    c.args(["tools", "add-server"]);
    c
}

/// A workspace with the billing server (`billing_command(state)`, hints not trusted), its
/// honest read `get_charge` classified `read` by sam (a supervisor), and `policy` written; with
/// the server's listing as first seen (every tool still a write).
pub fn billing_workspace(state: &Path, policy: &str) -> (tempfile::TempDir, Value) {
    let ws = tempfile::tempdir().unwrap();
    add_server(ws.path())
        .args(["billing", "--command"])
        .arg(billing_command(state))
        .assert()
        .success();
    let listed: Value =
        serde_json::from_str(&stdout(cs(ws.path()).args(["tools", "list", "--json"]))).unwrap();
    let hash = tool_of(&listed[0], "get_charge")["hash"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut classify = Command::cargo_bin("countersign").unwrap();
    classify
        .arg("--data-dir")
        .arg(ws.path())
        .args([
            "--actor",
            "sam",
            "tools",
            "classify",
            "billing",
            "get_charge",
            "read",
        ])
        .args(["--hash", &hash])
        .assert()
        .success();
    std::fs::write(ws.path().join("mcp-policy.toml"), policy).unwrap();
    (ws, listed)
}

/// A server's tool in `tools list --json`, by name.
pub fn tool_of<'a>(server: &'a Value, tool: &str) -> &'a Value {
    server["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == tool)
        .unwrap_or_else(|| panic!("{tool} not listed: {server}"))
}

pub fn stdout(c: &mut Command) -> String {
    let out = c.assert().success().get_output().stdout.clone();
    String::from_utf8(out).unwrap()
}

pub fn filesystem_bin() -> String {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/mcp/node_modules/.bin/mcp-server-filesystem");
    assert!(
        bin.exists(),
        "@modelcontextprotocol/server-filesystem is not installed ({} is missing): run scripts/setup.sh",
        bin.display()
    );
    bin.display().to_string()
}

/// A `chat.completion` as the API reference shows it.
pub fn completion(message: Value, finish_reason: &str) -> Value {
    json!({
        "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
        "object": "chat.completion",
        "created": 1741569952,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "message": message, "logprobs": null, "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": 900, "completion_tokens": 40, "total_tokens": 940}
    })
}

pub fn tool_call(name: &str, args: &Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(completion(
        json!({"role": "assistant", "content": null, "tool_calls": [{
            "id": "call_0", "type": "function",
            "function": {"name": name, "arguments": args.to_string()}
        }]}),
        "tool_calls",
    ))
}

/// One assistant turn calling several tools at once: `(name, arguments)`.
pub fn tool_calls(calls: &[(&str, Value)]) -> ResponseTemplate {
    let calls: Vec<Value> = calls
        .iter()
        .enumerate()
        .map(|(i, (name, args))| {
            json!({"id": format!("call_{i}"), "type": "function",
                   "function": {"name": name, "arguments": args.to_string()}})
        })
        .collect();
    ResponseTemplate::new(200).set_body_json(completion(
        json!({"role": "assistant", "content": null, "tool_calls": calls}),
        "tool_calls",
    ))
}

/// The `tool` messages the model was sent in its `n`th request: (call id, content as sent).
pub fn tool_messages(
    runtime: &tokio::runtime::Runtime,
    provider: &MockServer,
    n: usize,
) -> Vec<(String, String)> {
    let requests = runtime.block_on(provider.received_requests()).unwrap();
    let body: Value = requests[n].body_json().unwrap();
    body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "tool")
        .map(|m| {
            (
                m["tool_call_id"].as_str().unwrap().to_owned(),
                m["content"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

pub fn text(t: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(completion(
        json!({"role": "assistant", "content": t}),
        "stop",
    ))
}

/// Answers in order, one per request; the last repeats.
struct Script {
    answers: Vec<ResponseTemplate>,
    next: AtomicUsize,
}

impl Respond for Script {
    fn respond(&self, _: &WireRequest) -> ResponseTemplate {
        let i = self.next.fetch_add(1, Ordering::SeqCst);
        self.answers[i.min(self.answers.len() - 1)].clone()
    }
}

/// A multi-threaded runtime (the fake provider answers on it while the test blocks on the
/// binary) and the fake provider, answering `answers` in order.
pub fn scripted_provider(answers: Vec<ResponseTemplate>) -> (tokio::runtime::Runtime, MockServer) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = runtime.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v1/chat/completions"))
            .respond_with(Script {
                answers,
                next: AtomicUsize::new(0),
            })
            .mount(&server)
            .await;
        server
    });
    (runtime, server)
}

/// `countersign … ingest` of one email from `from`, planned by the LLM at `provider`.
pub fn ingest_email(
    ws: &Path,
    provider: &MockServer,
    from: &str,
    subject: &str,
    body: &str,
) -> Value {
    let mail = ws.join(format!("{}.eml", subject.replace(' ', "-")));
    std::fs::write(
        &mail,
        format!(
            "From: {from}\r\nTo: support@example.com\r\nSubject: {subject}\r\nMessage-ID: <{}@example.com>\r\n\r\n{body}\r\n",
            subject.replace(' ', ".")
        ),
    )
    .unwrap();
    serde_json::from_str(&stdout(
        cs(ws)
            .env("COUNTERSIGN_API_KEY", "sk-test")
            .args([
                "--provider",
                "openai",
                "--model",
                "gpt-4o-mini",
                "--planner",
                "llm",
            ])
            .arg("--base-url")
            .arg(format!("{}/v1", provider.uri()))
            .args(["ingest", "--channel", "email", "--json"])
            .arg(&mail),
    ))
    .unwrap()
}

/// The open external calls in `queue --json`.
pub fn external_rows(ws: &Path) -> Vec<Value> {
    let queue: Value = serde_json::from_str(&stdout(cs(ws).args(["queue", "--json"]))).unwrap();
    queue
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("external").is_some())
        .cloned()
        .collect()
}

/// `tests/mcp/billing_server.py` as a command line, keeping its state in `state`.
pub fn billing_command(state: &Path) -> String {
    let python = repo().join("tests/mcp/.venv/bin/python");
    assert!(
        python.exists(),
        "the Python venv with PyPI's mcp is not installed ({} is missing): run scripts/setup.sh",
        python.display()
    );
    format!(
        "env BILLING_STATE_DIR={} {} {}",
        state.display(),
        python.display(),
        repo().join("tests/mcp/billing_server.py").display()
    )
}

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The stderr of a command that must fail.
pub fn failure(c: &mut Command) -> String {
    String::from_utf8_lossy(&c.assert().failure().get_output().stderr).into_owned()
}

/// A path as a regex matching itself.
pub fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if "\\.+*?()|[]{}^$".contains(c) {
                vec!['\\', c]
            } else {
                vec![c]
            }
        })
        .collect()
}
