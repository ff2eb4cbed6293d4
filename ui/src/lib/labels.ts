// The words a person reads. Tools are named by the core's table (catalog.ts, generated from
// countersign-shop/src/labels.rs); the states and kinds here are typed Records, so a new
// state or kind in the core is a compile error until it has words.
import { TOOL_LABELS } from "./bindings/catalog";
import type { DecisionKind } from "./bindings/DecisionKind";
import type { ProposalState } from "./bindings/ProposalState";
import type { ToolName } from "./bindings/ToolName";

/** "Cancel order", never `cancel_pending_order`. */
export function toolLabel(tool: ToolName | string | null | undefined): string {
  if (!tool) return "";
  return (TOOL_LABELS as Record<string, string>)[tool] ?? humanize(tool);
}

export const STATE_LABELS: Record<ProposalState, string> = {
  pending: "Waiting for approval",
  escalated: "With a supervisor",
  executed: "Done",
  rejected: "Rejected",
  expired: "Expired",
  invalidated: "Out of date",
};

export const DECISION_LABELS: Record<DecisionKind, string> = {
  approved: "Approved",
  rejected: "Rejected",
  escalated: "Escalated",
  expired: "Expired",
  invalidated: "Out of date",
  refused: "Refused by policy",
};

/** `return_items` → "Return items": the fallback for a name no table knows. */
export function humanize(id: string): string {
  const words = id.replace(/[_.]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
