//! What every command runs against: the workspace, how a new one is seeded, and who is acting.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use countersign_core::SystemClock;
use countersign_store::{Desk, ShopSeed};

use crate::error::desk;

/// The workspace directory the desktop app uses too (`$XDG_DATA_HOME/<app identifier>`).
const APP_IDENTIFIER: &str = "app.countersign.desk";

pub struct Invocation {
    pub data_dir: PathBuf,
    pub seed: ShopSeed,
    pub actor: String,
}

impl Invocation {
    /// Resolves the global options' defaults: the app's data dir, the demo shop, `$USER`.
    pub fn new(
        data_dir: Option<PathBuf>,
        shop: Option<PathBuf>,
        actor: Option<String>,
    ) -> anyhow::Result<Self> {
        let data_dir = match data_dir {
            Some(d) => d,
            None => dirs::data_dir()
                .context("no data directory on this system; pass --data-dir")?
                .join(APP_IDENTIFIER),
        };
        Ok(Invocation {
            data_dir,
            seed: shop.map(ShopSeed::TauFile).unwrap_or(ShopSeed::Demo),
            actor: actor
                .or_else(|| std::env::var("USER").ok())
                .unwrap_or_else(|| "operator".into()),
        })
    }

    /// Opens (creating and seeding if new) the workspace. Commands parse their input first, so
    /// bad input never creates one.
    pub fn open(&self) -> anyhow::Result<Desk> {
        Desk::open(&self.data_dir, &self.seed, Arc::new(SystemClock)).map_err(desk)
    }
}
