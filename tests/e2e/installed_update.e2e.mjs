// The installed app's update flow through its own window (run by scripts/test-package.sh, with
// the app built to trust a throwaway key and to ask a loopback server). The server's
// latest.json is swapped between steps: an update whose bytes were altered and one whose
// signature was altered are both refused with update_signature_invalid and nothing is
// installed; Help → Check for updates says when the app is current.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { remote } from "webdriverio";

const WWW = process.env.WWW;
const SHOTS = new URL("./screenshots/", import.meta.url).pathname;
const serve = (name) => copyFileSync(join(WWW, name), join(WWW, "latest.json"));
let browser;
const $ = (sel) => browser.$(sel);

before(async () => {
  serve("bad-bytes.json");
  browser = await remote({
    hostname: "127.0.0.1",
    port: 4444,
    logLevel: "error",
    capabilities: { "tauri:options": { application: process.env.APP } },
  });
});

after(async () => {
  await browser?.deleteSession();
});

async function installIsRefused(shot) {
  await (await $('[data-testid="update-install"]')).click();
  const error = await $('[data-testid="error"][data-code="update_signature_invalid"]');
  await error.waitForExist({ timeout: 60_000 });
  const text = await error.getText();
  assert.match(text, /Update refused: it is not signed by Countersign's release key/);
  if (shot) await browser.saveScreenshot(join(SHOTS, `${shot}.png`));
  await (await error.$('button[aria-label="Dismiss"]')).click();
}

test("the start-up check shows the new version and what is new", async () => {
  const banner = await $('[data-testid="update-available"]');
  await banner.waitForExist({ timeout: 30_000 });
  assert.match(await banner.getText(), /Countersign 9\.9\.9 is available/);
  assert.match(await (await $('[data-testid="update-notes"]')).getText(), /Signed updates\./);
});

test("an update whose bytes were altered is refused", async () => {
  await installIsRefused("installed-update-refused");
});

test("an update whose signature was altered is refused", async () => {
  serve("bad-signature.json");
  await installIsRefused();
});

test("Help → Check for updates says when the app is current", async () => {
  serve("current.json");
  await (await $('button[aria-label="Keyboard shortcuts"]')).click();
  await (await $('[data-testid="check-updates"]')).click();
  const none = await $('[data-testid="update-none"]');
  await none.waitForExist({ timeout: 30_000 });
  assert.match(await none.getText(), /is the newest version/);
});
