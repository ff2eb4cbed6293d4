//! One function per command, grouped by area.

pub mod csat;
pub mod eval_export;
pub mod evals;
pub mod external;
pub mod guard;
pub mod history;
pub mod lookup;
pub mod mailbox;
pub mod mcp;
pub mod metrics;
pub mod pipeline;
pub mod policy;
pub mod proposals;
pub mod replies;
pub mod staff;
pub mod sync;
pub mod tools;

use serde_json::Value;

use crate::error::bad;

/// `--args` as JSON; refused as `invalid_json` before the workspace is opened.
pub(crate) fn parse_json(text: &str) -> anyhow::Result<Value> {
    serde_json::from_str(text)
        .map_err(|e| bad("invalid_json", format!("--args is not valid JSON: {e}")))
}
