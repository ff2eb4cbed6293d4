import { describe, expect, it } from "vitest";
import { actionFor, move } from "../src/lib/keymap";

describe("keyboard map", () => {
  it("maps the documented keys", () => {
    const table: Array<[string, string | null]> = [
      ["j", "next"],
      ["k", "previous"],
      ["ArrowDown", "next"],
      ["Enter", "open"],
      ["a", "approve"],
      ["A", "approveAll"],
      ["c", "closeConversation"],
      ["w", "writeReply"],
      ["e", "edit"],
      ["r", "reject"],
      ["x", "escalate"],
      ["?", "help"],
      ["Escape", "close"],
      ["q", null],
    ];
    for (const [key, want] of table) expect(actionFor({ key }), key).toBe(want);
  });

  it("does nothing while typing, except Escape", () => {
    expect(actionFor({ key: "a", targetTag: "INPUT" })).toBeNull();
    expect(actionFor({ key: "r", targetTag: "textarea" })).toBeNull();
    expect(actionFor({ key: "j", targetEditable: true })).toBeNull();
    expect(actionFor({ key: "Escape", targetTag: "INPUT" })).toBe("close");
  });

  it("leaves browser and OS shortcuts alone", () => {
    expect(actionFor({ key: "a", ctrlKey: true })).toBeNull();
    expect(actionFor({ key: "r", metaKey: true })).toBeNull();
  });

  it("saves the reply with Ctrl+S or ⌘S, also while typing it", () => {
    expect(actionFor({ key: "s", ctrlKey: true, targetTag: "TEXTAREA" })).toBe("save");
    expect(actionFor({ key: "S", ctrlKey: true })).toBe("save");
    expect(actionFor({ key: "s", metaKey: true })).toBe("save");
    expect(actionFor({ key: "s", ctrlKey: true, altKey: true })).toBeNull();
    expect(actionFor({ key: "s" })).toBeNull();
  });

  it("moves within the list and stops at its ends", () => {
    expect(move(0, 3, "next")).toBe(1);
    expect(move(2, 3, "next")).toBe(2);
    expect(move(0, 3, "previous")).toBe(0);
    expect(move(0, 0, "next")).toBe(0);
  });
});
