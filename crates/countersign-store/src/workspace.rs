//! Workspace settings: where the shop came from and the gate's policy (expiry, limits).

use countersign_core::ApprovalLimits;
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

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

pub(crate) fn get<T: serde::de::DeserializeOwned>(
    conn: &Connection,
    key: &str,
) -> Result<Option<T>, DeskError> {
    let text: Option<String> = conn
        .prepare_cached("SELECT value FROM workspace WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?;
    text.map(|t| serde_json::from_str(&t).map_err(|e| corrupt(format!("setting {key}"), e)))
        .transpose()
}

pub(crate) fn set<T: Serialize>(conn: &Connection, key: &str, value: &T) -> Result<(), DeskError> {
    let text = serde_json::to_string(value).map_err(|e| corrupt(format!("setting {key}"), e))?;
    conn.execute(
        "INSERT INTO workspace (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, text),
    )?;
    Ok(())
}

/// Which LLM provider plans, if any. The API key is not here: it lives in the OS keychain.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProviderSettings {
    /// `none` (rules planner only), `openai` (any OpenAI-compatible server) or `anthropic`.
    pub kind: String,
    pub base_url: String,
    pub model: String,
}

/// The provider settings, `none` when never set.
pub(crate) fn provider(conn: &Connection) -> Result<ProviderSettings, DeskError> {
    Ok(get(conn, "provider")?.unwrap_or_else(|| ProviderSettings {
        kind: "none".into(),
        base_url: String::new(),
        model: String::new(),
    }))
}
