// A typed form from a tool's JSON schema (derived from the Rust argument types): one field per
// property, of the kind the schema says. Pure functions, unit-tested.

export type FieldKind = "text" | "list" | "number" | "boolean";

export interface Field {
  name: string;
  kind: FieldKind;
  required: boolean;
  description: string;
  /** For lists: at least this many entries. */
  minItems: number;
}

type Schema = {
  properties?: Record<string, SchemaProp>;
  required?: string[];
};
type SchemaProp = { type?: string | string[]; description?: string; minItems?: number; items?: SchemaProp };

function typeOf(p: SchemaProp): string {
  return Array.isArray(p.type) ? (p.type.find((t) => t !== "null") ?? "string") : (p.type ?? "string");
}

export function fieldsOf(schema: unknown): Field[] {
  const s = (schema ?? {}) as Schema;
  const required = new Set(s.required ?? []);
  return Object.entries(s.properties ?? {}).map(([name, p]) => {
    const t = typeOf(p);
    const kind: FieldKind = t === "array" ? "list" : t === "number" || t === "integer" ? "number" : t === "boolean" ? "boolean" : "text";
    return { name, kind, required: required.has(name), description: p.description ?? "", minItems: p.minItems ?? 0 };
  });
}

/** Form values are strings; lists are one entry per line. */
export type FormValues = Record<string, string>;

export function toForm(fields: Field[], args: Record<string, unknown>): FormValues {
  const out: FormValues = {};
  for (const f of fields) {
    const v = args[f.name];
    out[f.name] = f.kind === "list" ? (Array.isArray(v) ? v.map(String).join("\n") : "") : v === undefined || v === null ? "" : String(v);
  }
  return out;
}

export interface FormProblem {
  field: string;
  message: string;
}

/** Turns form values back into arguments, or says which fields are wrong. */
export function fromForm(fields: Field[], values: FormValues): { args: Record<string, unknown> } | { problems: FormProblem[] } {
  const args: Record<string, unknown> = {};
  const problems: FormProblem[] = [];
  for (const f of fields) {
    const raw = values[f.name] ?? "";
    if (f.kind === "list") {
      const items = raw.split("\n").map((s) => s.trim()).filter((s) => s.length > 0);
      if (items.length < f.minItems) problems.push({ field: f.name, message: `needs at least ${f.minItems} entr${f.minItems === 1 ? "y" : "ies"}` });
      args[f.name] = items;
    } else if (f.kind === "number") {
      const n = Number(raw);
      if (raw.trim() === "" || Number.isNaN(n)) problems.push({ field: f.name, message: "must be a number" });
      args[f.name] = n;
    } else if (f.kind === "boolean") {
      args[f.name] = raw === "true";
    } else {
      // address2 may legitimately be empty; other required text must not be.
      if (f.required && raw.trim() === "" && f.name !== "address2") problems.push({ field: f.name, message: "is required" });
      args[f.name] = raw;
    }
  }
  return problems.length ? { problems } : { args };
}

/** Human label for a snake_case field name. */
export function label(name: string): string {
  const s = name.replace(/_ids?$/, (m) => (m === "_ids" ? " IDs" : " ID")).replace(/_/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}
