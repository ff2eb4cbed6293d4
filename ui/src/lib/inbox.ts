// The queue of conversations as the screen shows it: pure, so it is unit-tested. What a
// conversation waits for, and the order, are the core's (InboxItem.waiting, inbox()); this only
// names them and filters what is shown.
import type { InboxItem } from "./bindings/InboxItem";
import type { SendState } from "./bindings/SendState";
import type { Waiting } from "./bindings/Waiting";
import { toolLabel } from "./labels";

/** Words for what a conversation waits for; the type makes a new kind a compile error here. */
export const WAITING_LABELS: Record<Waiting, string> = {
  send_problem: "send problem",
  supervisor: "supervisor",
  approval: "approval",
  blocked: "blocked",
  handoff: "handoff",
  answer: "answer",
  planning: "planning",
};

export const SEND_LABELS: Record<SendState, string> = {
  queued: "queued to send",
  sending: "sending",
  sent: "sent",
  failed: "failed",
  uncertain: "may have gone out",
};

export interface InboxFilter {
  waiting: Waiting | null;
  text: string | null;
}

/** The first `n` characters of a text on one line, with an ellipsis when cut. */
export function excerpt(text: string, n = 90): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > n ? `${line.slice(0, n - 1)}…` : line;
}

/** Splits the inbox into conversations still being planned and the ones listed for a person,
 * keeping the core's order; the filter applies to the listed ones. */
export function splitInbox(items: InboxItem[], filter: InboxFilter): { planning: InboxItem[]; listed: InboxItem[] } {
  const text = filter.text?.trim().toLowerCase() ?? "";
  const matches = (i: InboxItem) =>
    !text ||
    [i.customer_id, i.subject ?? "", i.reply?.text ?? "", ...i.actions.flatMap((a) => [a.tool, toolLabel(a.tool), a.preview.summary])].some((s) =>
      s.toLowerCase().includes(text),
    );
  return {
    planning: items.filter((i) => i.waiting === "planning"),
    listed: items.filter((i) => i.waiting !== "planning" && (!filter.waiting || i.waiting === filter.waiting) && matches(i)),
  };
}
