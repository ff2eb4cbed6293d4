import { describe, expect, it } from "vitest";
import { cost, tokens } from "../src/lib/format";

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
