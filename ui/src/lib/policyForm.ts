// The team systems' policy as a form edits it: every field a string, a number or a flag a
// control can bind to, and lists where the file has maps. `toForm` and `fromForm` convert
// between it and the file's typed shape (generated from Rust); the core parses and checks what
// is saved exactly as it checks text typed into the TOML editor, so nothing here validates.
import type { AmountUnit } from "./bindings/AmountUnit";
import type { Approver } from "./bindings/Approver";
import type { Constraint } from "./bindings/Constraint";
import type { CustomerKey } from "./bindings/CustomerKey";
import type { PolicyFile } from "./bindings/PolicyFile";
import type { ToolPolicy } from "./bindings/ToolPolicy";
import type { JsonValue } from "./bindings/serde_json/JsonValue";

export type FormConstraint = {
  pointer: string;
  required: boolean;
  /** Allowed values, comma-separated (see `parseOneOf`). */
  oneOf: string;
  /** The values as loaded: saved unchanged while `oneOf` still shows them, so a save never
   * rewrites a rule nobody touched (`[]` still allows nothing; numbers are compared by value
   * by the core, so `1.0` coming back as `1` changes nothing). */
  oneOfLoaded: JsonValue[] | null;
  minimum: number | null;
  maximum: number | null;
  pattern: string;
  maxLength: number | null;
};

export type FormTool = {
  name: string;
  approver: Approver;
  hasAmount: boolean;
  amount: { pointer: string; unit: AmountUnit; currency: string; currencyPointer: string; agentLimit: string; supervisorLimit: string };
  constraints: FormConstraint[];
  hasOwnership: boolean;
  ownership: { argument: string; readTool: string; readArguments: { name: string; pointer: string }[]; ownerPointer: string };
  resultOwnerPointer: string;
};

export type FormServer = { name: string; customerId: CustomerKey; tools: FormTool[] };
export type FormPolicy = { servers: FormServer[] };

export function emptyConstraint(): FormConstraint {
  return { pointer: "/", required: false, oneOf: "", oneOfLoaded: null, minimum: null, maximum: null, pattern: "", maxLength: null };
}

export function emptyTool(name: string): FormTool {
  return {
    name,
    approver: "agent",
    hasAmount: false,
    amount: { pointer: "/amount", unit: "minor", currency: "usd", currencyPointer: "", agentLimit: "50.00", supervisorLimit: "" },
    constraints: [],
    hasOwnership: false,
    ownership: { argument: "/", readTool: "", readArguments: [], ownerPointer: "/" },
    resultOwnerPointer: "",
  };
}

export function emptyServer(name: string): FormServer {
  return { name, customerId: "email", tools: [] };
}

/** A value as the allowed-values field shows it: bare where that reads back the same. */
function formatValue(v: JsonValue): string {
  // A string that starts with [ is quoted: bare, the field would read it as a JSON array.
  if (typeof v === "string" && v !== "" && !/[,"]/.test(v) && !v.startsWith("[") && v.trim() === v && parseItem(v) === v) return v;
  return JSON.stringify(v);
}

/** One item of the allowed-values field: a number, true/false, a "quoted" string, or text. */
function parseItem(item: string): JsonValue {
  const t = item.trim();
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  if (t === "true" || t === "false") return t === "true";
  if (t.startsWith('"')) {
    try {
      const v = JSON.parse(t) as unknown;
      if (typeof v === "string") return v;
    } catch {
      // Not a whole JSON string: the text as typed.
    }
  }
  return t;
}

/** Allowed values the field cannot show item by item: written as one JSON array. */
const asJson = (values: JsonValue[]): boolean => values.length === 0 || values.some((v) => v !== null && typeof v === "object");

/**
 * "duplicate, requested_by_customer, 3" → ["duplicate", "requested_by_customer", 3]; empty →
 * none; text starting with `[` is a JSON array (an empty list, objects). Throws on a JSON
 * array that does not parse.
 */
export function parseOneOf(text: string): JsonValue[] | null {
  if (!text.trim()) return null;
  if (text.trim().startsWith("[")) {
    const v = JSON.parse(text) as unknown;
    if (!Array.isArray(v)) throw new Error("not a JSON array");
    return v as JsonValue[];
  }
  const items: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === "\\" && i + 1 < text.length) {
      // An escape inside a quoted item: the next character is part of it, quote or not.
      current += c + text[i + 1];
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === "," && !quoted) {
      items.push(current);
      current = "";
    } else current += c;
  }
  items.push(current);
  return items.filter((i) => i.trim() !== "").map(parseItem);
}

export function formatOneOf(values: JsonValue[] | null | undefined): string {
  if (!values) return "";
  return asJson(values) ? JSON.stringify(values) : values.map(formatValue).join(", ");
}

const orNull = (s: string): string | null => (s.trim() === "" ? null : s.trim());

export function toForm(file: PolicyFile): FormPolicy {
  return {
    servers: Object.entries(file.servers).map(([name, sp]) => ({
      name,
      customerId: sp.customer_id,
      tools: Object.entries(sp.tools).map(([tool, tp]) => {
        const t = emptyTool(tool);
        t.approver = tp.approver;
        if (tp.amount) {
          t.hasAmount = true;
          t.amount = {
            pointer: tp.amount.pointer,
            unit: tp.amount.unit,
            currency: tp.amount.currency,
            currencyPointer: tp.amount.currency_pointer ?? "",
            agentLimit: tp.amount.agent_limit,
            supervisorLimit: tp.amount.supervisor_limit ?? "",
          };
        }
        t.constraints = (tp.constraints ?? []).map((c) => ({
          pointer: c.pointer,
          required: c.required,
          oneOf: formatOneOf(c.one_of),
          oneOfLoaded: c.one_of ?? null,
          minimum: c.minimum ?? null,
          maximum: c.maximum ?? null,
          pattern: c.pattern ?? "",
          maxLength: c.max_length ?? null,
        }));
        if (tp.ownership) {
          t.hasOwnership = true;
          t.ownership = {
            argument: tp.ownership.argument,
            readTool: tp.ownership.read_tool,
            readArguments: Object.entries(tp.ownership.read_arguments).map(([name, pointer]) => ({ name, pointer })),
            ownerPointer: tp.ownership.owner_pointer,
          };
        }
        t.resultOwnerPointer = tp.result_owner_pointer ?? "";
        return t;
      }),
    })),
  };
}

/** A number input left empty (or cleared) binds as null or NaN: both mean "no such rule". */
const num = (n: number | null | undefined): number | null => (typeof n === "number" && Number.isFinite(n) ? n : null);

export function fromForm(form: FormPolicy): PolicyFile {
  const servers: PolicyFile["servers"] = {};
  for (const s of form.servers) {
    const tools: Record<string, ToolPolicy> = {};
    for (const t of s.tools) {
      const constraints: Constraint[] = t.constraints.map((c) => ({
        pointer: c.pointer.trim(),
        required: c.required,
        one_of: c.oneOf === formatOneOf(c.oneOfLoaded) ? c.oneOfLoaded : parseOneOf(c.oneOf),
        minimum: num(c.minimum),
        maximum: num(c.maximum),
        // Not trimmed: a space at either end of a regular expression is part of it.
        pattern: c.pattern === "" ? null : c.pattern,
        max_length: num(c.maxLength),
      }));
      tools[t.name] = {
        approver: t.approver,
        amount: t.hasAmount
          ? {
              pointer: t.amount.pointer.trim(),
              unit: t.amount.unit,
              currency: t.amount.currency.trim(),
              currency_pointer: orNull(t.amount.currencyPointer),
              agent_limit: t.amount.agentLimit.trim(),
              supervisor_limit: orNull(t.amount.supervisorLimit),
            }
          : null,
        constraints,
        ownership: t.hasOwnership
          ? {
              argument: t.ownership.argument.trim(),
              read_tool: t.ownership.readTool.trim(),
              read_arguments: Object.fromEntries(
                t.ownership.readArguments.filter((a) => a.name.trim() !== "").map((a) => [a.name.trim(), a.pointer.trim()]),
              ),
              owner_pointer: t.ownership.ownerPointer.trim(),
            }
          : null,
        result_owner_pointer: orNull(t.resultOwnerPointer),
      };
    }
    servers[s.name] = { customer_id: s.customerId, tools };
  }
  return { servers };
}
