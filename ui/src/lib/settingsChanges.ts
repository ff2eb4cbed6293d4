// Words for the history's settings changes (audit records about the workspace itself), kept
// out of the component so they can be tested. Payloads are what the core recorded; a kind this
// file does not know is still shown, generically.
import type { AuditEntry } from "./bindings/AuditEntry";
import type { AuditKind } from "./bindings/AuditKind";
import { humanize } from "./labels";

export const SETTINGS_KIND_LABELS: Partial<Record<AuditKind, string>> = {
  "policy.changed": "Approval limits changed",
  "settings.provider": "LLM provider changed",
  "settings.caps": "Planner limits changed",
  "settings.mailbox": "Mailbox changed",
  "settings.credential_set": "Credential stored",
  "settings.credential_removed": "Credential removed",
  "staff.role_set": "Role assigned",
  "settings.sync": "Eval sync changed",
  "sync.requeued": "Eval batch sent again",
  "settings.webhook": "Reply webhook changed",
  "settings.tool_server": "Team system added",
  "settings.tool_class": "Tool classified",
  "settings.tool_policy": "Team systems' policy replaced",
};

export function settingsKindLabel(kind: AuditKind): string {
  return SETTINGS_KIND_LABELS[kind] ?? humanize(kind);
}

/** One line for the table, and a block (shown on demand) when there is more to read. */
export type SettingsDetail = { line: string; block: string | null };

type Obj = Record<string, unknown>;

const str = (v: unknown): string => (v === null || v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v));

/** Scalar fields as "name: value", in the order recorded. */
function fields(p: Obj): string {
  return Object.entries(p)
    .filter(([, v]) => v === null || typeof v !== "object")
    .map(([k, v]) => `${humanize(k).toLowerCase()}: ${v === null ? "none" : str(v)}`)
    .join(", ");
}

export function settingsDetail(e: AuditEntry): SettingsDetail {
  const p: Obj = e.payload !== null && typeof e.payload === "object" && !Array.isArray(e.payload) ? (e.payload as Obj) : {};
  switch (e.kind) {
    case "settings.tool_server": {
      const address = p.transport === "http" ? str(p.url) : [str(p.program), ...((p.args as unknown[]) ?? []).map(str)].join(" ");
      return { line: `${str(p.server)} (${str(p.transport)}): ${address}${p.trust_read_only_hints ? " · read-only hints trusted" : ""}`, block: null };
    }
    case "settings.tool_class":
      return { line: `${str(p.server)}/${str(p.tool)} is now ${str(p.class)}`, block: null };
    case "settings.tool_policy": {
      const text = str(p.text);
      const lines = text.split("\n").filter((l) => l.trim()).length;
      return { line: text.trim() ? `${lines} ${lines === 1 ? "line" : "lines"}` : "emptied: every write refused", block: text || null };
    }
    case "settings.credential_set":
    case "settings.credential_removed":
      return { line: str(p.name), block: null };
    case "staff.role_set":
      return { line: `${str(p.name)} is now ${str(p.role)}`, block: null };
    case "settings.sync":
      return { line: p.endpoint ? `to ${str(p.endpoint)}${p.redact === false ? ", not redacted" : ", redacted"}` : "off", block: null };
    case "sync.requeued":
      return { line: `batch ${str(p.batch)}${p.refused_with ? ` (refused with HTTP ${str(p.refused_with)})` : ""}`, block: null };
    default: {
      const nested = Object.values(p).some((v) => v !== null && typeof v === "object");
      return { line: fields(p) || (nested ? "see the detail" : ""), block: nested ? JSON.stringify(p, null, 2) : null };
    }
  }
}
