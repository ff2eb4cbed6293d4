//! TypeScript bindings of every type that crosses IPC, generated from the Rust types with ts-rs
//! into `ui/src/lib/bindings/`. `cargo test -p countersign-app` regenerates them; CI fails if
//! the committed files differ (scripts/test.sh).

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use ts_rs::TS;

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
            crate::commands::ActorInput,
            crate::commands::workspace::WorkspaceSummary,
            crate::commands::queue::QueuePage,
            crate::commands::history::ExportResult,
            crate::commands::settings::Settings,
            countersign_store::QueueFilter,
            countersign_store::ConversationView,
            countersign_store::HistoryEntry,
            countersign_store::HistoryFilter,
            countersign_store::ExportFormat,
            countersign_store::VerifyReport,
            countersign_store::DailyMetrics,
            countersign_store::Execution,
            countersign_shop::ToolName,
        );
    }
}
