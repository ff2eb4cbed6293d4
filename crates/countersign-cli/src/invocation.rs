//! What every command runs against: the workspace, how a new one is seeded, and who is acting.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use countersign_agent::{default_client_settings, model_access, Agent, ModelAccess};
use countersign_core::{Secret, SystemClock};
use countersign_llm::Breakers;
use countersign_pipeline::{Caps, PlannerMode};
use countersign_store::{Desk, Provider, ProviderSettings, ShopSeed};

use crate::error::desk;

/// The workspace directory the desktop app uses too (`$XDG_DATA_HOME/<app identifier>`).
const APP_IDENTIFIER: &str = "app.countersign.desk";

pub struct Invocation {
    pub data_dir: PathBuf,
    pub seed: ShopSeed,
    pub actor: String,
    pub planner: PlannerFlags,
}

/// `--provider`, `--base-url`, `--model`, `--planner`: this run's planner, over the workspace's
/// settings (nothing is saved).
#[derive(Clone, Debug, Default)]
pub struct PlannerFlags {
    pub provider: Option<Provider>,
    pub base_url: Option<String>,
    pub model: Option<String>,
    pub mode: Option<PlannerMode>,
}

/// The environment variable the CLI reads the provider's API key from (the app uses the OS
/// keychain).
pub const API_KEY_ENV: &str = "COUNTERSIGN_API_KEY";

impl Invocation {
    /// Resolves the global options' defaults: the app's data dir, the demo shop, `$USER`.
    pub fn new(
        data_dir: Option<PathBuf>,
        shop: Option<PathBuf>,
        actor: Option<String>,
        planner: PlannerFlags,
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
            planner,
        })
    }

    /// The workspace's provider settings with this run's flags over them.
    pub fn provider_settings(&self, mut settings: ProviderSettings) -> ProviderSettings {
        let f = &self.planner;
        if let Some(p) = f.provider {
            settings.kind = p;
        }
        if let Some(u) = &f.base_url {
            settings.base_url = u.clone();
        }
        if let Some(m) = &f.model {
            settings.model = m.clone();
        }
        if let Some(m) = f.mode {
            settings.mode = m;
        }
        settings
    }

    /// The agent for this run: the settings (with the flags over them), the caps, and the key
    /// from `COUNTERSIGN_API_KEY`, read now and kept only in the provider client.
    pub fn agent(&self, settings: ProviderSettings, caps: Caps) -> Agent {
        let key = std::env::var(API_KEY_ENV).ok().map(Secret::new);
        let settings = self.provider_settings(settings);
        let model = model_access(
            &settings,
            Ok(key),
            &Breakers::default(),
            default_client_settings(),
        );
        if let ModelAccess::Unusable(code) = &model {
            tracing::warn!(code = code.as_str(), "the LLM provider cannot be used");
        }
        Agent::for_workspace(&settings, caps, model)
    }

    /// The agent for this workspace's settings.
    pub fn agent_for(&self, desk: &Desk) -> anyhow::Result<Agent> {
        let settings = desk.provider_settings().map_err(crate::error::desk)?;
        let caps = desk.planner_caps().map_err(crate::error::desk)?;
        Ok(self.agent(settings, caps))
    }

    /// Opens (creating and seeding if new) the workspace. Commands parse their input first, so
    /// bad input never creates one.
    pub fn open(&self) -> anyhow::Result<Desk> {
        Desk::open(&self.data_dir, &self.seed, Arc::new(SystemClock)).map_err(desk)
    }
}
