// The keyboard map: pure, so it is unit-tested. Keys do nothing while typing in a field.

export type Action =
  | "next"
  | "previous"
  | "open"
  | "approve"
  | "edit"
  | "reject"
  | "escalate"
  | "help"
  | "close";

const KEYS: Record<string, Action> = {
  j: "next",
  ArrowDown: "next",
  k: "previous",
  ArrowUp: "previous",
  Enter: "open",
  a: "approve",
  e: "edit",
  r: "reject",
  x: "escalate",
  "?": "help",
  Escape: "close",
};

export interface KeyInput {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  /** Tag name of the focused element. */
  targetTag?: string;
  targetEditable?: boolean;
}

export function actionFor(e: KeyInput): Action | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  const typing = e.targetEditable || ["INPUT", "TEXTAREA", "SELECT"].includes((e.targetTag ?? "").toUpperCase());
  // Escape still leaves a field; nothing else fires while typing.
  if (typing && e.key !== "Escape") return null;
  return KEYS[e.key] ?? null;
}

/** The next index in a list of `length` items, clamped. */
export function move(index: number, length: number, action: "next" | "previous"): number {
  if (length === 0) return 0;
  const next = action === "next" ? index + 1 : index - 1;
  return Math.max(0, Math.min(length - 1, next));
}

export const HELP: Array<[string, string]> = [
  ["j / ↓", "next item"],
  ["k / ↑", "previous item"],
  ["Enter", "open the conversation"],
  ["a", "approve the proposal"],
  ["e", "edit the proposal's arguments"],
  ["r", "reject (with a reason)"],
  ["x", "escalate to a supervisor"],
  ["?", "this help"],
  ["Esc", "close"],
];
