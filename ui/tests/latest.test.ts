import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { debounce, FILTER_DEBOUNCE_MS, Latest, STALE } from "../src/lib/latest";
import type { HistoryEntry } from "../src/lib/bindings/HistoryEntry";
import type { HistoryFilter } from "../src/lib/bindings/HistoryFilter";
import type { HistoryPage } from "../src/lib/bindings/HistoryPage";

/** A promise the test settles by hand, to make answers arrive in any order. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("Latest", () => {
  it("drops an older answer that arrives after a newer one", async () => {
    const latest = new Latest();
    const first = deferred<string>();
    const second = deferred<string>();
    const a = latest.run(() => first.promise);
    const b = latest.run(() => second.promise);
    second.resolve("new");
    first.resolve("old");
    expect(await b).toBe("new");
    expect(await a).toBe(STALE);
  });

  it("drops an older answer that arrives first, too", async () => {
    const latest = new Latest();
    const first = deferred<string>();
    const second = deferred<string>();
    const a = latest.run(() => first.promise);
    const b = latest.run(() => second.promise);
    first.resolve("old");
    expect(await a).toBe(STALE);
    second.resolve("new");
    expect(await b).toBe("new");
  });

  it("drops a stale error but passes on the newest one", async () => {
    const latest = new Latest();
    const first = deferred<string>();
    const second = deferred<string>();
    const a = latest.run(() => first.promise);
    const b = latest.run(() => second.promise);
    first.reject({ code: "storage", message: "old failure" });
    expect(await a).toBe(STALE);
    second.reject({ code: "not_found", message: "new failure" });
    await expect(b).rejects.toEqual({ code: "not_found", message: "new failure" });
  });

  it("invalidate makes every request in flight stale", async () => {
    const latest = new Latest();
    const a = latest.run(() => Promise.resolve(1));
    latest.invalidate();
    expect(await a).toBe(STALE);
  });
});

describe("debounce", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("calls once, with the last arguments, after the pause", () => {
    const calls: string[] = [];
    const d = debounce((s: string) => calls.push(s), 200);
    for (const s of ["z", "za", "zan", "zanz"]) {
      d(s);
      vi.advanceTimersByTime(50);
    }
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(200);
    expect(calls).toEqual(["zanz"]);
  });

  it("flush runs now; cancel drops", () => {
    const calls: number[] = [];
    const d = debounce((n: number) => calls.push(n), 200);
    d(1);
    d.flush();
    expect(calls).toEqual([1]);
    d(2);
    d.cancel();
    vi.advanceTimersByTime(1000);
    expect(calls).toEqual([1]);
  });
});

// The history screen, with the core's answers held back and released out of order.
const pending: Array<{ filter: HistoryFilter; answer: ReturnType<typeof deferred<HistoryPage>> }> = [];
vi.mock("../src/lib/ipc", () => ({
  ipc: {
    history: (filter: HistoryFilter) => {
      const answer = deferred<HistoryPage>();
      pending.push({ filter, answer });
      return answer.promise;
    },
    verifyAudit: () => Promise.resolve({ records: 0, ok: true, first_break: null }),
    exportHistory: () => Promise.resolve({ path: "x", rows: 0 }),
    toolServers: () => Promise.resolve([]),
  },
}));

function entry(id: number, summary: string): HistoryEntry {
  return {
    id,
    proposal_id: id,
    kind: "rejected",
    actor: "ana",
    role: "agent",
    at_ms: 0,
    reason: summary,
    edited_args: null,
    tool: "cancel_pending_order",
    customer_id: "c",
    conversation_id: id,
    summary,
    args: {},
    state: "rejected",
  } as HistoryEntry;
}

describe("History", () => {
  afterEach(() => {
    cleanup();
    pending.length = 0;
  });

  it("debounces typing and never lets an older answer replace a newer one", async () => {
    const { default: History } = await import("../src/components/History.svelte");
    render(History, { onopen: () => {} });
    await waitFor(() => expect(pending.length).toBe(1)); // the first search, at once
    const input = screen.getByTestId("history-search");
    for (const text of ["z", "za", "zan", "zanz", "zanzibar"]) await fireEvent.input(input, { target: { value: text } });
    await new Promise((r) => setTimeout(r, FILTER_DEBOUNCE_MS + 100));
    // Five keystrokes, one search.
    expect(pending.length).toBe(2);
    expect(pending[1].filter.text).toBe("zanzibar");
    // The newer answer arrives first, then the older, slower one.
    pending[1].answer.resolve({ entries: [entry(2, "the zanzibar one")], more: false });
    await waitFor(() => expect(screen.getAllByTestId("history-row")).toHaveLength(1));
    pending[0].answer.resolve({ entries: [entry(1, "unfiltered a"), entry(3, "unfiltered b")], more: true });
    await new Promise((r) => setTimeout(r, 50));
    const rows = screen.getAllByTestId("history-row");
    expect(rows).toHaveLength(1);
    expect(rows[0].textContent).toContain("the zanzibar one");
    expect(screen.queryByTestId("history-more")).toBeNull();
  });
});
