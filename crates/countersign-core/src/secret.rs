//! The secret-store port and a secret type that cannot leak by accident: no `Display`, no
//! `Serialize`, and `Debug` prints a placeholder.

use std::fmt;

/// A secret value, such as an API key. Read it only where it is used.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Secret {
        Secret(value)
    }

    /// The secret itself. Every call site is a place the secret leaves this type: keep them few.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the keychain is not available: {0}")]
    Unavailable(String),
    #[error("the keychain refused: {0}")]
    Refused(String),
}

impl SecretError {
    pub fn code(&self) -> &'static str {
        match self {
            SecretError::Unavailable(_) => "keychain_unavailable",
            SecretError::Refused(_) => "keychain_refused",
        }
    }
}

/// Where credentials live: the OS keychain in the app. Write-only from the UI: there is no
/// method that returns a secret to a caller outside the process's own provider client.
pub trait SecretStore: Send + Sync {
    fn set(&self, name: &str, secret: &Secret) -> Result<(), SecretError>;
    /// The secret, for the core's own use at call time (the provider client); never for the
    /// UI. `Ok(None)`: none is stored.
    fn get(&self, name: &str) -> Result<Option<Secret>, SecretError>;
    fn is_set(&self, name: &str) -> Result<bool, SecretError>;
    fn delete(&self, name: &str) -> Result<(), SecretError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_secret() {
        let s = Secret::new("sk-live-123".into());
        assert!(!format!("{s:?}").contains("sk-live"));
        assert!(!format!("{:?}", Some(&s)).contains("sk-live"));
    }
}
