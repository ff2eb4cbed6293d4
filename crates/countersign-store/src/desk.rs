//! The desk: the one entry point the CLI and the desktop shell drive. It owns a connection to
//! one workspace and turns requests into checked, recorded transactions.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use countersign_core::{AuditKind, AuditSubject, Clock};
use countersign_shop::demo::{self, DemoSize, DEMO_SEED};
use countersign_shop::{parse_read, run_read, ReadError, Scope, Shop, Side, ToolName, ToolSchemas};
use rusqlite::{Connection, TransactionBehavior};
use serde::Serialize;
use serde_json::{json, Value};

use crate::audit_log::{self, AuditEntry, VerifyReport};
use crate::conversations;
use crate::db;
use crate::error::DeskError;
use crate::proposals::{self, Decision, Proposal};
use crate::shop_store::{self, SqlShop};
use crate::views::history::HistoryEntry;
use crate::views::Views;
use crate::workspace::{self, GatePolicy};

pub const DB_FILE: &str = "countersign.db";

/// Where a new workspace's shop comes from. An existing workspace keeps its shop.
#[derive(Clone, Debug)]
pub enum ShopSeed {
    Demo,
    TauFile(PathBuf),
    /// An already parsed shop (replays seed many workspaces from one parse).
    Loaded(Arc<Shop>),
}

/// Who is acting, as recorded in decisions and the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub name: String,
    pub role: countersign_core::Role,
}

pub struct Desk {
    pub(crate) conn: Connection,
    pub(crate) clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for Desk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desk").finish_non_exhaustive()
    }
}

/// A proposal with everything a reviewer needs.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProposalDetail {
    #[serde(flatten)]
    pub proposal: Proposal,
    pub decisions: Vec<Decision>,
    pub audit: Vec<AuditEntry>,
}

impl Desk {
    /// Opens (creating and seeding if new) the workspace in `data_dir`.
    pub fn open(
        data_dir: &Path,
        seed: &ShopSeed,
        clock: Arc<dyn Clock>,
    ) -> Result<Desk, DeskError> {
        let path = data_dir.join(DB_FILE);
        // Parse a shop file before touching the disk, so a bad file creates nothing.
        let fresh = !path.exists();
        let seed_shop = if fresh { Some(load_seed(seed)?) } else { None };
        std::fs::create_dir_all(data_dir)?;
        let mut conn = db::open(&path)?;
        prepare(&mut conn, seed, seed_shop)?;
        Ok(Desk { conn, clock })
    }

    pub fn gate_policy(&self) -> Result<GatePolicy, DeskError> {
        Ok(workspace::get(&self.conn, &workspace::GATE_POLICY)?.unwrap_or_default())
    }

    /// Changes expiry and the agents' approval limits, as `by` (a supervisor: an agent who
    /// could raise their own limit would have none).
    pub fn set_gate_policy(&mut self, by: &str, policy: &GatePolicy) -> Result<(), DeskError> {
        if policy.expiry_ms < 60_000 {
            return Err(DeskError::InvalidSetting(
                "proposals must stay open at least a minute".into(),
            ));
        }
        if policy.limits.agent.values().any(|m| m.cents() < 0) {
            return Err(DeskError::InvalidSetting(
                "approval limits cannot be negative".into(),
            ));
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let actor = crate::staff::require_supervisor(&tx, by, "change the approval policy")?;
        workspace::set(&tx, &workspace::GATE_POLICY, policy)?;
        audit_log::append(
            &tx,
            self.clock.now_ms(),
            &actor.name,
            AuditKind::PolicyChanged,
            &AuditSubject::Workspace,
            &json!(policy),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The whole shop as it is now, in τ `db.json` form.
    pub fn export_shop(&self) -> Result<Shop, DeskError> {
        shop_store::export(&self.conn)
    }

    /// The shop, read on this desk's connection (outside any transaction: each read sees the
    /// last commit). For planners that must not hold a transaction while they wait.
    pub fn shop(&self) -> SqlShop<'_> {
        SqlShop(&self.conn)
    }

    /// The knowledge base, read on this desk's connection.
    pub fn knowledge(&self) -> crate::knowledge::SqlKnowledgeBase<'_> {
        crate::knowledge::SqlKnowledgeBase(&self.conn)
    }

    pub fn provider_settings(&self) -> Result<workspace::ProviderSettings, DeskError> {
        workspace::provider(&self.conn)
    }

    pub fn set_provider_settings(
        &mut self,
        p: &workspace::ProviderSettings,
        actor: &str,
    ) -> Result<(), DeskError> {
        // An unknown provider kind cannot reach here: it fails to deserialize at the edge.
        if p.kind != workspace::Provider::None
            && !(p.base_url.starts_with("http://") || p.base_url.starts_with("https://"))
        {
            return Err(DeskError::InvalidSetting(
                "the provider URL must start with http:// or https://".into(),
            ));
        }
        if p.kind != workspace::Provider::None && p.model.trim().is_empty() {
            return Err(DeskError::InvalidSetting("name the model to use".into()));
        }
        if let Some((model, _)) = p.prices.0.iter().find(|(_, price)| !price.is_valid()) {
            return Err(DeskError::InvalidSetting(format!(
                "the price of {model} must be a non-negative number per million tokens"
            )));
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        crate::staff::require_supervisor(&tx, actor, "change the provider")?;
        workspace::set(&tx, &workspace::PROVIDER, p)?;
        audit_log::append(
            &tx,
            self.clock.now_ms(),
            actor,
            AuditKind::ProviderChanged,
            &AuditSubject::Workspace,
            &json!(workspace::ProviderSettings {
                base_url: crate::outbound_url::for_the_record(&p.base_url),
                ..p.clone()
            }),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Records that a credential was set or removed (never the credential).
    /// Refuses unless `by` is a supervisor. For changes kept outside the database (a
    /// credential in the OS keychain): check first, change, then record.
    pub fn require_supervisor(&self, by: &str, what: &'static str) -> Result<(), DeskError> {
        crate::staff::require_supervisor(&self.conn, by, what).map(|_| ())
    }

    pub fn record_credential_change(
        &mut self,
        actor: &str,
        name: &str,
        set: bool,
    ) -> Result<(), DeskError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        crate::staff::require_supervisor(&tx, actor, "change the provider's credentials")?;
        let kind = if set {
            AuditKind::CredentialSet
        } else {
            AuditKind::CredentialRemoved
        };
        audit_log::append(
            &tx,
            self.clock.now_ms(),
            actor,
            kind,
            &AuditSubject::Workspace,
            &json!({"name": name}),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Read models (queue, conversation, history, metrics) on this desk's connection, as of
    /// now. The app reads through a [`crate::DeskReader`] instead, off the writer.
    pub fn views(&self) -> Views<'_> {
        Views::new(&self.conn, self.clock.now_ms())
    }

    pub fn conversation_count(&self) -> Result<i64, DeskError> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM conversations", [], |r| r.get(0))?)
    }

    /// Where this workspace's shop came from.
    pub fn shop_source(&self) -> Result<Value, DeskError> {
        Ok(workspace::get(&self.conn, &workspace::SHOP_SOURCE)?.unwrap_or(Value::Null))
    }

    /// Runs a read tool at once and returns its schema-checked result.
    pub fn lookup(&self, tool: ToolName, args: &Value, scope: &Scope) -> Result<Value, DeskError> {
        let call = parse_read(tool, args)?;
        let value = run_read(&SqlShop(&self.conn), scope, &call).map_err(|e| match e {
            ReadError::NotFound(what) => DeskError::NotFound(what),
            ReadError::OutOfScope(what) => DeskError::OutOfScope(what),
            ReadError::Calculate(e) => DeskError::Calculate(e.to_string()),
            ReadError::View(e) => e.into(),
        })?;
        ToolSchemas::global().check(tool, Side::Output, &value)?;
        Ok(value)
    }

    /// Open proposals (pending and escalated, not past their expiry), highest amount at stake
    /// first, then oldest. Reads only.
    pub fn queue(&self) -> Result<Vec<Proposal>, DeskError> {
        self.views().queue()
    }

    /// A proposal as of now (an overdue open one reads as expired), its decisions and records.
    pub fn show(&self, id: i64) -> Result<ProposalDetail, DeskError> {
        let mut proposal = proposals::get(&self.conn, id)?;
        proposal.state =
            proposals::state_at(proposal.state, proposal.expires_at_ms, self.clock.now_ms());
        let decisions = proposals::decisions_of(&self.conn, id)?;
        let audit = audit_log::entries_for(&self.conn, &AuditSubject::Proposal(id))?;
        Ok(ProposalDetail {
            proposal,
            decisions,
            audit,
        })
    }

    /// Every decision, oldest first, with the proposal it was about.
    pub fn history(&self) -> Result<Vec<HistoryEntry>, DeskError> {
        self.views().history_all()
    }

    pub fn verify_audit(&self) -> Result<VerifyReport, DeskError> {
        audit_log::verify(&self.conn)
    }

    /// How many executions happened, ever. Tests compare it with approvals.
    pub fn execution_count(&self) -> Result<i64, DeskError> {
        proposals::execution_count(&self.conn)
    }

    /// The conversation's customer, if the conversation exists.
    pub fn conversation_customer(&self, id: i64) -> Result<Option<String>, DeskError> {
        conversations::customer_of(&self.conn, id)
    }
}

/// Seeds a migrated workspace's shop (if it has none), its settings and its knowledge base.
pub(crate) fn prepare(
    conn: &mut Connection,
    seed: &ShopSeed,
    seed_shop: Option<Shop>,
) -> Result<(), DeskError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;

    if SqlShop(&tx).is_empty()? {
        let shop = match seed_shop {
            Some(shop) => shop,
            None => load_seed(seed)?,
        };
        shop_store::seed(&tx, &shop)?;
        let source = match seed {
            ShopSeed::Demo => json!({"kind": "demo", "seed": DEMO_SEED}),
            ShopSeed::TauFile(p) => json!({"kind": "tau", "path": p.display().to_string()}),
            ShopSeed::Loaded(_) => json!({"kind": "loaded"}),
        };
        workspace::set(&tx, &workspace::SHOP_SOURCE, &source)?;
        workspace::set(&tx, &workspace::GATE_POLICY, &GatePolicy::default())?;
        tracing::info!(
            users = shop.users.len(),
            orders = shop.orders.len(),
            "seeded workspace shop"
        );
    }
    // Idempotent: also fills the knowledge base of a workspace made before it existed.
    crate::knowledge::seed(&tx)?;
    tx.commit()?;
    Ok(())
}

fn load_seed(seed: &ShopSeed) -> Result<Shop, DeskError> {
    match seed {
        ShopSeed::Demo => Ok(demo::generate(DEMO_SEED, &DemoSize::DEFAULT)),
        ShopSeed::Loaded(shop) => Ok(Shop::clone(shop)),
        ShopSeed::TauFile(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| DeskError::InvalidShop(format!("{}: {e}", path.display())))?;
            Shop::from_tau_json(&text)
                .map_err(|e| DeskError::InvalidShop(format!("{}: {e}", path.display())))
        }
    }
}
