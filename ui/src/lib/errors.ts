// What to tell a person for each error code from the core. Keyed by code, never by message:
// the message from the core is shown as detail. The codes come from the generated catalog, so
// a code added in Rust without a title here fails the type check.
import type { ErrorCode } from "./bindings/catalog";
import type { IpcError } from "./bindings/IpcError";

/** `ipc`: the UI could not reach the core at all (ipc.ts), the one code born in the UI. */
export type UiErrorCode = ErrorCode | "ipc";

const TITLES: Record<UiErrorCode, string> = {
  policy_violation: "Refused by policy",
  needs_supervisor: "Needs a supervisor",
  already_decided: "Already decided",
  expired: "Proposal expired",
  invalidated: "The order changed since this was proposed",
  invalid_arguments: "Some fields are not valid",
  invalid_json: "Not valid JSON",
  edit_changes_subject: "An edit cannot change the order",
  reason_required: "A reason is required",
  actor_required: "Who is acting is not known",
  not_permitted: "Only a supervisor may do that",
  invalid_setting: "Invalid setting",
  keychain_unavailable: "The keychain is not available",
  keychain_refused: "The keychain refused the change",
  not_found: "Not found",
  unknown_tool: "Unknown action",
  unknown_customer: "Unknown customer",
  out_of_scope: "That belongs to another customer",
  conversation_customer_mismatch: "That conversation is with another customer",
  invalid_shop: "The shop file is not valid",
  invalid_expression: "The calculation is not valid",
  schema_too_new: "This workspace needs a newer Countersign",
  corrupt_record: "A stored record is damaged",
  storage: "The workspace could not be read or written",
  io: "A file could not be read or written",
  export_failed: "The export could not be written",
  internal: "The app stopped a command",
  already_settled: "Already planned",
  missing_api_key: "No API key is set for the provider",
  keychain_locked: "The keychain is locked: unlock it to use the provider",
  provider_unauthorized: "The provider refused the API key",
  provider_rate_limited: "The provider is rate limiting",
  provider_timeout: "The provider did not answer in time",
  provider_unavailable: "The provider could not be reached",
  provider_rejected: "The provider rejected the request",
  provider_bad_response: "The provider's answer could not be read",
  provider_breaker_open: "The provider failed repeatedly; paused for a cool-down",
  provider_config: "The provider settings are not usable",
  update_config_invalid: "This copy's update settings are not usable",
  update_unreachable: "The update server could not be reached",
  update_manifest_invalid: "The update server's answer is not a valid release",
  update_no_platform: "The new version has no installer for this system",
  update_signature_invalid: "Update refused: it is not signed by Countersign's release key",
  update_none: "No newer version is available",
  update_changed: "The release changed during the download",
  update_install_failed: "The update could not be installed",
  not_a_reply: "That is not a reply",
  empty_reply: "The reply is empty",
  stale_revision: "The reply changed since you read it: read the newest text",
  reply_contradicts_outcomes: "The reply says something that did not happen",
  reply_already_open: "This conversation already has a reply waiting",
  no_recipient: "Nobody to send the reply to",
  nothing_to_resolve: "Nothing to resolve",
  mailbox_not_configured: "No mailbox is configured",
  missing_mail_password: "No mailbox password is set",
  mail_config: "The mailbox settings are not usable",
  mail_auth_failed: "The mail server refused the user or password",
  mail_unreachable: "The mail server could not be reached",
  mail_tls: "The secure connection to the mail server failed",
  mail_timeout: "The mail server did not answer in time",
  mail_protocol: "The mail server answered something unexpected",
  mail_rejected: "The mail server refused the message",
  mail_delivery_uncertain: "It is not known whether the reply went out",
  ipc: "The app could not reach its core",
};

export function errorTitle(e: IpcError): string {
  return (TITLES as Record<string, string>)[e.code] ?? "Something went wrong";
}
