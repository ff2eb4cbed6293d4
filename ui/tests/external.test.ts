import { describe, expect, it } from "vitest";
import type { ExternalCall } from "../src/lib/bindings/ExternalCall";
import { toolLabel } from "../src/lib/labels";
import { OUTCOME_LABELS, actionLabel, amountAtStake, argumentsText, isOpenCall, needsAPerson, sortedJson } from "../src/lib/external";

function call(overrides: Partial<ExternalCall>): ExternalCall {
  return {
    proposal_id: 7,
    conversation_id: 3,
    customer_id: "mia_li_3668",
    server: "billing",
    tool: "refund",
    tool_hash: "t1",
    arguments: { charge: "ch_1", amount: 1200, currency: "usd", idempotency_key: "countersign-ab-1" },
    args_hash: "a1",
    verdict: { required_role: "agent", amount: { value: 12, currency: "usd" }, agent_limit: 50, ownership: null },
    approved_args_hash: null,
    outcome: "awaiting",
    result: null,
    error_code: null,
    latency_ms: null,
    proposed_by: "planner",
    created_at_ms: 0,
    expires_at_ms: 1,
    state: "pending",
    decided_by: null,
    ...overrides,
  };
}

describe("calls to the team's systems", () => {
  it("shows the arguments with every key, in the order the core hashes them", () => {
    const text = argumentsText(call({}));
    expect(Object.keys(JSON.parse(text))).toEqual(["amount", "charge", "currency", "idempotency_key"]);
    expect(text).toContain("countersign-ab-1");
  });

  it("offers a decision only on an open call that was never sent", () => {
    expect(isOpenCall(call({}))).toBe(true);
    expect(isOpenCall(call({ state: "escalated" }))).toBe(true);
    expect(isOpenCall(call({ state: "executed", outcome: "succeeded" }))).toBe(false);
    expect(isOpenCall(call({ state: "rejected" }))).toBe(false);
  });

  it("asks a person about a call sent without an answer, and only then", () => {
    expect(needsAPerson(call({ state: "executed", outcome: "outcome_unknown" }))).toBe(true);
    expect(needsAPerson(call({ state: "executed", outcome: "claimed" }))).toBe(true);
    expect(needsAPerson(call({ state: "executed", outcome: "succeeded" }))).toBe(false);
    expect(needsAPerson(call({ state: "executed", outcome: "resolved_ran" }))).toBe(false);
  });

  it("states the amount at stake in its own currency", () => {
    expect(amountAtStake(call({}))).toBe("$12.00");
    expect(amountAtStake(call({ verdict: { required_role: "agent", amount: { value: 12.5, currency: "eur" }, agent_limit: null, ownership: null } }))).toBe("12.50 EUR");
    expect(amountAtStake(call({ verdict: { required_role: "supervisor", amount: null, agent_limit: null, ownership: null } }))).toBeNull();
  });

  it("shows a history entry's arguments sorted, and anything else as it is", () => {
    expect(Object.keys(JSON.parse(sortedJson({ z: 1, a: { y: 2, b: 3 } })))).toEqual(["a", "z"]);
    expect(sortedJson(null)).toBe("null");
    expect(sortedJson([2, 1])).toBe(JSON.stringify([2, 1], null, 2));
  });

  it("names a team system's action as the review does, and a shop's by its label", () => {
    expect(actionLabel("billing/refund")).toBe("refund on billing");
    expect(actionLabel("cancel_pending_order")).toBe(toolLabel("cancel_pending_order"));
    expect(actionLabel("cancel_pending_order")).not.toBe("cancel_pending_order");
  });

  it("words every outcome", () => {
    for (const label of Object.values(OUTCOME_LABELS)) expect(label).toBeTruthy();
  });
});
