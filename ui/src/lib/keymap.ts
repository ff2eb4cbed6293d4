// The keyboard map: pure, so it is unit-tested. Keys do nothing while typing in a field.

export type Action =
  | "next"
  | "previous"
  | "open"
  | "approve"
  | "approveAll"
  | "save"
  | "closeConversation"
  | "writeReply"
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
  A: "approveAll",
  c: "closeConversation",
  w: "writeReply",
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
  // Ctrl+S (⌘S) saves the reply's text, also (above all) while typing it.
  if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "s") return "save";
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
  ["a", "approve the action (or, with none open, the reply)"],
  ["Shift+A", "approve all: the actions first, then the reply"],
  ["e", "edit the action's arguments (or the reply's text)"],
  ["Ctrl+S", "save the reply's text as a revision"],
  ["r", "reject the action (or the reply's draft), with a reason"],
  ["w", "write your own reply"],
  ["c", "close the conversation (with a reason)"],
  ["x", "escalate to a supervisor"],
  ["?", "this help"],
  ["Esc", "close"],
];
