import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import type { UpdateStatus } from "../src/lib/bindings/UpdateStatus";

const updateCheck = vi.fn<() => Promise<UpdateStatus>>();
const updateInstall = vi.fn<() => Promise<null>>();
vi.mock("../src/lib/ipc", () => ({ ipc: { updateCheck: () => updateCheck(), updateInstall: () => updateInstall() } }));

const available: UpdateStatus = {
  current_version: "0.1.0",
  available: { version: "0.2.0", notes: "Faster queue.\nSigned updates.", pub_date: "2026-11-29T12:00:00Z" },
};

async function mount() {
  const { default: Update } = await import("../src/components/Update.svelte");
  return render(Update).component as unknown as { check: (manual: boolean) => Promise<void> };
}

describe("Update", () => {
  afterEach(() => {
    cleanup();
    updateCheck.mockReset();
    updateInstall.mockReset();
  });

  it("shows what is new, and a refused install by its code", async () => {
    updateCheck.mockResolvedValue(available);
    updateInstall.mockRejectedValue({ code: "update_signature_invalid", message: "the update was refused: bad signature" });
    const update = await mount();
    await update.check(false);
    const banner = await screen.findByTestId("update-available");
    expect(banner.textContent).toContain("Countersign 0.2.0 is available");
    expect(banner.textContent).toContain("you have 0.1.0");
    expect(screen.getByTestId("update-notes").textContent).toBe("Faster queue.\nSigned updates.");
    await fireEvent.click(screen.getByTestId("update-install"));
    const error = await screen.findByTestId("error");
    expect(error.dataset.code).toBe("update_signature_invalid");
    expect(error.textContent).toContain("Update refused: it is not signed by Countersign's release key");
    // The offer stays: nothing was installed.
    expect(screen.getByTestId("update-available")).toBeTruthy();
  });

  it("stays quiet at start when the server cannot be reached, and says so when asked", async () => {
    updateCheck.mockRejectedValue({ code: "update_unreachable", message: "no route" });
    const update = await mount();
    await update.check(false);
    expect(screen.queryByTestId("error")).toBeNull();
    await update.check(true);
    await waitFor(() => expect(screen.getByTestId("error").dataset.code).toBe("update_unreachable"));
  });

  it("says the app is current only when asked", async () => {
    updateCheck.mockResolvedValue({ current_version: "0.1.0", available: null });
    const update = await mount();
    await update.check(false);
    expect(screen.queryByTestId("update-none")).toBeNull();
    await update.check(true);
    expect((await screen.findByTestId("update-none")).textContent).toContain("0.1.0 is the newest version");
  });
});
