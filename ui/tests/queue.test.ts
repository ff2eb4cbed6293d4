import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render } from "@testing-library/svelte";
import { remember } from "../src/lib/customers.svelte";
import Queue from "../src/components/Queue.svelte";
import type { InboxItem } from "../src/lib/bindings/InboxItem";
import type { Proposal } from "../src/lib/bindings/Proposal";
import { excerpt, splitInbox } from "../src/lib/inbox";

// jsdom has no layout engine: Svelte's bind:clientHeight needs ResizeObserver to exist.
(globalThis as unknown as { ResizeObserver: unknown }).ResizeObserver ??= class {
  observe() {}
  unobserve() {}
  disconnect() {}
};

function action(id: number): Proposal {
  return {
    id,
    conversation_id: id,
    customer_id: `customer_${id}`,
    tool: "cancel_pending_order",
    args: { order_id: `#W${1_000_000 + id}`, reason: "no longer needed" },
    preview: { summary: `Cancel order #W${1_000_000 + id}`, amount: 10, changes: [] },
    amount: 10,
    subject: `order:#W${1_000_000 + id}`,
    proposed_by: "rules-planner",
    created_at_ms: 0,
    expires_at_ms: 1,
    state: "pending",
    decided_at_ms: null,
    decided_by: null,
    reason: null,
  };
}

function conversation(id: number, over: Partial<InboxItem> = {}): InboxItem {
  return {
    conversation_id: id,
    channel: "email",
    customer_id: `customer_${id}`,
    subject: `Order ${id}`,
    created_at_ms: 0,
    last_message_at_ms: 0,
    customer_messages: 1,
    waiting: "approval",
    outcome: "reply",
    reply: { proposal_id: 100_000 + id, state: "pending", revision: 0, text: `Hello customer ${id}, we have prepared the cancellation.`, send: null },
    actions: [action(id)],
    amount: 10,
    ...over,
  };
}

const props = (items: InboxItem[], planning: InboxItem[] = []) => ({
  items,
  planning,
  counts: { waiting: items.length, supervisor: 0, send_problems: 0 },
  selected: 0,
  filter: { waiting: null, text: null },
  onopen: () => {},
});

describe("Queue", () => {
  afterEach(cleanup);

  it("keeps only the visible rows of 10,000 conversations in the DOM", () => {
    const items = Array.from({ length: 10_000 }, (_, i) => conversation(i + 1));
    const { getAllByTestId, getByTestId } = render(Queue, props(items));
    const rows = getAllByTestId("queue-item");
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(60);
    // The scroll area still spans every item, so the scrollbar is honest.
    const spacer = getByTestId("queue-list").firstElementChild as HTMLElement;
    expect(spacer.style.height).toBe(`${10_000 * 74}px`);
    expect(getByTestId("queue-counts").textContent).toContain("10000");
  });

  it("shows what each conversation waits for, its customer, subject, reply and actions", () => {
    const { getAllByTestId } = render(Queue, props([conversation(7, { waiting: "supervisor" }), conversation(8, { actions: [], amount: 0, waiting: "answer" })]));
    const [first, second] = getAllByTestId("queue-item");
    expect(first!.dataset.conversation).toBe("7");
    expect(first!.dataset.actions).toBe("7");
    expect(first!.dataset.reply).toBe("100007");
    expect(first!.querySelector('[data-testid="waiting-chip"]')!.textContent).toBe("supervisor");
    expect(first!.textContent).toContain("customer_7");
    expect(first!.textContent).toContain("Order 7");
    // Actions by their names, never by the tool's identifier.
    expect(first!.textContent).toContain("Cancel order $10.00");
    expect(first!.textContent).not.toContain("cancel_pending_order");
    expect(first!.textContent).toContain("1 action");
    expect(first!.textContent).toContain("we have prepared the cancellation");
    expect(second!.dataset.actions).toBe("");
    expect(second!.querySelector('[data-testid="waiting-chip"]')!.textContent).toBe("answer");
  });

  it("names a customer the shop knows, with the id on hover", async () => {
    remember([{ user_id: "customer_9", name: "Ana López", email: "ana@example.com", payment_methods: {} }]);
    const { getAllByTestId } = render(Queue, props([conversation(9)]));
    const [row] = getAllByTestId("queue-item");
    const who = row!.querySelector("[data-customer]") as HTMLElement;
    expect(who.textContent).toBe("Ana López");
    expect(who.title).toContain("customer_9");
  });

  it("shows a conversation being planned at once, and opens it", async () => {
    const opened: number[] = [];
    const planning = conversation(42, { waiting: "planning", subject: "Where is my order?", reply: null, actions: [] });
    const { getAllByTestId, queryByText } = render(Queue, { ...props([], [planning]), onopen: (id: number) => opened.push(id) });
    const [row] = getAllByTestId("planning-item");
    expect(row!.textContent).toContain("Planning…");
    expect(row!.textContent).toContain("Where is my order?");
    expect(queryByText(/Nobody is waiting/)).toBeNull();
    row!.click();
    expect(opened).toEqual([42]);
  });
});

describe("the inbox as shown", () => {
  it("keeps the core's order, lists planning apart and filters by kind and text", () => {
    const items = [conversation(1, { waiting: "send_problem" }), conversation(2, { waiting: "planning" }), conversation(3, { customer_id: "ada", actions: [] })];
    const all = splitInbox(items, { waiting: null, text: null });
    expect(all.planning.map((i) => i.conversation_id)).toEqual([2]);
    expect(all.listed.map((i) => i.conversation_id)).toEqual([1, 3]);
    expect(splitInbox(items, { waiting: "send_problem", text: null }).listed.map((i) => i.conversation_id)).toEqual([1]);
    expect(splitInbox(items, { waiting: null, text: "ADA" }).listed.map((i) => i.conversation_id)).toEqual([3]);
    expect(splitInbox(items, { waiting: null, text: "#W1000001" }).listed.map((i) => i.conversation_id)).toEqual([1]);
  });

  it("cuts a reply to one line", () => {
    expect(excerpt("Hello\n\n  there", 90)).toBe("Hello there");
    expect(excerpt("a".repeat(100), 10)).toBe(`${"a".repeat(9)}…`);
  });
});
