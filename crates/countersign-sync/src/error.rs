//! Why a sync could not run. A batch the receiver refused is not an error of the run: it is
//! parked and counted in the report.

use countersign_store::DeskError;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("`{0}` is not a URL")]
    InvalidEndpoint(String),
    /// Cases leave the machine only over TLS; plain HTTP is for a receiver on this machine.
    #[error("`{0}` is not HTTPS; plain HTTP is allowed only to a loopback address")]
    InsecureEndpoint(String),
    #[error("the HTTP client could not be built: {0}")]
    Client(String),
    #[error(transparent)]
    Store(#[from] DeskError),
}

impl SyncError {
    /// Stable codes for the CLI's stderr line and the app.
    pub fn code(&self) -> &'static str {
        match self {
            SyncError::InvalidEndpoint(_) => "invalid_endpoint",
            SyncError::InsecureEndpoint(_) => "insecure_endpoint",
            SyncError::Client(_) => "http_client",
            SyncError::Store(e) => e.code(),
        }
    }

    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            SyncError::InvalidEndpoint(_) | SyncError::InsecureEndpoint(_)
        )
    }
}
