import { describe, expect, it } from "vitest";
import type { PolicyFile } from "../src/lib/bindings/PolicyFile";
import { emptyConstraint, emptyServer, emptyTool, formatOneOf, fromForm, parseOneOf, toForm } from "../src/lib/policyForm";

// The README's billing example, as the core sends it (fields it skips are absent).
const BILLING: PolicyFile = {
  servers: {
    billing: {
      customer_id: "email",
      tools: {
        refund: {
          approver: "agent",
          amount: { pointer: "/amount", unit: "minor", currency: "usd", currency_pointer: "/currency", agent_limit: "50.00", supervisor_limit: "500.00" },
          constraints: [{ pointer: "/reason", required: true, one_of: ["duplicate", "requested_by_customer"] }],
          ownership: { argument: "/charge", read_tool: "get_charge", read_arguments: { charge_id: "/charge" }, owner_pointer: "/customer" },
        },
        get_charge: { approver: "agent", result_owner_pointer: "/customer" },
      },
    },
  },
};

describe("the policy form", () => {
  it("shows a file and gives back the same rules", () => {
    const form = toForm(BILLING);
    const refund = form.servers[0].tools.find((t) => t.name === "refund")!;
    expect(refund.amount.agentLimit).toBe("50.00");
    expect(refund.constraints[0].oneOf).toBe("duplicate, requested_by_customer");
    expect(refund.ownership.readArguments).toEqual([{ name: "charge_id", pointer: "/charge" }]);
    const back = fromForm(form);
    expect(back.servers.billing.tools.refund.amount).toEqual(BILLING.servers.billing.tools.refund.amount);
    expect(back.servers.billing.tools.refund.ownership).toEqual(BILLING.servers.billing.tools.refund.ownership);
    expect(back.servers.billing.tools.refund.constraints).toEqual([
      { pointer: "/reason", required: true, one_of: ["duplicate", "requested_by_customer"], minimum: null, maximum: null, pattern: null, max_length: null },
    ]);
    expect(back.servers.billing.tools.get_charge).toEqual({ approver: "agent", amount: null, constraints: [], ownership: null, result_owner_pointer: "/customer" });
  });

  it("leaves out what is switched off or left empty", () => {
    const server = emptyServer("crm");
    const tool = emptyTool("close_account");
    tool.approver = "supervisor";
    tool.amount.supervisorLimit = "  ";
    tool.ownership.argument = "/account";
    const c = emptyConstraint();
    c.pointer = " /note ";
    c.minimum = Number.NaN; // a number input cleared by hand
    c.maxLength = 200;
    tool.constraints.push(c);
    server.tools.push(tool);
    const file = fromForm({ servers: [server] });
    expect(file.servers.crm).toEqual({
      customer_id: "email",
      tools: {
        close_account: {
          approver: "supervisor",
          amount: null,
          constraints: [{ pointer: "/note", required: false, one_of: null, minimum: null, maximum: null, pattern: null, max_length: 200 }],
          ownership: null,
          result_owner_pointer: null,
        },
      },
    });
  });

  it("reads allowed values as numbers, flags and text, and writes them back readably", () => {
    expect(parseOneOf("duplicate, 3, true, \"4\", \"a, b\", 2.5")).toEqual(["duplicate", 3, true, "4", "a, b", 2.5]);
    expect(parseOneOf("  ")).toBeNull();
    expect(parseOneOf("a,,b")).toEqual(["a", "b"]);
    expect(formatOneOf(["duplicate", 3, true, "4", "a, b"])).toBe('duplicate, 3, true, "4", "a, b"');
    for (const values of [["x", "y"], [1, "1", false, "false"], ["say \"hi\"", " padded "], ["[urgent]", "normal"]]) {
      expect(parseOneOf(formatOneOf(values))).toEqual(values);
    }
  });

  it("saves allowed values nobody touched exactly as loaded", () => {
    const file: PolicyFile = {
      servers: {
        s: {
          customer_id: "user_id",
          tools: {
            t: {
              approver: "agent",
              constraints: [
                { pointer: "/none", required: false, one_of: [] },
                { pointer: "/float", required: false, one_of: [1.0, 2.5] },
                { pointer: "/obj", required: false, one_of: [{ a: 1, b: 2 }, "x"] },
              ],
            },
          },
        },
      },
    };
    const form = toForm(file);
    expect(form.servers[0].tools[0].constraints.map((c) => c.oneOf)).toEqual(["[]", "1, 2.5", '[{"a":1,"b":2},"x"]']);
    expect(fromForm(form).servers.s.tools.t.constraints?.map((c) => c.one_of)).toEqual([[], [1.0, 2.5], [{ a: 1, b: 2 }, "x"]]);
    // An edit is read from the text; a JSON array may be typed too.
    form.servers[0].tools[0].constraints[0].oneOf = "a, b";
    form.servers[0].tools[0].constraints[2].oneOf = '[{"a":3}]';
    const edited = fromForm(form).servers.s.tools.t.constraints!;
    expect(edited[0].one_of).toEqual(["a", "b"]);
    expect(edited[2].one_of).toEqual([{ a: 3 }]);
    form.servers[0].tools[0].constraints[2].oneOf = "[{";
    expect(() => fromForm(form)).toThrow();
  });

  it("keeps a pattern's spaces and a quoted item's escapes", () => {
    const form = toForm(BILLING);
    const c = form.servers[0].tools.find((t) => t.name === "refund")!.constraints[0];
    c.pattern = " [a-z]+ ";
    c.oneOf = '"a,b\\\\", c'; // the text "a,b\\", c: a quoted item ending in an escaped backslash
    const saved = fromForm(form).servers.billing.tools.refund.constraints![0];
    expect(saved.pattern).toBe(" [a-z]+ ");
    expect(saved.one_of).toEqual(["a,b\\", "c"]);
  });

  it("drops read arguments without a name, as a half-filled row", () => {
    const form = toForm(BILLING);
    const refund = form.servers[0].tools.find((t) => t.name === "refund")!;
    refund.ownership.readArguments.push({ name: " ", pointer: "/x" });
    expect(fromForm(form).servers.billing.tools.refund.ownership?.read_arguments).toEqual({ charge_id: "/charge" });
  });
});
