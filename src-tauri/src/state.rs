//! The app's state: one desk on the workspace in the app's data dir (the CLI's default too).

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use countersign_core::SystemClock;
use countersign_store::{Desk, DeskError, ShopSeed};

pub struct AppState {
    desk: Mutex<Desk>,
}

impl AppState {
    /// With no configuration, the workspace is the demo: generated shop, rules planner.
    pub fn open(data_dir: &Path) -> Result<AppState, DeskError> {
        let desk = Desk::open(data_dir, &ShopSeed::Demo, Arc::new(SystemClock))?;
        Ok(AppState {
            desk: Mutex::new(desk),
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
