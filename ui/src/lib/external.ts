// Words and checks for calls to the team's systems, kept out of the components so they can
// be tested. The states and outcomes come from the generated bindings.
import type { ExternalCall } from "./bindings/ExternalCall";
import type { ExternalOutcome } from "./bindings/ExternalOutcome";
import { amount } from "./format";
import { toolLabel } from "./labels";

export const OUTCOME_LABELS: Record<ExternalOutcome, string> = {
  awaiting: "Not sent",
  claimed: "Sent, no result recorded",
  succeeded: "Done",
  failed: "The system refused it: nothing ran",
  not_sent: "Not sent: propose it again",
  outcome_unknown: "Sent, no answer: it may or may not have run",
  resolved_ran: "Checked: it ran",
  resolved_not_run: "Checked: it did not run",
};

/** Waiting for a decision. */
export function isOpenCall(c: ExternalCall): boolean {
  return (c.state === "pending" || c.state === "escalated") && c.outcome === "awaiting";
}

/** Approved and sent (or claimed), with no answer: a person finds out what happened. */
export function needsAPerson(c: ExternalCall): boolean {
  return c.outcome === "outcome_unknown" || c.outcome === "claimed";
}

/** The arguments exactly as they will be sent, keys in the order the core hashed them. */
export function argumentsText(c: ExternalCall): string {
  return sortedJson(c.arguments);
}

/** A history entry's action: a shop tool's label, or "refund on billing" for a team system's
 * call (named `<server>/<tool>`), as the review names it. */
export function actionLabel(tool: string): string {
  const slash = tool.indexOf("/");
  return slash < 0 ? toolLabel(tool) : `${tool.slice(slash + 1)} on ${tool.slice(0, slash)}`;
}

/** A call's arguments (an object) as indented JSON, keys sorted as the core hashes them. */
export function sortedJson(args: unknown): string {
  if (args === null || typeof args !== "object" || Array.isArray(args)) return JSON.stringify(args, null, 2);
  const sorted = Object.fromEntries(Object.entries(args).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return JSON.stringify(sorted, null, 2);
}

/** The amount at stake in its own currency ("$12.00", "12.00 EUR"), if the policy read one. */
export function amountAtStake(c: ExternalCall): string | null {
  const a = c.verdict.amount;
  if (!a) return null;
  return a.currency.toLowerCase() === "usd" ? amount(a.value) : `${a.value.toFixed(2)} ${a.currency.toUpperCase()}`;
}
