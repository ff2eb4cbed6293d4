import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render } from "@testing-library/svelte";
import Changes from "../src/components/Changes.svelte";
import { remember } from "../src/lib/customers.svelte";
import { WRITE_TOOLS } from "../src/lib/bindings/catalog";
import type { Change } from "../src/lib/bindings/Change";
import type { Preview } from "../src/lib/bindings/Preview";
import type { ToolName } from "../src/lib/bindings/ToolName";
import type { JsonValue } from "../src/lib/bindings/serde_json/JsonValue";

// Previews shaped as the shop's transitions build them (countersign-shop/src/policy/
// transition.rs): a whole-record diff, one Change per top-level field, payment methods apart.
const oldAddress = { address1: "1 Elm St", address2: "Apt 2", city: "Austin", country: "USA", state: "TX", zip: "78701" };
const newAddress = { address1: "9 Oak Ave", address2: "", city: "Denver", country: "USA", state: "CO", zip: "80202" };
const lamp = { name: "Desk Lamp", product_id: "p1", item_id: "111", price: 40, options: { color: "black", bulb: "LED" } };
const lampWhite = { ...lamp, item_id: "222", price: 45, options: { color: "white", bulb: "LED" } };
const paid = { transaction_type: "payment", amount: 40, payment_method_id: "credit_card_1" };
const order = "order #W1234567";
const CUSTOMER = "ana_lopez_1";

remember([
  {
    user_id: CUSTOMER,
    name: "Ana López",
    email: "ana@example.com",
    payment_methods: { credit_card_1: "Visa •••• 1234", gift_card_2: "Gift card", paypal_3: "PayPal" },
  },
]);

interface Case {
  args: JsonValue;
  preview: Preview;
  /** What the agent must read, in words. */
  shows: string[];
}

const p = (summary: string, amount: number, changes: Change[]): Preview => ({ summary, amount, changes });

const CASES: Record<Exclude<ToolName, "send_reply">, Case> & Partial<Record<ToolName, Case>> = {
  cancel_pending_order: {
    args: { order_id: "#W1234567", reason: "no longer needed" },
    preview: p("Cancel order #W1234567 (no longer needed), refunding $40.00", 40, [
      { entity: order, field: "cancel_reason", before: null, after: "no longer needed" },
      { entity: order, field: "payment_history", before: [paid], after: [paid, { ...paid, transaction_type: "refund" }] },
      { entity: order, field: "status", before: "pending", after: "cancelled" },
    ]),
    shows: ["Reason", "no longer needed", "Refund $40.00 to Visa •••• 1234", "pending", "cancelled"],
  },
  modify_pending_order_address: {
    args: { order_id: "#W1234567", ...newAddress },
    preview: p("Ship order #W1234567 to 9 Oak Ave, Denver, CO 80202, USA", 0, [{ entity: order, field: "address", before: oldAddress, after: newAddress }]),
    shows: ["Shipping address", "1 Elm St, Apt 2, Austin, TX 78701, USA", "9 Oak Ave, Denver, CO 80202, USA"],
  },
  modify_pending_order_payment: {
    args: { order_id: "#W1234567", payment_method_id: "gift_card_2" },
    preview: p("Pay order #W1234567 ($40.00) with gift_card_2 instead of credit_card_1", 40, [
      {
        entity: order,
        field: "payment_history",
        before: [paid],
        after: [paid, { transaction_type: "payment", amount: 40, payment_method_id: "gift_card_2" }, { ...paid, transaction_type: "refund" }],
      },
      {
        entity: `user ${CUSTOMER}`,
        field: "payment_methods.gift_card_2",
        before: { source: "gift_card", id: "gift_card_2", balance: 100 },
        after: { source: "gift_card", id: "gift_card_2", balance: 60 },
      },
    ]),
    shows: ["Pay order #W1234567 ($40.00) with Gift card instead of Visa •••• 1234", "Charge $40.00 on Gift card", "Refund $40.00 to Visa •••• 1234", "Gift card balance", "$100.00", "$60.00"],
  },
  modify_pending_order_items: {
    args: { order_id: "#W1234567", item_ids: ["111"], new_item_ids: ["222"], payment_method_id: "paypal_3" },
    preview: p("Change 1 item(s) in order #W1234567; price difference $5.00 on paypal_3", 5, [
      { entity: order, field: "items", before: [lamp], after: [lampWhite] },
      { entity: order, field: "payment_history", before: [paid], after: [paid, { transaction_type: "payment", amount: 5, payment_method_id: "paypal_3" }] },
      { entity: order, field: "status", before: "pending", after: "pending (item modified)" },
    ]),
    shows: ["Desk Lamp", "color black, bulb LED · $40.00", "color white, bulb LED · $45.00", "Charge $5.00 on PayPal", "on PayPal"],
  },
  return_delivered_order_items: {
    args: { order_id: "#W1234567", item_ids: ["111"], payment_method_id: "credit_card_1" },
    preview: p("Return 1 item(s) from order #W1234567, refunding $40.00 to credit_card_1", 40, [
      { entity: order, field: "return_items", before: null, after: ["111"] },
      { entity: order, field: "return_payment_method_id", before: null, after: "credit_card_1" },
      { entity: order, field: "status", before: "delivered", after: "return requested" },
    ]),
    shows: ["Items to return", "1 item", "Refund to", "Visa •••• 1234", "return requested", "refunding $40.00 to Visa •••• 1234"],
  },
  exchange_delivered_order_items: {
    args: { order_id: "#W1234567", item_ids: ["111"], new_item_ids: ["222"], payment_method_id: "credit_card_1" },
    preview: p("Exchange 1 item(s) in order #W1234567; price difference $5.00 on credit_card_1", 40, [
      { entity: order, field: "exchange_items", before: null, after: ["111"] },
      { entity: order, field: "exchange_new_items", before: null, after: ["222"] },
      { entity: order, field: "exchange_payment_method_id", before: null, after: "credit_card_1" },
      { entity: order, field: "exchange_price_difference", before: null, after: 5 },
      { entity: order, field: "status", before: "delivered", after: "exchange requested" },
    ]),
    shows: ["Items to exchange", "Replacement items", "Difference settled on", "Visa •••• 1234", "Price difference", "$5.00", "exchange requested"],
  },
  modify_user_address: {
    args: { user_id: CUSTOMER, ...newAddress },
    preview: p(`Change ${CUSTOMER}'s default address to 9 Oak Ave, Denver, CO 80202, USA`, 0, [
      { entity: `user ${CUSTOMER}`, field: "address", before: oldAddress, after: newAddress },
    ]),
    shows: ["Change Ana López's default address", "Customer's record", "Address", "1 Elm St, Apt 2, Austin, TX 78701, USA", "9 Oak Ave, Denver, CO 80202, USA"],
  },
};

afterEach(cleanup);

describe("the change renderer", () => {
  it("has a case for every write tool the core defines", () => {
    expect(Object.keys(CASES).sort()).toEqual([...WRITE_TOOLS].sort());
  });

  for (const tool of WRITE_TOOLS) {
    it(`shows ${tool}'s preview in words, and its exact arguments only under Raw`, async () => {
      const c = CASES[tool]!;
      const { getByTestId, queryByTestId } = render(Changes, { preview: c.preview, args: c.args, customerId: CUSTOMER });
      const shown = getByTestId("preview").textContent ?? "";
      for (const words of c.shows) expect(shown, tool).toContain(words);
      // No JSON and no payment method or tool identifier outside the raw toggle.
      expect(shown).not.toMatch(/[{}[\]"]/);
      expect(shown).not.toMatch(/credit_card_|gift_card_|paypal_|payment_method|_id\b/);
      expect(shown).not.toContain(tool);
      expect(queryByTestId("raw")).toBeNull();
      await fireEvent.click(getByTestId("raw-toggle"));
      expect(JSON.parse(getByTestId("raw").textContent ?? "")).toEqual(c.args);
    });
  }

  it("shows only what changes", () => {
    const same = { entity: order, field: "items", before: [lamp, lamp], after: [lamp, lampWhite] };
    const { getAllByTestId } = render(Changes, { preview: p("x", 0, [same]), args: {}, customerId: CUSTOMER });
    expect(getAllByTestId("change")).toHaveLength(1);
  });
});
