//! The team's credentials in the OS keychain (the provider's key, the mail password, the
//! webhook's signing secret, the eval store's token), changed one way: only by a supervisor —
//! refused before the keychain is touched — and audited (that it changed and by whom, never
//! the value). The window can set or remove them, never read them.

use countersign_core::{Secret, SecretStore};

use crate::ipc_error::IpcError;
use crate::state::AppState;

impl AppState {
    /// Stores `value` as the credential `name`, or removes it (`None`). `what` says what a
    /// refused agent was trying to do ("change the mailbox's credentials").
    pub async fn change_credential(
        &self,
        name: &'static str,
        what: &'static str,
        value: Option<Secret>,
    ) -> Result<(), IpcError> {
        let actor = self.operator.clone();
        let secrets = self.secrets;
        self.write(move |desk| {
            desk.require_supervisor(&actor, what)?;
            match &value {
                Some(v) => secrets.set(name, v)?,
                None => secrets.delete(name)?,
            }
            Ok(desk.record_credential_change(&actor, name, value.is_some())?)
        })
        .await
    }
}
