//! Errors as they cross IPC: a stable code the UI matches on, and a message for people.

use countersign_core::SecretError;
use countersign_store::DeskError;
use serde::Serialize;

#[derive(Debug, Serialize, ts_rs::TS)]
pub struct IpcError {
    pub code: String,
    pub message: String,
}

impl IpcError {
    pub fn new(code: &str, message: impl Into<String>) -> IpcError {
        IpcError {
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

impl From<DeskError> for IpcError {
    fn from(e: DeskError) -> Self {
        if !e.is_bad_input() {
            tracing::error!(code = e.code(), error = %e, "command failed");
        }
        IpcError::new(e.code(), e.to_string())
    }
}

impl From<SecretError> for IpcError {
    fn from(e: SecretError) -> Self {
        tracing::error!(code = e.code(), "keychain error");
        IpcError::new(e.code(), e.to_string())
    }
}

impl From<countersign_export::ExportError> for IpcError {
    fn from(e: countersign_export::ExportError) -> Self {
        tracing::error!(code = e.code(), error = %e, "export failed");
        IpcError::new(e.code(), e.to_string())
    }
}

impl From<countersign_llm::LlmError> for IpcError {
    fn from(e: countersign_llm::LlmError) -> Self {
        // The code only: a provider's message may quote its answer.
        tracing::warn!(code = e.code(), "provider error");
        IpcError::new(e.code(), e.to_string())
    }
}

impl From<countersign_update::UpdateError> for IpcError {
    fn from(e: countersign_update::UpdateError) -> Self {
        tracing::warn!(code = e.code(), "update check failed");
        IpcError::new(e.code(), e.to_string())
    }
}

impl From<countersign_mail::MailError> for IpcError {
    fn from(e: countersign_mail::MailError) -> Self {
        tracing::warn!(code = e.code(), "mail server error");
        IpcError::new(e.code(), e.to_string())
    }
}

impl From<countersign_mcp::McpError> for IpcError {
    fn from(e: countersign_mcp::McpError) -> Self {
        // Details come from transport errors and server replies, scrubbed of the token.
        tracing::warn!(code = e.code(), "tool server error");
        IpcError::new(e.code(), e.to_string())
    }
}

impl From<countersign_mcp::WorkspaceFilesError> for IpcError {
    fn from(e: countersign_mcp::WorkspaceFilesError) -> Self {
        tracing::warn!(code = e.code(), "tool server files unusable");
        IpcError::new(e.code(), e.to_string())
    }
}

impl From<countersign_store::ServerApprovalError> for IpcError {
    fn from(e: countersign_store::ServerApprovalError) -> Self {
        match e {
            countersign_store::ServerApprovalError::Desk(d) => d.into(),
            other => {
                tracing::info!(code = other.code(), "external approval refused");
                IpcError::new(other.code(), other.to_string())
            }
        }
    }
}
