//! Tauri commands, one file per area. Each is a thin call into the core.

pub mod approval;
pub mod conversation;
pub mod history;
pub mod queue;
pub mod settings;
pub mod workspace;

use serde::Deserialize;

/// Who is acting, from the UI's preferences. The core enforces what the role may do.
#[derive(Debug, Deserialize, ts_rs::TS)]
pub struct ActorInput {
    pub name: String,
    pub role: countersign_core::Role,
}

impl ActorInput {
    pub fn into_actor(self) -> Result<countersign_store::Actor, crate::ipc_error::IpcError> {
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            return Err(crate::ipc_error::IpcError::new(
                "actor_required",
                "set your name in Settings before deciding",
            ));
        }
        Ok(countersign_store::Actor {
            name,
            role: self.role,
        })
    }
}
