//! TypeScript bindings of every type that crosses IPC, generated from the Rust types with ts-rs
//! into `ui/src/lib/bindings/`, and the lists the UI offers (tools and their labels, write
//! tools, decision kinds, error codes) as constants in `catalog.ts`, so no component keeps its
//! own copy. `cargo test -p countersign-app` regenerates them; CI fails if the committed files differ (scripts/test.sh).

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use countersign_core::SecretError;
    use countersign_shop::{ToolKind, ToolName};
    use countersign_store::{DeskError, DECISION_KINDS};
    use ts_rs::TS;

    /// Error codes the shell itself returns (`commands/mod.rs`, `state.rs`), besides the
    /// core's, the keychain's, the LLM provider's and the exporter's.
    const SHELL_ERROR_CODES: [&str; 7] = [
        "actor_required",
        "mailbox_not_configured",
        "missing_mail_password",
        "internal",
        "update_none",
        "update_changed",
        "update_install_failed",
    ];

    fn ts_list(items: impl IntoIterator<Item = impl AsRef<str>>) -> String {
        let quoted: Vec<String> = items
            .into_iter()
            .map(|s| format!("\"{}\"", s.as_ref()))
            .collect();
        format!("[{}]", quoted.join(", "))
    }

    #[test]
    fn export_bindings() {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/bindings");
        // i64 ids and counts are JSON numbers well inside 2^53: `number`, not `bigint`.
        let cfg = ts_rs::Config::new()
            .with_out_dir(&dir)
            .with_large_int("number");
        macro_rules! export {
            ($($t:ty),* $(,)?) => { $( <$t>::export_all(&cfg).expect(concat!("export ", stringify!($t))); )* };
        }
        export!(
            crate::ipc_error::IpcError,
            crate::events::QueueChanged,
            crate::events::OpenConversation,
            crate::commands::workspace::WorkspaceSummary,
            crate::commands::queue::QueuePage,
            crate::commands::history::ExportResult,
            crate::commands::settings::Settings,
            crate::commands::settings::ConnectionTest,
            crate::commands::update::UpdateStatus,
            crate::commands::update::UpdateInfo,
            crate::commands::inbox::InboxPage,
            crate::commands::mailbox::MailboxPage,
            crate::commands::webhook::WebhookPage,
            crate::commands::replies::SendDecision,
            crate::commands::sync::SyncPage,
            countersign_store::SyncTarget,
            countersign_store::SyncStatus,
            countersign_store::Csat,
            countersign_store::CsatImport,
            countersign_store::InboxItem,
            countersign_store::InboxReply,
            countersign_store::Waiting,
            countersign_store::InboxCounts,
            countersign_store::ReplyView,
            countersign_store::ReplyRevision,
            countersign_store::ReplySend,
            countersign_store::SendState,
            countersign_store::OutboxCounts,
            countersign_store::QueuedReply,
            countersign_store::MailboxSettings,
            countersign_store::MailboxStatus,
            countersign_store::MailCounts,
            countersign_store::QuarantinedMail,
            countersign_store::WebhookTarget,
            countersign_core::OutcomeConflict,
            countersign_pipeline::Turn,
            countersign_pipeline::Speaker,
            countersign_store::QueueFilter,
            countersign_store::ConversationView,
            countersign_store::HistoryEntry,
            countersign_store::HistoryFilter,
            countersign_store::HistoryPage,
            countersign_export::ExportFormat,
            countersign_store::VerifyReport,
            countersign_store::SettingsChanges,
            countersign_store::AuditEntry,
            countersign_core::AuditKind,
            countersign_store::DailyMetrics,
            countersign_store::WorkReport,
            countersign_store::WorkMetrics,
            countersign_store::Execution,
            countersign_shop::ToolName,
            countersign_shop::CustomerCard,
            countersign_mcp::ServerSummary,
            countersign_mcp::ServerStatus,
            countersign_mcp::policy::PolicyFile,
            countersign_store::ExternalCall,
            countersign_store::ExternalOutcome,
        );

        let write_tools = ToolName::ALL
            .iter()
            .filter(|t| t.kind() == ToolKind::Write)
            .map(|t| t.as_str());
        let mut error_codes: Vec<&str> = DeskError::CODES.to_vec();
        error_codes.extend([
            SecretError::Unavailable(String::new()).code(),
            SecretError::Refused(String::new()).code(),
        ]);
        error_codes.extend(countersign_llm::LlmError::CODES);
        error_codes.extend([countersign_export::ExportError::Render(String::new()).code()]);
        error_codes.extend(countersign_update::UpdateError::CODES);
        error_codes.extend(countersign_mail::MailError::CODES);
        error_codes.extend(SHELL_ERROR_CODES);
        // Calls to the team's systems: the server, its files, and a re-checked edit.
        error_codes.extend(countersign_mcp::McpError::CODES);
        error_codes.extend(countersign_mcp::WorkspaceFilesError::CODES);
        error_codes.extend(countersign_mcp::ProposalRefusal::codes());
        // Each tool's label, from the core's table (countersign-shop/src/labels.rs).
        let tool_labels: Vec<String> = ToolName::ALL
            .iter()
            .map(|t| format!("  {}: {},", t.as_str(), serde_json::json!(t.label())))
            .collect();
        error_codes.sort_unstable();
        error_codes.dedup();
        let catalog = format!(
            "// Generated by src-tauri/src/bindings.rs from the Rust definitions. Do not edit.\n\
             import type {{ ToolName }} from \"./ToolName\";\n\n\
             /** Every tool the core defines: reads, writes and the reply. */\n\
             export const TOOLS: readonly ToolName[] = {};\n\n\
             /** What a person reads for each tool (\"Cancel order\"), never its identifier. */\n\
             export const TOOL_LABELS: Readonly<Record<ToolName, string>> = {{\n{}\n}};\n\n\
             /** Tools that change the shop: what a proposal can be. */\n\
             export const WRITE_TOOLS: readonly ToolName[] = {};\n\n\
             /** Kinds of decision the history records. */\n\
             export const DECISION_KINDS = {} as const;\n\
             export type DecisionKind = (typeof DECISION_KINDS)[number];\n\n\
             /** Every error code a command can return. */\n\
             export const ERROR_CODES = {} as const;\n\
             export type ErrorCode = (typeof ERROR_CODES)[number];\n\n\
             /** Kinds of LLM provider a workspace can use. */\n\
             export const PROVIDERS = {} as const;\n\n\
             /** How requests are routed between the rules planner and the LLM. */\n\
             export const PLANNER_MODES = {} as const;\n",
            ts_list(ToolName::ALL.iter().map(|t| t.as_str())),
            tool_labels.join("\n"),
            ts_list(write_tools),
            ts_list(DECISION_KINDS),
            ts_list(&error_codes),
            ts_list(countersign_store::Provider::ALL.map(countersign_store::Provider::as_str)),
            ts_list(
                countersign_pipeline::PlannerMode::ALL
                    .map(countersign_pipeline::PlannerMode::as_str)
            ),
        );
        std::fs::write(dir.join("catalog.ts"), catalog).expect("write catalog.ts");
    }
}
