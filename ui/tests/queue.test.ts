import { afterEach, describe, expect, it } from "vitest";
import { cleanup, render } from "@testing-library/svelte";
import Queue from "../src/components/Queue.svelte";
import type { Proposal } from "../src/lib/bindings/Proposal";

// jsdom has no layout engine: Svelte's bind:clientHeight needs ResizeObserver to exist.
(globalThis as unknown as { ResizeObserver: unknown }).ResizeObserver ??= class {
  observe() {}
  unobserve() {}
  disconnect() {}
};

function proposal(id: number): Proposal {
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

describe("Queue", () => {
  afterEach(cleanup);

  it("keeps only the visible rows of 10,000 in the DOM", () => {
    const items = Array.from({ length: 10_000 }, (_, i) => proposal(i + 1));
    const { getAllByTestId, getByTestId } = render(Queue, {
      items,
      counts: { pending: 10_000 },
      selected: 0,
      filter: { state: null, tool: null, text: null },
      onopen: () => {},
      onopenconversation: () => {},
    });
    const rows = getAllByTestId("queue-item");
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThan(60);
    // The scroll area still spans every item, so the scrollbar is honest.
    const spacer = getByTestId("queue-list").firstElementChild as HTMLElement;
    expect(spacer.style.height).toBe(`${10_000 * 56}px`);
    expect(getByTestId("queue-counts").textContent).toContain("10000");
  });

  it("shows a request being planned at once, and opens its conversation", async () => {
    const opened: number[] = [];
    const { getAllByTestId, queryByText } = render(Queue, {
      items: [],
      planning: [{ conversation_id: 42, channel: "email", created_at_ms: 0, subject: "Where is my order?", claimed: true }],
      counts: {},
      selected: 0,
      filter: { state: null, tool: null, text: null },
      onopen: () => {},
      onopenconversation: (id: number) => opened.push(id),
    });
    const [row] = getAllByTestId("planning-item");
    expect(row!.textContent).toContain("Planning…");
    expect(row!.textContent).toContain("Where is my order?");
    expect(queryByText(/Nothing waiting/)).toBeNull();
    row!.click();
    expect(opened).toEqual([42]);
  });
});
