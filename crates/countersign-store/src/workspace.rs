//! Workspace settings: where the shop came from, the gate's policy (expiry, limits), the
//! planner's caps and the provider. Each setting is a typed key ([`Setting`]): its name and the
//! type stored under it are declared once, here.

use std::marker::PhantomData;

use countersign_core::ApprovalLimits;
use countersign_pipeline::{Caps, PlannerMode, PriceTable};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{corrupt, DeskError};

pub(crate) const SCHEMA_V1: &str = "
CREATE TABLE workspace (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
";

/// How long a proposal waits for a decision, and who may approve how much.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct GatePolicy {
    pub expiry_ms: i64,
    pub limits: ApprovalLimits,
}

impl Default for GatePolicy {
    fn default() -> Self {
        // A working day: a customer waiting longer should be asked again, not surprised.
        GatePolicy {
            expiry_ms: 24 * 60 * 60 * 1000,
            limits: ApprovalLimits::default(),
        }
    }
}

/// A workspace setting: the key it is stored under and the type stored there.
#[derive(Debug)]
pub(crate) struct Setting<T> {
    key: &'static str,
    value: PhantomData<fn() -> T>,
}

impl<T> Setting<T> {
    pub(crate) const fn new(key: &'static str) -> Self {
        Setting {
            key,
            value: PhantomData,
        }
    }
}

pub(crate) const GATE_POLICY: Setting<GatePolicy> = Setting::new("gate_policy");
pub(crate) const PLANNER_CAPS: Setting<Caps> = Setting::new("planner_caps");
pub(crate) const PROVIDER: Setting<ProviderSettings> = Setting::new("provider");
pub(crate) const MAILBOX: Setting<MailboxSettings> = Setting::new("mailbox");
pub(crate) const MAILBOX_STATUS: Setting<MailboxStatus> = Setting::new("mailbox_status");
pub(crate) const WEBHOOK: Setting<WebhookTarget> = Setting::new("webhook");
/// Where the shop came from (`{"kind": "demo" | "tau" | "loaded", ...}`), for display.
pub(crate) const SHOP_SOURCE: Setting<Value> = Setting::new("shop_source");

pub(crate) fn get<T: serde::de::DeserializeOwned>(
    conn: &Connection,
    setting: &Setting<T>,
) -> Result<Option<T>, DeskError> {
    let key = setting.key;
    let text: Option<String> = conn
        .prepare_cached("SELECT value FROM workspace WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?;
    text.map(|t| serde_json::from_str(&t).map_err(|e| corrupt(format!("setting {key}"), e)))
        .transpose()
}

pub(crate) fn set<T: Serialize>(
    conn: &Connection,
    setting: &Setting<T>,
    value: &T,
) -> Result<(), DeskError> {
    let key = setting.key;
    let text = serde_json::to_string(value).map_err(|e| corrupt(format!("setting {key}"), e))?;
    conn.execute(
        "INSERT INTO workspace (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, text),
    )?;
    Ok(())
}

/// Which kind of LLM provider plans.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Provider {
    /// The rules planner only.
    #[default]
    None,
    /// Any OpenAI-compatible server (OpenAI, Ollama, vLLM, llama.cpp, ...).
    Openai,
    Anthropic,
}

impl Provider {
    pub const ALL: [Provider; 3] = [Provider::None, Provider::Openai, Provider::Anthropic];

    pub const fn as_str(self) -> &'static str {
        match self {
            Provider::None => "none",
            Provider::Openai => "openai",
            Provider::Anthropic => "anthropic",
        }
    }
}

/// Which LLM provider plans, if any, how requests are routed to it and what its tokens cost.
/// The API key is not here: it lives in the OS keychain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProviderSettings {
    pub kind: Provider,
    pub base_url: String,
    pub model: String,
    #[serde(default)]
    pub mode: PlannerMode,
    /// USD per million tokens, by model.
    #[serde(default = "PriceTable::starter")]
    pub prices: PriceTable,
}

impl Default for ProviderSettings {
    fn default() -> Self {
        ProviderSettings {
            kind: Provider::None,
            base_url: String::new(),
            model: String::new(),
            mode: PlannerMode::Auto,
            prices: PriceTable::starter(),
        }
    }
}

/// The provider settings, `none` when never set.
pub(crate) fn provider(conn: &Connection) -> Result<ProviderSettings, DeskError> {
    Ok(get(conn, &PROVIDER)?.unwrap_or_default())
}

/// How a mail connection is protected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum MailSecurity {
    /// TLS from the first byte (IMAP 993, SMTP 465).
    #[default]
    Tls,
    /// STARTTLS before logging in (IMAP 143, SMTP 587); refused if the server does not offer it.
    Starttls,
    /// None: only for a server on this machine.
    None,
}

/// The team's mailbox: where requests arrive (IMAP) and replies leave (SMTP). The password is
/// not here: it lives in the OS keychain (`COUNTERSIGN_MAIL_PASSWORD` for the CLI).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MailboxSettings {
    pub imap_host: String,
    pub imap_port: u16,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub security: MailSecurity,
    pub user: String,
    /// The address replies are sent from.
    pub from: String,
    /// The folder requests arrive in.
    pub folder: String,
}

/// The last poll of the mailbox, for the app's status line and `mailbox status`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MailboxStatus {
    pub last_poll_ms: Option<i64>,
    /// Whether the last poll reached the server.
    pub connected: bool,
    /// The last poll's failure, if it failed: a stable code and a message.
    pub last_error: Option<MailFault>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MailFault {
    pub code: String,
    pub message: String,
}

/// Where chat and widget replies are POSTed. The signing secret is not here: it lives in the
/// OS keychain (`COUNTERSIGN_WEBHOOK_SECRET` for the CLI).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct WebhookTarget {
    pub url: String,
}
