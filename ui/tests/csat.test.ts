import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import type { Csat } from "../src/lib/bindings/Csat";

const setCsat = vi.fn<(id: number, score: number, comment: string | null) => Promise<Csat>>();
vi.mock("../src/lib/ipc", () => ({ ipc: { setCsat: (id: number, s: number, c: string | null) => setCsat(id, s, c) } }));

const stored = (score: number, comment: string | null): Csat => ({
  conversation_id: 7,
  score,
  comment,
  source: "app",
  recorded_by: "ana",
  recorded_at_ms: 1_800_000_000_000,
});

async function mount(csat: Csat | null) {
  const { default: CsatEntry } = await import("../src/components/CsatEntry.svelte");
  const onsaved = vi.fn();
  const onerror = vi.fn();
  render(CsatEntry, { conversationId: 7, csat, onsaved, onerror });
  return { onsaved, onerror };
}

describe("CsatEntry", () => {
  afterEach(() => {
    cleanup();
    setCsat.mockReset();
  });

  it("sends the chosen score with the trimmed comment, and nothing before a score is chosen", async () => {
    setCsat.mockResolvedValue(stored(4, "quick"));
    const { onsaved } = await mount(null);
    const save = screen.getByTestId("csat-save") as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    await fireEvent.click(screen.getByTestId("csat-score-4"));
    await fireEvent.input(screen.getByTestId("csat-comment"), { target: { value: "  quick  " } });
    expect(save.disabled).toBe(false);
    await fireEvent.click(save);
    await waitFor(() => expect(onsaved).toHaveBeenCalledWith(stored(4, "quick")));
    expect(setCsat).toHaveBeenCalledWith(7, 4, "quick");
  });

  it("shows the current score, keys 1–5 choose, and a refusal goes to the error handler", async () => {
    setCsat.mockRejectedValue({ code: "not_found", message: "conversation 7" });
    const { onerror, onsaved } = await mount(stored(2, null));
    expect(screen.getByTestId("csat-current").textContent).toContain("2 of 5");
    // Unchanged: nothing to save.
    expect((screen.getByTestId("csat-save") as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.keyDown(screen.getByRole("radiogroup"), { key: "5" });
    expect((screen.getByTestId("csat-score-input-5") as HTMLInputElement).checked).toBe(true);
    await fireEvent.click(screen.getByTestId("csat-save"));
    await waitFor(() => expect(onerror).toHaveBeenCalledWith({ code: "not_found", message: "conversation 7" }));
    expect(onsaved).not.toHaveBeenCalled();
  });
});
