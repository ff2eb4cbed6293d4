// The one module that talks to the Rust core. Components import from here, never `invoke`.
// Every type comes from ./bindings, generated from the Rust types (ts-rs) and checked in CI.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { ConversationView } from "./bindings/ConversationView";
import type { Csat } from "./bindings/Csat";
import type { CsatImport } from "./bindings/CsatImport";
import type { SyncPage } from "./bindings/SyncPage";
import type { SyncTarget } from "./bindings/SyncTarget";
import type { CustomerCard } from "./bindings/CustomerCard";
import type { DailyMetrics } from "./bindings/DailyMetrics";
import type { WorkReport } from "./bindings/WorkReport";
import type { Execution } from "./bindings/Execution";
import type { ExportFormat } from "./bindings/ExportFormat";
import type { ExportResult } from "./bindings/ExportResult";
import type { ExternalOutcome } from "./bindings/ExternalOutcome";
import type { GatePolicy } from "./bindings/GatePolicy";
import type { Caps } from "./bindings/Caps";
import type { ConnectionTest } from "./bindings/ConnectionTest";
import type { HistoryFilter } from "./bindings/HistoryFilter";
import type { InboxPage } from "./bindings/InboxPage";
import type { MailboxPage } from "./bindings/MailboxPage";
import type { MailboxSettings } from "./bindings/MailboxSettings";
import type { QueuedReply } from "./bindings/QueuedReply";
import type { ReplyRevision } from "./bindings/ReplyRevision";
import type { SendDecision } from "./bindings/SendDecision";
import type { WebhookPage } from "./bindings/WebhookPage";
import type { HistoryPage } from "./bindings/HistoryPage";
import type { IpcError } from "./bindings/IpcError";
import type { PolicyFile } from "./bindings/PolicyFile";
import type { ProviderSettings } from "./bindings/ProviderSettings";
import type { OpenConversation } from "./bindings/OpenConversation";
import type { QueueChanged } from "./bindings/QueueChanged";
import type { QueueFilter } from "./bindings/QueueFilter";
import type { QueuePage } from "./bindings/QueuePage";
import type { ServerStatus } from "./bindings/ServerStatus";
import type { ServerSummary } from "./bindings/ServerSummary";
import type { Settings } from "./bindings/Settings";
import type { ToolName } from "./bindings/ToolName";
import type { UpdateStatus } from "./bindings/UpdateStatus";
import type { SettingsChanges } from "./bindings/SettingsChanges";
import type { VerifyReport } from "./bindings/VerifyReport";
import type { WorkspaceSummary } from "./bindings/WorkspaceSummary";
import type { JsonValue } from "./bindings/serde_json/JsonValue";

export type { IpcError };

/** Event names, as in src-tauri/src/events.rs. */
export const EVENTS = { queueChanged: "queue-changed", openConversation: "open-conversation" } as const;

function isIpcError(e: unknown): e is IpcError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw isIpcError(e) ? e : ({ code: "ipc", message: String(e) } satisfies IpcError);
  }
}

export const ipc = {
  workspaceSummary: () => call<WorkspaceSummary>("workspace_summary"),
  queue: (filter: QueueFilter) => call<QueuePage>("queue_list", { filter }),
  /** The queue of conversations waiting for a person, most urgent first, and their counts. */
  inbox: () => call<InboxPage>("inbox_list"),
  conversation: (conversationId: number) => call<ConversationView>("conversation_detail", { conversationId }),
  /** Names and payment method labels of the customers the shop knows among `ids`. */
  customers: (ids: string[]) => call<CustomerCard[]>("customers_lookup", { ids }),
  // Who decides is the operator the app runs as, and their role is the one an administrator
  // assigned: the page never sends a name or a role.
  approve: (id: number, editedArgs: JsonValue | null) => call<Execution>("approve_proposal", { id, editedArgs }),
  reject: (id: number, reason: string) => call<null>("reject_proposal", { id, reason }),
  /** The team's systems (MCP servers) with their listed tools and our classes. */
  toolServers: () => call<ServerSummary[]>("tool_servers_list"),
  /** Connects to every server and lists its tools again: each server's status. */
  refreshToolServers: () => call<ServerStatus[]>("tool_servers_refresh"),
  /** A supervisor adds (or replaces) a team system: a command line (stdio) or a URL. */
  addToolServer: (name: string, command: string | null, url: string | null, trustReadOnlyHints: boolean) =>
    call<null>("tool_server_add", { name, command, url, trustReadOnlyHints }),
  /** The team systems' policy file (TOML) as written. */
  toolPolicy: () => call<string>("tool_policy_get"),
  /** Replaces it; text that does not parse or validate is refused, nothing written. */
  setToolPolicy: (text: string) => call<null>("tool_policy_set", { text }),
  /** The same policy, typed, for the form (a file that no longer loads is its error). */
  toolPolicyForm: () => call<PolicyFile>("tool_policy_form_get"),
  /** A supervisor saves the form: written as TOML, checked and audited like the text. */
  setToolPolicyForm: (policy: PolicyFile) => call<null>("tool_policy_form_set", { policy }),
  /** A supervisor's class for the tool definition they reviewed (named by its hash). */
  classifyTool: (server: string, tool: string, hash: string, toolClass: "read" | "write" | "forbidden") =>
    call<null>("tool_classify", { server, tool, hash, class: toolClass }),
  /** Approves a call to a team's system and sends it once; edited arguments are re-checked. */
  approveExternal: (id: number, editedArgs: JsonValue | null) =>
    call<ExternalOutcome>("external_approve", { id, editedArgs }),
  /** Settles a call whose outcome was unknown: it ran, or it did not. */
  resolveExternal: (id: number, ran: boolean, note: string) => call<null>("external_resolve", { id, ran, note }),
  /** An HTTP tool server's bearer token, into the OS keychain (a supervisor's). */
  setToolServerToken: (server: string, token: string) => call<null>("tool_server_token_set", { server, token }),
  clearToolServerToken: (server: string) => call<null>("tool_server_token_clear", { server }),
  escalate: (id: number, note: string | null) => call<null>("escalate_proposal", { id, note }),
  propose: (conversationId: number, tool: ToolName, args: JsonValue) =>
    call<number>("propose_action", { conversationId, tool, args }),
  /** Saves a new text of an open reply as a revision. */
  reviseReply: (id: number, text: string) => call<ReplyRevision>("reply_revise", { id, text }),
  /** Approves the reply as read at `seenRevision`; `confirm` after the conflicts were shown. */
  approveReply: (id: number, seenRevision: number | null, confirm: boolean) =>
    call<QueuedReply>("reply_approve", { id, seenRevision, confirm }),
  /** A person's own reply (its draft rejected, or none): returns the new proposal's id. */
  writeReply: (conversationId: number, text: string) => call<number>("reply_write", { conversationId, text }),
  closeConversation: (conversationId: number, reason: string) => call<null>("conversation_close", { conversationId, reason }),
  /** Settles a failed or uncertain send of reply `id`. */
  resolveSend: (id: number, decision: SendDecision) => call<null>("reply_send_resolve", { id, decision }),
  mailbox: () => call<MailboxPage>("mailbox_get"),
  setMailbox: (settings: MailboxSettings) => call<null>("mailbox_set", { settings }),
  /** Write-only: the password goes to the OS keychain and never comes back. */
  setMailPassword: (password: string) => call<null>("mail_password_set", { password }),
  clearMailPassword: () => call<null>("mail_password_clear"),
  /** Polls the mailbox now (and sends what is due) instead of at the next interval. */
  checkMailNow: () => call<null>("mailbox_check_now"),
  webhook: () => call<WebhookPage>("webhook_get"),
  setWebhook: (url: string) => call<null>("webhook_set", { url }),
  /** Write-only: the signing secret goes to the OS keychain and never comes back. */
  setWebhookSecret: (secret: string) => call<null>("webhook_secret_set", { secret }),
  clearWebhookSecret: () => call<null>("webhook_secret_clear"),
  /** The newest `filter.limit` matching decisions, and whether more match. */
  history: (filter: HistoryFilter) => call<HistoryPage>("history_list", { filter }),
  /** Every matching decision (the limit is ignored), written to the workspace's exports folder. */
  exportHistory: (filter: HistoryFilter, format: ExportFormat) => call<ExportResult>("history_export", { filter, format }),
  verifyAudit: () => call<VerifyReport>("audit_verify"),
  /** The newest `limit` settings changes (limits, provider, credentials, roles, sync, team systems). */
  settingsChanges: (limit: number) => call<SettingsChanges>("settings_changes_list", { limit }),
  /** The customer's satisfaction with a conversation, 1–5; a later score replaces it. */
  setCsat: (conversationId: number, score: number, comment: string | null) =>
    call<Csat>("csat_set", { conversationId, score, comment }),
  /** A survey tool's CSV, as text: all rows are recorded or none. */
  importCsat: (csv: string) => call<CsatImport>("csat_import", { csv }),
  /** Where eval cases are synced, whether a token is set, and what waits in the outbox. */
  sync: () => call<SyncPage>("sync_get"),
  setSync: (target: SyncTarget) => call<null>("sync_set", { target }),
  /** Write-only: the token goes to the OS keychain and never comes back. */
  setSyncToken: (token: string) => call<null>("sync_token_set", { token }),
  clearSyncToken: () => call<null>("sync_token_clear"),
  syncNow: () => call<null>("sync_now"),
  /** Sends a parked batch again (same id and cases). */
  requeueSync: (batch: string) => call<null>("sync_requeue", { batch }),
  metrics: (days: number) => call<DailyMetrics[]>("metrics_daily", { days }),
  /** The figures over the last `days` days' conversations, overall and per planner. */
  workMetrics: (days: number) => call<WorkReport>("metrics_work", { days }),
  settings: () => call<Settings>("settings_get"),
  setPolicy: (policy: GatePolicy) => call<null>("settings_set_policy", { policy }),
  setCaps: (caps: Caps) => call<null>("settings_set_caps", { caps }),
  setProvider: (provider: ProviderSettings) => call<null>("settings_set_provider", { provider }),
  /** One small call with the saved provider settings and the keychain's key (read in Rust). */
  testConnection: () => call<ConnectionTest>("settings_test_connection"),
  /** Write-only: the key goes to the OS keychain and never comes back. */
  setApiKey: (key: string) => call<null>("api_key_set", { key }),
  clearApiKey: () => call<null>("api_key_clear"),
  /** Asks the update server whether a newer version exists (at start and from Help). */
  updateCheck: () => call<UpdateStatus>("update_check"),
  /** Downloads the newer version, installs it only if its signature verifies, and restarts. */
  updateInstall: () => call<null>("update_install"),
  onQueueChanged: (handler: (e: QueueChanged) => void): Promise<UnlistenFn> =>
    listen<QueueChanged>(EVENTS.queueChanged, (event) => handler(event.payload)),
  /** The user clicked a notification about this conversation. */
  onOpenConversation: (handler: (e: OpenConversation) => void): Promise<UnlistenFn> =>
    listen<OpenConversation>(EVENTS.openConversation, (event) => handler(event.payload)),
};
