import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/svelte";
import ActionForm from "../src/components/ActionForm.svelte";
import { fieldsOf, fromForm, toForm } from "../src/lib/schemaForm";
import type { ProposalView } from "../src/lib/bindings/ProposalView";

// The schema shape schemars derives for ItemSwapArgs (inlined, draft 2020-12).
const swapSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  title: "ItemSwapArgs",
  type: "object",
  properties: {
    order_id: { type: "string" },
    item_ids: { type: "array", items: { type: "string" }, minItems: 1 },
    new_item_ids: { type: "array", items: { type: "string" }, minItems: 1 },
    payment_method_id: { type: "string" },
  },
  additionalProperties: false,
  required: ["order_id", "item_ids", "new_item_ids", "payment_method_id"],
};

const view: ProposalView = {
  proposal: {
    id: 7,
    conversation_id: 3,
    customer_id: "ana_1",
    tool: "exchange_delivered_order_items",
    args: { order_id: "#W1234567", item_ids: ["111"], new_item_ids: ["222"], payment_method_id: "paypal_1" },
    preview: {
      summary: "Exchange 1 item(s) in order #W1234567",
      amount: 40,
      changes: [{ entity: "order #W1234567", field: "status", before: "delivered", after: "exchange requested" }],
    },
    amount: 40,
    subject: "order:#W1234567",
    proposed_by: "rules-planner",
    created_at_ms: 0,
    expires_at_ms: 1,
    state: "pending",
    decided_at_ms: null,
    decided_by: null,
    reason: null,
  },
  args_schema: swapSchema,
  decisions: [],
};

describe("schema form model", () => {
  it("has one typed field per property", () => {
    const fields = fieldsOf(swapSchema);
    expect(fields.map((f) => [f.name, f.kind])).toEqual([
      ["order_id", "text"],
      ["item_ids", "list"],
      ["new_item_ids", "list"],
      ["payment_method_id", "text"],
    ]);
  });

  it("round-trips arguments and reports empty required fields", () => {
    const fields = fieldsOf(swapSchema);
    const values = toForm(fields, view.proposal.args as Record<string, unknown>);
    expect(values.item_ids).toBe("111");
    expect(fromForm(fields, values)).toEqual({ args: view.proposal.args });
    const broken = fromForm(fields, { ...values, new_item_ids: "  ", order_id: "" });
    expect("problems" in broken && broken.problems.map((p) => p.field)).toEqual(["order_id", "new_item_ids"]);
  });
});

describe("ActionForm", () => {
  afterEach(cleanup);

  it("renders the fields read-only with the preview", () => {
    render(ActionForm, { view });
    const input = screen.getByDisplayValue("#W1234567") as HTMLInputElement;
    expect(input.readOnly).toBe(true);
    expect(screen.getByText("exchange requested")).toBeTruthy();
    expect(screen.queryByTestId("approve-edited")).toBeNull();
  });

  it("submits edited arguments, typed, when editing", async () => {
    let submitted: Record<string, unknown> | null = null;
    render(ActionForm, { view, editing: true, onsubmit: (a: Record<string, unknown>) => (submitted = a) });
    const list = screen.getByDisplayValue("222") as HTMLTextAreaElement;
    await fireEvent.input(list, { target: { value: "333\n444" } });
    await fireEvent.click(screen.getByTestId("approve-edited"));
    expect(submitted).toEqual({ ...(view.proposal.args as object), new_item_ids: ["333", "444"] });
  });

  it("refuses to submit an empty required list", async () => {
    let submitted = false;
    render(ActionForm, { view, editing: true, onsubmit: () => (submitted = true) });
    await fireEvent.input(screen.getByDisplayValue("222"), { target: { value: "" } });
    await fireEvent.click(screen.getByTestId("approve-edited"));
    expect(submitted).toBe(false);
    expect(screen.getByText(/New item IDs needs at least 1 entry/)).toBeTruthy();
  });
});
