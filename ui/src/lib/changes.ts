// A proposal's preview in an agent's terms: only what changes, each thing as itself (an
// address as an address, items as product + options, payments by method and amount, refunds
// as "Refund $X to Visa •••• 1234"). Pure, so every write tool's preview is unit-tested; the
// exact arguments stay behind the "raw" toggle (Changes.svelte).
import type { Change } from "./bindings/Change";
import type { JsonValue } from "./bindings/serde_json/JsonValue";
import { amount } from "./format";
import { humanize } from "./labels";

/** One readable change: `before` is absent for something new (a refund, a reason). */
export interface Line {
  what: string;
  before?: string;
  after: string;
}

/** The changes of one record ("Order #W1234567", "Customer's record"). */
export interface Group {
  entity: string;
  lines: Line[];
}

type Obj = { [key in string]: JsonValue };
const isObj = (v: JsonValue | undefined): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const arr = (v: JsonValue | undefined): JsonValue[] => (Array.isArray(v) ? v : []);
const str = (v: JsonValue | undefined): string => (typeof v === "string" ? v : v === null || v === undefined ? "" : String(v));
const num = (v: JsonValue | undefined): number => (typeof v === "number" ? v : Number(v ?? 0));

/** A payment method by the name the customer knows, or a plain name from its id. */
export function methodName(id: string, methods: Record<string, string> = {}): string {
  if (methods[id]) return methods[id];
  if (id.startsWith("credit_card")) return "Credit card";
  if (id.startsWith("paypal")) return "PayPal";
  if (id.startsWith("gift_card")) return "Gift card";
  return id;
}

/** Puts payment method names (and the customer's name, when known) in place of their ids in
 * a core summary line. */
export function readableSummary(summary: string, methods: Record<string, string> = {}, customer?: { user_id: string; name: string } | null): string {
  const named = customer?.name ? summary.split(customer.user_id).join(customer.name) : summary;
  return named.replace(/\b(credit_card|paypal|gift_card)_\w+/g, (id) => methodName(id, methods));
}

export function address(v: JsonValue | undefined): string {
  if (!isObj(v)) return str(v);
  const street = [str(v.address1), str(v.address2)].filter(Boolean).join(", ");
  const town = [str(v.city), [str(v.state), str(v.zip)].filter(Boolean).join(" ")].filter(Boolean).join(", ");
  return [street, town, str(v.country)].filter(Boolean).join(", ");
}

function item(v: JsonValue | undefined): string {
  if (!isObj(v)) return str(v);
  const options = isObj(v.options)
    ? Object.entries(v.options)
        .map(([k, o]) => `${k} ${str(o)}`)
        .join(", ")
    : "";
  return `${options || "no options"} · ${amount(num(v.price))}`;
}

function transaction(v: JsonValue | undefined, methods: Record<string, string>): Line {
  const t = isObj(v) ? v : {};
  const refund = t.transaction_type === "refund";
  return {
    what: refund ? "Refund" : "Charge",
    after: `${refund ? "Refund" : "Charge"} ${amount(num(t.amount))} ${refund ? "to" : "on"} ${methodName(str(t.payment_method_id), methods)}`,
  };
}

function count(v: JsonValue | undefined, noun: string): string {
  const n = arr(v).length;
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** Plain words for any other value: never JSON. */
function text(v: JsonValue | undefined): string {
  if (v === null || v === undefined || v === "") return "—";
  if (Array.isArray(v)) return v.map(text).join(", ");
  if (isObj(v)) return Object.values(v).map(text).join(", ");
  return String(v);
}

const FIELD_WORDS: Record<string, string> = {
  status: "Status",
  cancel_reason: "Reason",
  return_items: "Items to return",
  return_payment_method_id: "Refund to",
  exchange_items: "Items to exchange",
  exchange_new_items: "Replacement items",
  exchange_payment_method_id: "Difference settled on",
  exchange_price_difference: "Price difference",
  fulfillments: "Shipments",
};

function lines(c: Change, methods: Record<string, string>, user: boolean): Line[] {
  const { field, before, after } = c;
  if (field === "address") return [{ what: user ? "Address" : "Shipping address", before: address(before), after: address(after) }];
  if (field === "items") {
    const b = arr(before);
    const a = arr(after);
    const out: Line[] = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (JSON.stringify(a[i]) === JSON.stringify(b[i])) continue;
      const ai = a[i];
      const bi = b[i];
      const ref: Obj = isObj(ai) ? ai : isObj(bi) ? bi : {};
      const name = str(ref.name) || "Item";
      out.push({ what: name, before: b[i] === undefined ? undefined : item(b[i]), after: a[i] === undefined ? "removed" : item(a[i]) });
    }
    return out;
  }
  if (field === "payment_history") return arr(after).slice(arr(before).length).map((t) => transaction(t, methods));
  if (field.startsWith("payment_methods.")) {
    const id = field.slice("payment_methods.".length);
    const name = methodName(id, methods);
    if (isObj(before) && isObj(after) && (before.balance !== undefined || after.balance !== undefined))
      return [{ what: `${name} balance`, before: amount(num(before.balance)), after: amount(num(after.balance)) }];
    return [{ what: name, before: text(before), after: text(after) }];
  }
  if (field === "return_payment_method_id" || field === "exchange_payment_method_id")
    return [{ what: FIELD_WORDS[field], after: methodName(str(after), methods) }];
  if (field === "exchange_price_difference") return [{ what: FIELD_WORDS[field], after: amount(num(after)) }];
  if (field === "return_items" || field === "exchange_items" || field === "exchange_new_items")
    return [{ what: FIELD_WORDS[field], after: count(after, "item") }];
  if (field === "fulfillments") return [{ what: FIELD_WORDS[field], before: count(before, "shipment"), after: count(after, "shipment") }];
  const what = FIELD_WORDS[field] ?? humanize(field);
  return [before === null || before === undefined ? { what, after: text(after) } : { what, before: text(before), after: text(after) }];
}

function entityName(entity: string): string {
  if (entity.startsWith("order ")) return `Order ${entity.slice("order ".length)}`;
  if (entity.startsWith("user ")) return "Customer's record";
  return entity;
}

/** The preview's changes grouped by record, each in its own terms. */
export function readChanges(changes: Change[], methods: Record<string, string> = {}): Group[] {
  const groups: Group[] = [];
  for (const c of changes) {
    const entity = entityName(c.entity);
    let g = groups.find((x) => x.entity === entity);
    if (!g) groups.push((g = { entity, lines: [] }));
    g.lines.push(...lines(c, methods, c.entity.startsWith("user ")));
  }
  return groups.filter((g) => g.lines.length);
}
