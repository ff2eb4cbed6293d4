// What to tell a person for each error code from the core. Keyed by code, never by message:
// the message from the core is shown as detail.
import type { IpcError } from "./bindings/IpcError";

const TITLES: Record<string, string> = {
  policy_violation: "Refused by policy",
  needs_supervisor: "Needs a supervisor",
  already_decided: "Already decided",
  expired: "Proposal expired",
  invalidated: "The order changed since this was proposed",
  invalid_arguments: "Some fields are not valid",
  invalid_json: "Not valid JSON",
  edit_changes_subject: "An edit cannot change the order",
  reason_required: "A reason is required",
  actor_required: "Set your name in Settings first",
  invalid_setting: "Invalid setting",
  keychain_unavailable: "The keychain is not available",
  keychain_refused: "The keychain refused the change",
  not_found: "Not found",
  storage: "The workspace could not be written",
  ipc: "The app could not reach its core",
};

export function errorTitle(e: IpcError): string {
  return TITLES[e.code] ?? "Something went wrong";
}
