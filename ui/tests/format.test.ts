import { describe, expect, it } from "vitest";
import { ago, amount, cost, tokens } from "../src/lib/format";

describe("cost", () => {
  it("says n/a for a cost that does not apply, never $0.00", () => {
    expect(cost(null)).toBe("n/a");
  });
  it("keeps the digits of a cost under a cent", () => {
    expect(cost(0.000123)).toBe("$0.000123");
    expect(cost(0.0000015)).toBe("$0.0000015");
  });
  it("shows cents otherwise", () => {
    expect(cost(0)).toBe("$0.00");
    expect(cost(1.5)).toBe("$1.50");
  });
});

describe("tokens", () => {
  it("shows cache tokens only when there are some", () => {
    expect(tokens({ input_tokens: 120, output_tokens: 30, cache_read_tokens: 0, cache_write_tokens: 0 })).toBe("120 in / 30 out");
    expect(tokens({ input_tokens: 1, output_tokens: 2, cache_read_tokens: 3, cache_write_tokens: 4 })).toBe("1 in / 2 out / 3 cache read / 4 cache write");
  });
});

describe("ago", () => {
  const now = Date.UTC(2026, 0, 10, 12, 0, 0);
  it("says how long ago, as people do", () => {
    expect(ago(now - 10_000, now)).toBe("just now");
    expect(ago(now - 5 * 60_000, now)).toBe("5 min ago");
    expect(ago(now - 3 * 3_600_000, now)).toBe("3 h ago");
    expect(ago(now - 26 * 3_600_000, now)).toBe("yesterday");
    expect(ago(now - 3 * 86_400_000, now)).toBe("3 days ago");
  });
});

describe("amount", () => {
  it("states money in the shop's currency with grouped thousands", () => {
    expect(amount(1234.5)).toBe("$1,234.50");
    expect(amount(-22.29)).toBe("-$22.29");
  });
});
