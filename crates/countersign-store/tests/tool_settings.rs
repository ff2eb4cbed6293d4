//! A supervisor's changes to the team systems' configuration are recorded with the change, in
//! one step: nobody else's is written, and a write that fails leaves no record.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::Path;
use std::sync::Arc;

use countersign_core::{ManualClock, Role};
use countersign_mcp::WorkspaceFiles;
use countersign_store::{Desk, DeskError, ShopSeed, ToolSettingsChange, DB_FILE};

const T0: i64 = 1_780_000_000_000;

const POLICY: &str = r#"
[servers.billing]
customer_id = "email"
"#;

fn policy_records(dir: &Path) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open(dir.join(DB_FILE)).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT actor, payload FROM audit_log WHERE kind = 'settings.tool_policy' ORDER BY seq",
        )
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[derive(Debug)]
enum Failure {
    Desk(DeskError),
    Write(countersign_mcp::WorkspaceFilesError),
}

impl From<DeskError> for Failure {
    fn from(e: DeskError) -> Self {
        Failure::Desk(e)
    }
}

#[test]
fn a_policy_change_is_written_and_recorded_together_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let mut desk = Desk::open(dir.path(), &ShopSeed::Demo, Arc::new(ManualClock::new(T0))).unwrap();
    desk.assign_role("lea", "lea", Role::Supervisor).unwrap();
    let files = WorkspaceFiles::new(dir.path());
    let save = |text: &'static str| {
        let files = files.clone();
        move || {
            files
                .save_policy_text(text)
                .map(|_| ())
                .map_err(Failure::Write)
        }
    };

    // An agent: refused before anything is written.
    let refused = desk
        .change_tool_settings("ann", ToolSettingsChange::Policy(POLICY), save(POLICY))
        .unwrap_err();
    assert!(
        matches!(refused, Failure::Desk(ref e) if e.code() == "not_permitted"),
        "{refused:?}"
    );
    assert_eq!(files.policy_text().unwrap(), "");

    // A policy that does not parse: the write fails, and the record goes with it.
    let broken = desk
        .change_tool_settings(
            "lea",
            ToolSettingsChange::Policy("[servers"),
            save("[servers"),
        )
        .unwrap_err();
    assert!(
        matches!(broken, Failure::Write(ref e) if e.code() == "policy_parse"),
        "{broken:?}"
    );
    assert!(policy_records(dir.path()).is_empty());

    desk.change_tool_settings("lea", ToolSettingsChange::Policy(POLICY), save(POLICY))
        .unwrap();
    assert_eq!(files.policy_text().unwrap(), POLICY);
    let records = policy_records(dir.path());
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].0, "lea");
    let payload: serde_json::Value = serde_json::from_str(&records[0].1).unwrap();
    assert_eq!(payload["text"], POLICY);
    assert!(desk.verify_audit().unwrap().ok);

    // The history's settings changes: newest first, the role before it, nothing refused.
    let all = desk.views().settings_changes(10).unwrap();
    let kinds: Vec<&str> = all.entries.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["settings.tool_policy", "staff.role_set"]);
    assert!(!all.more);
    let newest = desk.views().settings_changes(1).unwrap();
    assert_eq!(newest.entries.len(), 1);
    assert_eq!(newest.entries[0].payload["text"], POLICY);
    assert!(newest.more);
}

/// Regression: the settings-changes view would have shown, for good, a token passed in a URL
/// (a provider's `?key=`, a webhook's or sync endpoint's query): the audit log keeps a URL
/// without credentials and without its query's values.
#[test]
fn settings_changes_never_keep_a_urls_credentials() {
    use countersign_store::{Provider, ProviderSettings, SyncTarget, WebhookTarget};
    let dir = tempfile::tempdir().unwrap();
    let mut desk = Desk::open(dir.path(), &ShopSeed::Demo, Arc::new(ManualClock::new(T0))).unwrap();
    desk.assign_role("lea", "lea", Role::Supervisor).unwrap();
    desk.set_provider_settings(
        &ProviderSettings {
            kind: Provider::Openai,
            base_url: "https://llm.example.com/v1?key=sk-secret".into(),
            model: "m".into(),
            ..ProviderSettings::default()
        },
        "lea",
    )
    .unwrap();
    desk.set_webhook_target(
        "lea",
        &WebhookTarget {
            url: "https://hooks.example.com/in?sig=hook-secret".into(),
        },
    )
    .unwrap();
    desk.set_sync_target(
        "lea",
        &SyncTarget {
            endpoint: "https://evals.example.com/ingest?token=sync-secret".into(),
            redact: true,
        },
    )
    .unwrap();
    let changes = desk.views().settings_changes(10).unwrap();
    let recorded = serde_json::to_string(&changes.entries).unwrap();
    for secret in ["sk-secret", "hook-secret", "sync-secret"] {
        assert!(!recorded.contains(secret), "{secret} in {recorded}");
    }
    let kinds: Vec<&str> = changes.entries.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "settings.sync",
            "settings.webhook",
            "settings.provider",
            "staff.role_set"
        ]
    );
    assert_eq!(
        changes.entries[1].payload["webhook_url"],
        "https://hooks.example.com/in?sig=[withheld]"
    );
    // The settings themselves keep the URL as given: only the record leaves the value out.
    assert_eq!(
        desk.sync_target().unwrap().endpoint,
        "https://evals.example.com/ingest?token=sync-secret"
    );
}
