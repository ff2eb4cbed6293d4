import { describe, expect, it } from "vitest";
import { TOOLS, TOOL_LABELS, WRITE_TOOLS } from "../src/lib/bindings/catalog";
import { toolLabel } from "../src/lib/labels";

// The label table is the core's (countersign-shop/src/labels.rs), exported through the
// bindings: a tool the core adds without a label fails here as well as in Rust.
describe("tool labels", () => {
  it("names every tool the core defines in words, never by its identifier", () => {
    expect(TOOLS.length).toBeGreaterThan(0);
    for (const tool of TOOLS) {
      const label = toolLabel(tool);
      expect(TOOL_LABELS[tool], tool).toBeTruthy();
      expect(label, tool).toBe(TOOL_LABELS[tool]);
      expect(label, tool).not.toContain("_");
      expect(label, tool).not.toBe(tool);
    }
  });

  it("covers the write tools and the reply", () => {
    for (const tool of [...WRITE_TOOLS, "send_reply" as const]) expect(TOOLS).toContain(tool);
    expect(toolLabel("cancel_pending_order")).toBe("Cancel order");
    expect(toolLabel("return_delivered_order_items")).toBe("Return items");
    expect(toolLabel("modify_pending_order_address")).toBe("Change shipping address");
    expect(toolLabel("send_reply")).toBe("Reply to customer");
  });

  it("has no tool the core does not define", () => {
    expect(Object.keys(TOOL_LABELS).sort()).toEqual([...TOOLS].sort());
  });
});
