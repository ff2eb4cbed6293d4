//! Storage and the desk service. Everything durable lives in one SQLite file per workspace:
//! the shop, conversations, proposals, decisions, executions and the audit log.

mod approval;
mod audit_log;
mod conversations;
mod csat;
mod csat_csv;
mod db;
mod desk;
mod error;
mod eval_capture;
mod eval_outbox;
mod external_approval;
mod external_calls;
mod external_on_server;
mod ingest;
mod knowledge;
mod mail_messages;
mod outbound_url;
mod proposals;
mod propose;
mod reader;
mod replies;
mod reply_sends;
mod scratch;
mod shop_store;
mod staff;
mod sync_target;
mod thread;
mod tool_settings;
mod trace_steps;
mod views;
mod workspace;

pub use approval::Execution;
pub use audit_log::{AuditEntry, VerifyReport};
pub use countersign_core::audit_chain::ChainBreak;
pub use csat::{Csat, CsatImport, CsatRow, CsatSource, CsatTarget};
pub use csat_csv::{parse_csat_csv, CsatCsvError};
pub use db::SCHEMA_VERSION;
pub use desk::{Actor, Desk, ProposalDetail, ShopSeed, DB_FILE};
pub use error::DeskError;
pub use eval_capture::{EvalCase, Resolution};
pub use eval_outbox::{EvalBatch, ParkedBatch, SyncStatus};
pub use external_approval::{
    execute_claimed, CallReport, ClaimedCall, ExternalDetail, ExternalProposeRequest,
};
pub use external_calls::{ExternalCall, ExternalOutcome};
pub use external_on_server::{approve_on_server, ServerApprovalError, ServerApproved};
pub use ingest::{Admitted, Claimed, Ingested, Settlement, TraceRecord};
pub use knowledge::SqlKnowledgeBase;
pub use mail_messages::{IncomingMail, MailCounts, MailIntake, MailKey, QuarantinedMail};
pub use proposals::{Decision, Proposal};
pub use propose::ProposeRequest;
pub use reader::DeskReader;
pub use replies::{QueuedReply, ReplyApproval, ReplyRevision};
pub use reply_sends::{OutboxCounts, ReplySend, SendOutcome, SendResolution, SendState};
pub use scratch::ScratchImage;
pub use shop_store::SqlShop;
pub use staff::StaffMember;
pub use sync_target::SyncTarget;
pub use tool_settings::ToolSettingsChange;
pub use views::conversation::{ConversationView, ProposalView, ReplyView};
pub use views::history::{HistoryEntry, HistoryFilter, HistoryPage, DECISION_KINDS};
pub use views::inbox::{InboxCounts, InboxItem, InboxReply, Waiting};
pub use views::metrics::DailyMetrics;
pub use views::queue::{PlanningConversation, QueueCounts, QueueFilter};
pub use views::settings_changes::SettingsChanges;
pub use views::work_metrics::{WorkMetrics, WorkReport};
pub use views::Views;
pub use workspace::{
    GatePolicy, MailFault, MailSecurity, MailboxSettings, MailboxStatus, Provider,
    ProviderSettings, WebhookTarget,
};
