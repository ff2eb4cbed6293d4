import { describe, expect, it } from "vitest";
import type { AuditEntry } from "../src/lib/bindings/AuditEntry";
import type { AuditKind } from "../src/lib/bindings/AuditKind";
import { settingsDetail, settingsKindLabel } from "../src/lib/settingsChanges";

const entry = (kind: AuditKind, payload: unknown): AuditEntry => ({
  seq: 1,
  at_ms: 0,
  actor: "sam",
  kind,
  subject: "workspace",
  payload: payload as AuditEntry["payload"],
});

describe("settings changes", () => {
  it("names a team system's server by its command or URL, as recorded", () => {
    expect(settingsDetail(entry("settings.tool_server", { server: "billing", transport: "stdio", program: "python", args: ["server.py", "API_KEY=[withheld]"], trust_read_only_hints: false })).line).toBe(
      "billing (stdio): python server.py API_KEY=[withheld]",
    );
    expect(settingsDetail(entry("settings.tool_server", { server: "crm", transport: "http", url: "https://crm.example.com/mcp", trust_read_only_hints: true })).line).toBe(
      "crm (http): https://crm.example.com/mcp · read-only hints trusted",
    );
  });

  it("says what a class and a role became", () => {
    expect(settingsDetail(entry("settings.tool_class", { server: "billing", tool: "get_charge", class: "read", hash: "ab" })).line).toBe("billing/get_charge is now read");
    expect(settingsDetail(entry("staff.role_set", { name: "ana", role: "supervisor" })).line).toBe("ana is now supervisor");
  });

  it("keeps a policy's whole text for the detail, and says when it was emptied", () => {
    const text = "[servers.billing]\ncustomer_id = \"email\"\n";
    expect(settingsDetail(entry("settings.tool_policy", { text }))).toEqual({ line: "2 lines", block: text });
    expect(settingsDetail(entry("settings.tool_policy", { text: "" })).line).toBe("emptied: every write refused");
  });

  it("says where eval cases go and whether redacted, or that sync is off", () => {
    expect(settingsDetail(entry("settings.sync", { endpoint: "https://evals.example.com", redact: false })).line).toBe("to https://evals.example.com, not redacted");
    expect(settingsDetail(entry("settings.sync", { endpoint: "", redact: true })).line).toBe("off");
  });

  it("names the batch sent again and how it had been refused", () => {
    expect(settingsDetail(entry("sync.requeued", { batch: "b-1", refused_with: 422 })).line).toBe("batch b-1 (refused with HTTP 422)");
    expect(settingsKindLabel("settings.webhook")).toBe("Reply webhook changed");
  });

  it("shows any other record's fields, and nested values in the detail", () => {
    const mailbox = settingsDetail(entry("settings.mailbox", { imap_host: "imap.example.com", imap_port: 993, folder: null }));
    expect(mailbox).toEqual({ line: "imap host: imap.example.com, imap port: 993, folder: none", block: null });
    const limits = settingsDetail(entry("policy.changed", { agent: { cancel_pending_order: 200 } }));
    expect(limits.line).toBe("see the detail");
    expect(JSON.parse(limits.block!)).toEqual({ agent: { cancel_pending_order: 200 } });
    expect(settingsKindLabel("policy.changed")).toBe("Approval limits changed");
    expect(settingsKindLabel("conversation.closed")).toBeTruthy();
  });
});
