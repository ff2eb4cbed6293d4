fn main() {
    // Declaring the app's commands makes Tauri generate one permission per command, so the
    // window's capability can allow exactly these and nothing else.
    let manifest = tauri_build::AppManifest::new().commands(&[
        "workspace_summary",
        "queue_list",
        "conversation_detail",
        "customers_lookup",
        "approve_proposal",
        "reject_proposal",
        "escalate_proposal",
        "propose_action",
        "history_list",
        "history_export",
        "audit_verify",
        "metrics_daily",
        "settings_get",
        "settings_set_policy",
        "settings_set_caps",
        "settings_set_provider",
        "settings_test_connection",
        "api_key_set",
        "api_key_clear",
        "update_check",
        "update_install",
        "inbox_list",
        "reply_revise",
        "reply_approve",
        "reply_write",
        "reply_send_resolve",
        "conversation_close",
        "mailbox_get",
        "mailbox_set",
        "mail_password_set",
        "mail_password_clear",
        "mailbox_check_now",
        "webhook_get",
        "webhook_set",
        "webhook_secret_set",
        "webhook_secret_clear",
        "tool_servers_list",
        "external_approve",
        "external_resolve",
    ]);
    if let Err(e) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest)) {
        panic!("tauri build failed: {e:#}");
    }
}
