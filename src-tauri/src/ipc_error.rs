//! Errors as they cross IPC: a stable code the UI matches on, and a message for people.

use countersign_store::DeskError;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct IpcError {
    pub code: &'static str,
    pub message: String,
}

impl From<DeskError> for IpcError {
    fn from(e: DeskError) -> Self {
        if !e.is_bad_input() {
            tracing::error!(code = e.code(), error = %e, "command failed");
        }
        IpcError {
            code: e.code(),
            message: e.to_string(),
        }
    }
}
