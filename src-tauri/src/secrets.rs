//! The core's secret-store port on the OS keychain (Secret Service on Linux, Keychain on
//! macOS, Credential Manager on Windows), through keyring.

use countersign_core::{Secret, SecretError, SecretStore};
use countersign_llm::LlmError;

/// Service name under which Countersign's credentials are stored.
pub const SERVICE: &str = "app.countersign.desk";

/// The LLM provider's API key, by this name in the keychain.
pub const PROVIDER_KEY: &str = "llm-provider-api-key";

/// The team mailbox's password (IMAP and SMTP), by this name in the keychain.
pub const MAIL_PASSWORD: &str = "mail-password";

/// The reply webhook's signing secret, by this name in the keychain.
pub const WEBHOOK_SECRET: &str = "reply-webhook-secret";

/// The eval store's bearer token, by this name in the keychain.
pub const SYNC_TOKEN: &str = "eval-sync-token";

#[derive(Clone, Copy, Debug)]
pub struct KeychainSecretStore;

impl KeychainSecretStore {
    /// Uses the platform's real store. On Linux keyring 3 falls back to an in-memory mock when
    /// built without a backend; name the Secret Service explicitly so that cannot happen.
    pub fn new() -> KeychainSecretStore {
        #[cfg(target_os = "linux")]
        keyring::set_default_credential_builder(
            keyring::secret_service::default_credential_builder(),
        );
        KeychainSecretStore
    }

    fn entry(name: &str) -> Result<keyring::Entry, SecretError> {
        keyring::Entry::new(SERVICE, name).map_err(|e| SecretError::Unavailable(e.to_string()))
    }
}

impl KeychainSecretStore {
    /// The provider's key, read at call time for the core (never for the web view): a keychain
    /// that cannot be read is `keychain_locked`, no key is `None`.
    pub fn provider_key(&self) -> Result<Option<Secret>, LlmError> {
        self.get(PROVIDER_KEY).map_err(|e| {
            tracing::warn!(code = e.code(), "could not read the provider key");
            LlmError::KeychainLocked
        })
    }
}

impl KeychainSecretStore {
    /// A channel's secret for a background worker: a keychain that cannot be read is logged
    /// (by code) and treated as no secret, so the work waits and says why instead of stopping.
    pub fn for_worker(&self, name: &str) -> Option<Secret> {
        self.get(name)
            .inspect_err(|e| {
                tracing::warn!(code = e.code(), secret = name, "could not read a secret")
            })
            .ok()
            .flatten()
    }
}

fn map(e: keyring::Error) -> SecretError {
    match e {
        keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_) => {
            SecretError::Unavailable(e.to_string())
        }
        other => SecretError::Refused(other.to_string()),
    }
}

impl SecretStore for KeychainSecretStore {
    fn set(&self, name: &str, secret: &Secret) -> Result<(), SecretError> {
        Self::entry(name)?
            .set_password(secret.expose())
            .map_err(map)
    }

    fn get(&self, name: &str) -> Result<Option<Secret>, SecretError> {
        match Self::entry(name)?.get_password() {
            Ok(p) => Ok(Some(Secret::new(p))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(map(e)),
        }
    }

    fn is_set(&self, name: &str) -> Result<bool, SecretError> {
        match Self::entry(name)?.get_password() {
            Ok(_) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(map(e)),
        }
    }

    fn delete(&self, name: &str) -> Result<(), SecretError> {
        match Self::entry(name)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map(e)),
        }
    }
}
