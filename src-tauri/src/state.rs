//! The app's state: one desk on the workspace in the app's data dir (the CLI's default too),
//! and the keychain.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use countersign_core::SystemClock;
use countersign_store::{Desk, DeskError, ShopSeed};

use crate::secrets::KeychainSecretStore;

pub struct AppState {
    desk: Mutex<Desk>,
    pub data_dir: PathBuf,
    pub secrets: KeychainSecretStore,
}

impl AppState {
    /// With no configuration, the workspace is the demo: generated shop, rules planner and the
    /// sample inbox already processed.
    pub fn open(data_dir: &Path) -> Result<AppState, DeskError> {
        let mut desk = Desk::open(data_dir, &ShopSeed::Demo, Arc::new(SystemClock))?;
        let seeded = countersign_evals::inbox::seed_demo_inbox(&mut desk)?;
        if seeded > 0 {
            tracing::info!(requests = seeded, "processed the demo inbox");
        }
        Ok(AppState {
            desk: Mutex::new(desk),
            data_dir: data_dir.to_owned(),
            secrets: KeychainSecretStore::new(),
        })
    }

    pub fn desk(&self) -> MutexGuard<'_, Desk> {
        // A panic while holding the lock leaves the desk as the last committed transaction left
        // it (every change is one transaction), so the lock is safe to reuse.
        self.desk
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
