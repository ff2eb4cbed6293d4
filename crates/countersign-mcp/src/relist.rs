//! Connecting to every configured server and listing its tools again: the catalogue follows
//! what each server says today (a changed definition returns to unclassified), and each
//! server's answer is its visible status.

use countersign_core::Secret;
use serde::Serialize;

use crate::client::{connect, ToolServer};
use crate::server::{ServerName, Timeouts};
use crate::workspace_files::{WorkspaceFiles, WorkspaceFilesError};

/// How one configured server answered.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ServerStatus {
    pub name: String,
    pub connected: bool,
    /// The error's stable code when it could not be connected or listed.
    pub code: Option<String>,
    pub message: Option<String>,
    /// Tools new, changed or gone since the last listing.
    pub changes: usize,
}

/// Lists every configured server's tools again and saves the refreshed catalogue.
pub async fn relist_workspace(
    files: &WorkspaceFiles,
    token_for: impl Fn(&ServerName) -> Option<Secret>,
    timeouts: Timeouts,
) -> Result<Vec<ServerStatus>, WorkspaceFilesError> {
    let mut statuses = Vec::new();
    for spec in files.servers()? {
        let token = token_for(&spec.name);
        let listed = async {
            let server = connect(&spec, token.as_ref(), timeouts).await?;
            let tools = server.list_tools().await;
            server.close().await;
            tools
        }
        .await;
        let trust = if spec.trust_read_only_hints {
            crate::catalogue::HintTrust::TrustReadOnly
        } else {
            crate::catalogue::HintTrust::Untrusted
        };
        statuses.push(match listed {
            Ok(tools) => {
                // Merged into the catalogue as it is now, under its lock: a classification
                // made while this server was listing stays.
                let refreshed = files.merge_listing(&spec.name, &tools, trust)?;
                ServerStatus {
                    name: spec.name.to_string(),
                    connected: true,
                    code: None,
                    message: None,
                    changes: refreshed.changes.len(),
                }
            }
            Err(e) => ServerStatus {
                name: spec.name.to_string(),
                connected: false,
                code: Some(e.code().to_owned()),
                message: Some(e.to_string()),
                changes: 0,
            },
        });
    }
    Ok(statuses)
}
