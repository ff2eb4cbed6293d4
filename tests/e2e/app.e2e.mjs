// End-to-end tests of the real Countersign binary: WebdriverIO → tauri-driver → WebKitWebDriver.
// Run by tests/e2e/run.sh, which provides an isolated workspace, keychain and notification bus.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { remote } from "webdriverio";

const SHOTS = new URL("./screenshots/", import.meta.url).pathname;
let browser;

before(async () => {
  browser = await remote({
    hostname: "127.0.0.1",
    port: 4444,
    logLevel: "error",
    capabilities: { "tauri:options": { application: process.env.APP } },
  });
  await browser.$('[data-testid="queue-item"]').waitForExist({ timeout: 30_000 });
});

after(async () => {
  await browser?.deleteSession();
});

const $ = (sel) => browser.$(sel);
const shot = (name) => browser.saveScreenshot(join(SHOTS, `${name}.png`));

// axe-core (npm), injected into the page through WebDriver: every screen is checked, in both
// themes, and a serious or critical violation fails the test that showed the screen.
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

async function axeViolations() {
  if (!(await browser.execute(() => typeof window.axe === "object"))) await browser.execute(AXE_SOURCE);
  return browser.executeAsync((done) => {
    window.axe
      .run(document, { resultTypes: ["violations"] })
      .then((r) =>
        done({
          passes: r.passes.length,
          violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 4).map((n) => `${n.target.join(" ")}: ${n.failureSummary ?? ""}`) })),
        }),
      )
      .catch((e) => done({ passes: 0, violations: [{ id: "axe-failed", impact: "critical", help: String(e), nodes: [] }] }));
  });
}

/** Fails on any serious or critical accessibility violation on the screen shown now; lists
 * the lesser ones in the test's output. */
async function assertAccessible(screen) {
  const { passes, violations } = await axeViolations();
  assert.ok(passes > 0, `${screen}: axe checked nothing`);
  const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(bad, [], `${screen}: ${JSON.stringify(bad, null, 1)}`);
  const minor = violations.map((v) => `${v.id} (${v.impact})`);
  console.log(`axe ${screen}: ${passes} rules pass${minor.length ? `; lesser findings: ${minor.join(", ")}` : ""}`);
}

const setTheme = (theme) =>
  browser.execute((t) => {
    if (t) document.documentElement.dataset.theme = t;
    else delete document.documentElement.dataset.theme;
  }, theme);

// The screenshots in docs/screenshots/: each screen in light and dark, at two window sizes.
const GALLERY = new URL("../../docs/screenshots/", import.meta.url).pathname;
const SIZES = [
  [1280, 800],
  [1024, 700],
];

/** Checks the screen shown now with axe in both themes and photographs it for the docs. */
async function gallery(name) {
  mkdirSync(GALLERY, { recursive: true });
  const before = await browser.getWindowSize();
  // Each screen from its top, as a person arriving on it sees it.
  await browser.execute(() => {
    window.scrollTo(0, 0);
    document.querySelectorAll(".detail").forEach((e) => (e.scrollTop = 0));
  });
  try {
    for (const theme of ["light", "dark"]) {
      await setTheme(theme);
      await assertAccessible(`${name} (${theme})`);
      for (const [width, height] of SIZES) {
        await browser.setWindowSize(width, height);
        await browser.pause(250);
        await browser.saveScreenshot(join(GALLERY, `${name}-${theme}-${width}x${height}.png`));
      }
    }
  } finally {
    await setTheme(null);
    await browser.setWindowSize(before.width, before.height);
  }
}

async function openQueue() {
  await (await $('[data-testid="tab-queue"]')).click();
  await (await $('[data-testid="queue-item"]')).waitForExist({ timeout: 10_000 });
}

/** Opens the first waiting conversation whose row lists an open action matching `text` (its
 * tool and amount); returns the conversation's id. */
async function openProposal(text) {
  await openQueue();
  for (const row of await browser.$$('[data-testid="queue-item"]')) {
    if ((await row.getText()).includes(text)) {
      const id = await row.getAttribute("data-conversation");
      await row.click();
      await browser.waitUntil(async () => (await (await $('[data-testid="review"]')).isExisting()), { timeout: 10_000 });
      await (await $('[data-testid="approve"]')).waitForExist({ timeout: 10_000 });
      return id;
    }
  }
  throw new Error(`no open proposal mentions ${text}`);
}

async function notice() {
  const el = await $('[data-testid="notice"]');
  await el.waitForExist({ timeout: 10_000 });
  return el.getText();
}

async function historyRows() {
  await (await $('[data-testid="tab-history"]')).click();
  await (await $('[data-testid="history-table"]')).waitForExist({ timeout: 10_000 });
  await browser.pause(300);
  const rows = [];
  for (const r of await browser.$$('[data-testid="history-row"]')) {
    rows.push({ kind: await r.getAttribute("data-kind"), tool: await r.getAttribute("data-tool"), text: await r.getText() });
  }
  return rows;
}

test("the app opens on the demo workspace", async () => {
  assert.equal(await browser.getTitle(), "Countersign");
  assert.ok(await (await $('[data-testid="demo-marker"]')).isExisting());
  assert.ok(Number(await (await $('[data-testid="open-count"]')).getText()) > 0);
  await shot("queue");
  await gallery("queue");
});

test("approve a proposal and see the audit entry", async () => {
  await openProposal("Change shipping address");
  await shot("review");
  await gallery("review");
  await (await $('[data-testid="approve"]')).click();
  assert.match(await notice(), /Approved and executed/);
  const rows = await historyRows();
  const approved = rows.find((r) => r.kind === "approved" && r.tool === "modify_pending_order_address" && r.text.includes("Change shipping address"));
  assert.ok(approved, JSON.stringify(rows));
  assert.match(approved.text, /e2e-agent/);
  await shot("history");
  // The decision's evidence, opened: the same readable changes as the review.
  await (await $('[data-testid="history-row"][data-kind="approved"][data-tool="modify_pending_order_address"] [data-testid="history-expand"]')).click();
  await (await $('[data-testid="history-detail"] [data-testid="change"]')).waitForExist({ timeout: 10_000 });
  assert.match(await (await $('[data-testid="history-detail"]')).getText(), /Shipping address/);
  await gallery("history");
});

test("an edit that breaks policy is refused", async () => {
  const id = await openProposal("Cancel order $22.29");
  await browser.keys(["e"]);
  const reason = await $('[data-testid="action-form"] input[name="reason"]');
  await reason.waitForEnabled();
  await reason.clearValue();
  await reason.setValue("found it cheaper elsewhere");
  await (await $('[data-testid="approve-edited"]')).click();
  const err = await $('[data-testid="error"]');
  await err.waitForExist({ timeout: 10_000 });
  assert.equal(await err.getAttribute("data-code"), "policy_violation");
  assert.match(await err.getText(), /Refused by policy/);
  await shot("edit-refused");
  // Nothing executed: the conversation still waits with that action open.
  await openQueue();
  const row = await $(`[data-testid="queue-item"][data-conversation="${id}"]`);
  assert.ok(await row.isExisting());
  assert.match(await row.getText(), /Cancel order \$22\.29/);
});

test("reject with a reason", async () => {
  await openProposal("Return items");
  await browser.keys(["r"]);
  const input = await $('[data-testid="reject-reason"]');
  await input.waitForExist();
  await input.setValue("customer withdrew the request by phone");
  await (await $('[data-testid="reject-submit"]')).click();
  assert.match(await notice(), /Rejected/);
  const rows = await historyRows();
  assert.ok(rows.some((r) => r.kind === "rejected" && r.text.includes("customer withdrew the request by phone")), JSON.stringify(rows));
});

test("escalate to a supervisor", async () => {
  await openProposal("Exchange items");
  await browser.keys(["x"]);
  assert.match(await notice(), /Escalated/);
  await openQueue();
  // The conversation now waits for a supervisor.
  assert.match(await (await $('[data-testid="queue-counts"]')).getText(), /Supervisor\s*1/);
  await shot("escalated");
});

/** Runs the CLI on the app's workspace, as an administrator at the same desk would. */
const workspaceCli = (...args) =>
  execFileSync(process.env.CLI, ["--data-dir", join(process.env.E2E_TMP, "data", "app.countersign.desk"), ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });

test("an API key goes to the keychain and nowhere else", async () => {
  const secret = "sk-e2e-countersign-SECRET-4242";
  await (await $('[data-testid="tab-settings"]')).click();
  // Who decides is the OS account the app runs as; the role is shown, not chosen.
  await (await $('[data-testid="operator"]')).waitForExist();
  assert.match(await (await $('[data-testid="operator"]')).getText(), /Signed in as e2e-agent, role agent/);
  assert.ok(!(await (await $('[data-testid="pref-role"]')).isExisting()), "no role picker");
  const input = await $('[data-testid="api-key"]');
  await input.waitForExist();
  // An agent may not replace the team's key (it decides where requests go and who pays): the
  // core refuses before the keychain is touched, and the screen says so by code.
  await input.setValue(secret);
  await (await $('[data-testid="save-api-key"]')).click();
  const refused = await $('[data-testid="error"]');
  await refused.waitForExist({ timeout: 10_000 });
  assert.equal(await refused.getAttribute("data-code"), "not_permitted");
  const none = execFileSync("secret-tool", ["search", "--all", "service", "app.countersign.desk"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  assert.doesNotMatch(none, new RegExp(secret), "nothing reached the keychain");
  // As a supervisor (assigned by an administrator, then handed back below) the key is stored.
  workspaceCli("--actor", "e2e-admin", "staff", "set", "e2e-agent", "--role", "supervisor");
  await input.setValue(secret);
  await (await $('[data-testid="save-api-key"]')).click();
  await browser.waitUntil(async () => (await (await $('[data-testid="api-key-status"]')).getText()).includes("A key is set"), { timeout: 10_000 });
  assert.equal(await input.getValue(), "", "the field is cleared at once");
  await shot("settings");
  await gallery("settings");
  // In the real Secret Service...
  const found = execFileSync("secret-tool", ["search", "--all", "service", "app.countersign.desk"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  assert.match(found, new RegExp(secret));
  // ...and in no file the app wrote.
  const dirs = ["data", "config", "cache"].map((d) => join(process.env.E2E_TMP, d));
  const hits = [];
  const walk = (p) => {
    if (!existsSync(p)) return;
    if (statSync(p).isDirectory()) return readdirSync(p).forEach((f) => walk(join(p, f)));
    if (p.includes("/keyrings/")) return; // gnome-keyring's own encrypted store
    if (readFileSync(p).includes(secret)) hits.push(p);
  };
  dirs.forEach(walk);
  assert.deepEqual(hits, []);
  // The web view cannot read it back: the page holds no copy.
  assert.ok(!(await browser.execute(() => document.documentElement.outerHTML)).includes(secret));
  // Back to an agent, as the later tests expect (with no supervisor left, an administrator can
  // assign the first one again).
  workspaceCli("--actor", "e2e-agent", "staff", "set", "e2e-agent", "--role", "agent");
});

test("a new conversation waiting raises one notification; clicking it opens the conversation", async () => {
  await openQueue();
  const before = Number(await (await $('[data-testid="open-count"]')).getText());
  // A customer of the demo shop with a pending order (fixed data: the demo shop is generated
  // from a seed), asking for something the rules planner proposes.
  const c = { from: "bruno.ulloa41@example.com", input: "We have no use for order #W2546220 now; please cancel it." };
  const mail = join(process.env.E2E_TMP, "new.eml");
  execFileSync("bash", ["-c", `printf 'From: %s\\r\\nSubject: cancel\\r\\n\\r\\n%s\\r\\n' "$1" "$2" > "$3"`, "_", c.from, c.input, mail]);
  // Notifications are for when the agent is elsewhere: take the focus away from the window.
  await browser.minimizeWindow();
  const dataDir = join(process.env.E2E_TMP, "data", "app.countersign.desk");
  execFileSync(process.env.CLI, ["--data-dir", dataDir, "ingest", mail, "--channel", "email"], { stdio: ["ignore", "ignore", "inherit"] });
  let recorded = [];
  await browser.waitUntil(
    () => {
      recorded = existsSync(process.env.NOTIFICATIONS) ? readFileSync(process.env.NOTIFICATIONS, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)) : [];
      return recorded.some((n) => /conversations? waiting/i.test(n.summary));
    },
    { timeout: 20_000, timeoutMsg: "no notification recorded" },
  );
  assert.ok(recorded.some((n) => n.body.includes("Cancel order")), JSON.stringify(recorded));
  const waiting = recorded.filter((n) => /conversations? waiting/i.test(n.summary));
  assert.equal(waiting.length, 1, "one notification per batch");
  // Clicking it brings the window back on that conversation.
  const conversation = waiting[0].body.match(/conversation (\d+)/)[1];
  execFileSync("dbus-send", ["--session", "--type=method_call", "--dest=org.freedesktop.Notifications", "/org/freedesktop/Notifications", "org.countersign.TestControl.Click", `uint32:${waiting[0].id}`]);
  await browser.waitUntil(async () => (await $(`[data-testid="review"][data-conversation="${conversation}"]`)).isExisting(), { timeout: 10_000, timeoutMsg: "the click did not open the conversation" });
  await browser.setWindowRect(0, 0, 1280, 840);
  // The queue updated live, without a reload.
  await browser.waitUntil(async () => Number(await (await $('[data-testid="open-count"]')).getText()) === before + 1, { timeout: 10_000 });
});

test("an LLM plans a queued request off the window, with the key from the keychain", async () => {
  const key = "sk-e2e-llm-KEY-7731-do-not-leak";
  const model = "fake-gpt-e2e";
  const dataDir = join(process.env.E2E_TMP, "data", "app.countersign.desk");
  const cli = (...args) => execFileSync(process.env.CLI, ["--data-dir", dataDir, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });

  // The provider, the planner mode and a price, through the settings screen.
  await (await $('[data-testid="tab-settings"]')).click();
  await (await $('[data-testid="provider-kind"]')).waitForExist({ timeout: 10_000 });
  await (await $('[data-testid="provider-kind"]')).selectByAttribute("value", "openai");
  const url = await $('[data-testid="provider-base-url"]');
  await url.clearValue();
  await url.setValue(process.env.FAKE_LLM_URL);
  const modelInput = await $('[data-testid="provider-model"]');
  await modelInput.clearValue();
  await modelInput.setValue(model);
  await (await $('[data-testid="planner-mode-llm"]')).click();
  await (await $('[data-testid="price-new-model"]')).setValue(model);
  await (await $('[data-testid="price-add"]')).click();
  const row = await $(`[data-testid="price-row"][data-model="${model}"]`);
  await row.waitForExist({ timeout: 5_000 });
  for (const [field, value] of [["price-input", "2.5"], ["price-output", "10"], ["price-cache-read", "1.25"], ["price-cache-write", "0"]]) {
    const input = await row.$(`[data-testid="${field}"]`);
    await input.clearValue();
    await input.setValue(value);
  }
  // An agent may not change the provider: the core refuses, the screen says so by code.
  await (await $('[data-testid="save-provider"]')).click();
  const refused = await $('[data-testid="error"]');
  await refused.waitForExist({ timeout: 10_000 });
  assert.equal(await refused.getAttribute("data-code"), "not_permitted");
  // An administrator makes this OS account a supervisor (the workspace's first one); the same
  // form then saves.
  cli("--actor", "e2e-admin", "staff", "set", "e2e-agent", "--role", "supervisor");
  await (await $('[data-testid="save-provider"]')).click();
  await browser.waitUntil(async () => (await (await $('[data-testid="saved"]')).isExisting()) && /Provider saved/.test(await (await $('[data-testid="saved"]')).getText()), { timeout: 10_000, timeoutMsg: "the provider was not saved" });

  // The key through the write-only field, into the real Secret Service.
  const keyInput = await $('[data-testid="api-key"]');
  await keyInput.setValue(key);
  await (await $('[data-testid="save-api-key"]')).click();
  await browser.waitUntil(async () => /API key stored/.test(await (await $('[data-testid="saved"]')).getText()), { timeout: 10_000 });
  assert.equal(await keyInput.getValue(), "");

  // Test connection: the saved settings and the keychain's key, read in Rust.
  await (await $('[data-testid="test-connection"]')).click();
  const ok = await $('[data-testid="connection-ok"]');
  await ok.waitForExist({ timeout: 20_000 });
  assert.match(await ok.getText(), new RegExp(`Connected: ${model}`));
  await shot("settings-llm");

  // A request recorded by the CLI and left to the app to plan.
  await openQueue();
  const mail = join(process.env.E2E_TMP, "status.eml");
  const from = "bruno.ulloa41@example.com";
  const body = "Hi, could you tell me where order #W2546220 is? Thanks, Bruno";
  execFileSync("bash", ["-c", `printf 'From: %s\\r\\nSubject: where is my order\\r\\n\\r\\n%s\\r\\n' "$1" "$2" > "$3"`, "_", from, body, mail]);
  const admitted = JSON.parse(cli("ingest", mail, "--channel", "email", "--queue", "--json"));
  assert.equal(admitted.planning, true);
  const id = admitted.conversation_id;
  // It shows at once as being planned (the fake provider takes 2 s per call)...
  const planningRow = await $(`[data-testid="planning-item"][data-conversation="${id}"]`);
  await planningRow.waitForExist({ timeout: 3_000, timeoutMsg: "the queued request did not show as planning" });
  assert.match(await planningRow.getText(), /Planning…/);
  await planningRow.click();
  await (await $(`[data-testid="review"][data-conversation="${id}"]`)).waitForExist({ timeout: 5_000 });
  assert.ok(await (await $('[data-testid="planning-status"]')).isExisting(), "the review says it is being planned");
  await shot("planning");
  // ...and fills in when the planner settles it, without a reload.
  const planner = await $('[data-testid="planner"]');
  await planner.waitForExist({ timeout: 30_000, timeoutMsg: "the plan never arrived" });
  assert.equal(await planner.getAttribute("data-planner"), "llm");
  assert.match(await planner.getText(), /Decided by: LLM planner/);
  assert.ok((await (await $('[data-testid="route-reason"]')).getText()).length > 0);
  assert.ok(!(await planningRow.isExisting()), "the planning row left the queue");
  // The steps: the model's calls with tokens, cost, attempts and breaker; the tool it asked for.
  const steps = [];
  for (const s of await browser.$$('[data-testid="step"]')) {
    steps.push({
      planner: await s.getAttribute("data-planner"),
      tool: await s.getAttribute("data-tool"),
      text: await s.getText(),
      tokens: await (await s.$('[data-testid="step-tokens"]')).getText(),
      cost: await (await s.$('[data-testid="step-cost"]')).getText(),
      call: await (await s.$('[data-testid="step-model-call"]')).getText(),
    });
  }
  const calls = steps.filter((s) => s.call.includes(model));
  assert.equal(calls.length, 2, JSON.stringify(steps));
  assert.ok(calls.every((s) => s.planner === "llm" && /1 attempt · breaker closed/.test(s.call)), JSON.stringify(calls));
  // 1200 prompt tokens of which 200 cached, 20 out: (1000 × 2.5 + 20 × 10 + 200 × 1.25) / 1e6.
  assert.equal(calls[0].tokens, "1000 in / 20 out / 200 cache read / 0 cache write");
  assert.equal(calls[0].cost, "$0.00295");
  // 1300 in, 60 out, 200 cached: (3250 + 600 + 250) / 1e6.
  assert.equal(calls[1].tokens, "1300 in / 60 out / 200 cache read / 0 cache write");
  assert.equal(calls[1].cost, "$0.0041");
  assert.ok(steps.some((s) => s.tool === "get_order_details" && s.text.includes("Look up order") && s.text.includes("#W2546220")), JSON.stringify(steps));
  assert.ok(steps.every((s) => s.cost !== "$0.00"), "no step shows a null cost as $0.00");
  assert.match(await (await $('[data-testid="draft"]')).getValue(), /order #W2546220 .* still pending/);
  await shot("review-llm");

  // The provider saw the key from the keychain on every call...
  const requests = readFileSync(process.env.FAKE_LLM_REQUESTS, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const planning = requests.filter((r) => r.tools.includes("get_order_details"));
  assert.equal(planning.length, 2, JSON.stringify(requests.map((r) => r.roles)));
  assert.ok(requests.length >= 3 && requests.every((r) => r.authorization === `Bearer ${key}` && r.model === model));
  // ...and it is in neither the workspace's database nor the app's log, nor any file it wrote.
  for (const f of ["countersign.db", "countersign.db-wal"].map((n) => join(dataDir, n))) {
    if (existsSync(f)) assert.ok(!readFileSync(f).includes(key), `the key is in ${f}`);
  }
  const log = join(process.env.E2E_TMP, "app.log");
  assert.ok(existsSync(log));
  assert.ok(!readFileSync(log, "utf8").includes(key), "the key is in the app log");
  assert.ok(!readFileSync(log, "utf8").includes(body), "the customer's words are in the app log");
  const hits = [];
  const walk = (p) => {
    if (!existsSync(p)) return;
    if (statSync(p).isDirectory()) return readdirSync(p).forEach((f) => walk(join(p, f)));
    if (p.includes("/keyrings/")) return;
    if (readFileSync(p).includes(key)) hits.push(p);
  };
  ["data", "config", "cache"].map((d) => join(process.env.E2E_TMP, d)).forEach(walk);
  assert.deepEqual(hits, []);
  assert.ok(!(await browser.execute(() => document.documentElement.outerHTML)).includes(key));
});

test("verify the audit chain from the history screen", async () => {
  await historyRows();
  await (await $('[data-testid="verify-audit"]')).click();
  const result = await $('[data-testid="verify-result"]');
  await result.waitForExist({ timeout: 10_000 });
  assert.equal(await result.getAttribute("data-ok"), "true");
  assert.match(await result.getText(), /Audit chain intact/);
  await shot("audit-verified");
});

test("the metrics screen", async () => {
  await (await $('[data-testid="tab-metrics"]')).click();
  // The figures over real work: the approval, the rejection and the escalation of the first
  // tests are counted (action precision is a ratio over them, not "—").
  const figures = await $('[data-testid="work-figures"]');
  await figures.waitForExist({ timeout: 10_000 });
  const precision = await $('[data-testid="work-figures"] td[data-figure^="Action precision"]');
  assert.match(await precision.getText(), /^\d+\.\d%$/);
  await browser.pause(500);
  await gallery("metrics");
});

/** A team eval store on 127.0.0.1: refuses the first request with 503 (the app must show the
 * error and keep the cases), then acknowledges; records every case it receives by id. */
async function startEvalStore() {
  const { createServer } = await import("node:http");
  const received = new Map();
  /** How many times each id arrived in an acknowledged request: a duplicate shows as 2. */
  const times = new Map();
  const requests = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      requests.push({ auth: req.headers.authorization, key: req.headers["idempotency-key"], type: req.headers["content-type"] });
      if (requests.length === 1) {
        res.writeHead(503, { "content-type": "text/plain" }).end("store warming up");
        return;
      }
      for (const line of body.split("\n").filter(Boolean)) {
        const c = JSON.parse(line);
        received.set(c.id, c);
        times.set(c.id, (times.get(c.id) ?? 0) + 1);
      }
      res.writeHead(200).end("ok");
    });
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return { url: `http://127.0.0.1:${server.address().port}/cases`, received, times, requests, close: () => server.close() };
}

test("a person gives a conversation's CSAT, and the decisions reach the eval store through a failure", async () => {
  const store = await startEvalStore();
  const token = "e2e-eval-store-TOKEN-7373";
  try {
    // CSAT on a conversation decided earlier (its action was approved in the first tests).
    await openQueue();
    const row = await $('[data-testid="queue-item"]');
    const conversation = await row.getAttribute("data-conversation");
    await row.click();
    const csat = await $('[data-testid="csat"]');
    await csat.waitForExist({ timeout: 10_000 });
    await (await $('[data-testid="csat-score-4"]')).click();
    await (await $('[data-testid="csat-comment"]')).setValue("quick and kind");
    await (await $('[data-testid="csat-save"]')).click();
    assert.match(await notice(), /Satisfaction recorded: 4 of 5/);
    await browser.waitUntil(async () => (await csat.getAttribute("data-score")) === "4", { timeout: 10_000 });
    assert.match(await (await $('[data-testid="csat-current"]')).getText(), /4 of 5.*e2e-agent/s);
    await shot("csat");
    await assertAccessible("csat");

    // Settings → Eval data: the cases wait on this machine.
    await (await $('[data-testid="tab-settings"]')).click();
    const status = await $('[data-testid="sync-status"]');
    await status.waitForExist({ timeout: 10_000 });
    const pending = Number(await status.getAttribute("data-pending"));
    // The approval, rejection and escalation of the first tests, and the score.
    assert.ok(pending >= 4, `decisions and the score wait to be sent (${pending})`);
    // Where eval data goes is a supervisor's setting: this OS account is one since the LLM
    // test (an administrator assigned it); said again here so the test stands on its own.
    workspaceCli("--actor", "e2e-agent", "staff", "set", "e2e-agent", "--role", "supervisor");
    await (await $('[data-testid="sync-token"]')).setValue(token);
    await (await $('[data-testid="save-sync-token"]')).click();
    await browser.waitUntil(async () => (await (await $('[data-testid="sync-token-status"]')).getText()).includes("A token is set"), { timeout: 10_000 });
    assert.equal(await (await $('[data-testid="sync-token"]')).getValue(), "", "the field is cleared at once");
    await (await $('[data-testid="sync-endpoint"]')).setValue(store.url);
    await (await $('[data-testid="save-sync"]')).click();
    // The first attempt is refused: the error is shown, nothing is lost.
    const err = await $('[data-testid="sync-error"]');
    await err.waitForExist({ timeout: 20_000, timeoutMsg: "the refused attempt was not shown" });
    assert.match(await err.getText(), /503/);
    assert.ok(Number(await status.getAttribute("data-pending")) >= pending);
    await shot("sync-error");
    await assertAccessible("eval data settings");
    // "Sync now" tries again at once; everything goes, and the error clears.
    await (await $('[data-testid="sync-now"]')).click();
    await browser.waitUntil(async () => (await status.getAttribute("data-pending")) === "0", { timeout: 20_000, timeoutMsg: "the outbox did not empty" });
    await (await $('[data-testid="sync-error"]')).waitForExist({ timeout: 10_000, reverse: true });
    await shot("sync-done");

    // The store holds every case once, the score among them, sent with the token.
    const cases = [...store.received.values()];
    assert.ok(cases.length >= pending, `${cases.length} cases received, ${pending} were waiting`);
    assert.deepEqual([...store.times.values()].filter((n) => n !== 1), [], "every case acknowledged once");
    const score = cases.find((c) => c.decision?.kind === "csat" && String(c.conversation_id) === conversation);
    assert.ok(score, JSON.stringify(cases.map((c) => c.decision?.kind)));
    assert.equal(score.csat, 4);
    assert.ok(cases.some((c) => c.decision?.kind === "approved"), "approved decisions are eval cases");
    assert.ok(store.requests.every((r) => r.auth === `Bearer ${token}` && r.type === "application/x-ndjson" && r.key));
    // The token is in the keychain, and not in the page.
    assert.ok(!(await browser.execute(() => document.documentElement.outerHTML)).includes(token));
  } finally {
    store.close();
  }
});

const BILLING_POLICY = `
[servers.billing]
customer_id = "email"

[servers.billing.tools.refund]
approver = "agent"

[servers.billing.tools.refund.amount]
pointer = "/amount"
unit = "minor"
currency = "usd"
currency_pointer = "/currency"
agent_limit = "50.00"
supervisor_limit = "500.00"

[servers.billing.tools.refund.ownership]
argument = "/charge"
read_tool = "get_charge"
read_arguments = { charge_id = "/charge" }
owner_pointer = "/customer"
`;

test("a refund on the team's billing system (MCP) waits in the review and reaches the server once, on approval", async () => {
  const root = new URL("../../", import.meta.url).pathname;
  const dataDir = join(process.env.E2E_TMP, "data", "app.countersign.desk");
  // The billing system: PyPI's mcp SDK (tests/mcp/billing_server.py), logging every call it
  // receives; its one charge belongs to a customer of the demo shop.
  const state = join(process.env.E2E_TMP, "billing");
  mkdirSync(state, { recursive: true });
  const customer = "bruno.ulloa41@example.com";
  writeFileSync(join(state, "charges.json"), JSON.stringify({ ch_e2e1: { id: "ch_e2e1", customer, amount: 4500, currency: "usd" } }));
  const python = join(root, "tests/mcp/.venv/bin/python");

  const refunds = () =>
    (existsSync(join(state, "calls.log")) ? readFileSync(join(state, "calls.log"), "utf8") : "")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .filter((c) => c.tool === "refund");

  // A supervisor (this OS account, since the LLM test) adds the server in Settings...
  await (await $('[data-testid="tab-settings"]')).click();
  const status = () => $('[data-testid="tool-servers-saved"]');
  await (await $('[data-testid="tool-server-name"]')).setValue("billing");
  await (await $('[data-testid="tool-server-address"]')).setValue(`env BILLING_STATE_DIR=${state} ${python} ${join(root, "tests/mcp/billing_server.py")}`);
  await (await $('[data-testid="tool-server-add"]')).click();
  await browser.waitUntil(async () => /billing added/.test(await (await status()).getText().catch(() => "")), { timeout: 10_000, timeoutMsg: "the server was not added" });
  // ...and writes its policy as TOML: one that does not parse is refused, and nothing is
  // written.
  await (await $('[data-testid="tool-policy-as-toml"]')).click();
  const policyBox = await $('[data-testid="tool-policy"]');
  // Pasted, as a person brings a policy file (typing through WebDriver drops the newlines).
  const paste = (text) =>
    browser.execute((t) => {
      const box = document.querySelector('[data-testid="tool-policy"]');
      box.value = t;
      box.dispatchEvent(new Event("input", { bubbles: true }));
    }, text);
  await paste("[servers.billing\n");
  await (await $('[data-testid="tool-policy-save"]')).click();
  const refused = await $('[data-testid="tool-servers"] [data-testid="error"]');
  await refused.waitForExist({ timeout: 10_000, timeoutMsg: "a broken policy was not refused" });
  assert.equal(await refused.getAttribute("data-code"), "policy_parse");
  assert.ok(!existsSync(join(dataDir, "mcp-policy.toml")), "nothing written");
  await paste(BILLING_POLICY);
  assert.equal(await policyBox.getValue(), BILLING_POLICY);
  await (await $('[data-testid="tool-policy-save"]')).click();
  await browser.waitUntil(async () => /Policy saved/.test(await (await status()).getText().catch(() => "")), { timeout: 10_000, timeoutMsg: "the policy was not saved" });
  assert.equal(readFileSync(join(dataDir, "mcp-policy.toml"), "utf8"), BILLING_POLICY);

  // Connecting lists the server's tools with our classes, not the server's hints: every new
  // tool starts as a write, the honest read too.
  await (await $('[data-testid="check-tool-servers"]')).click();
  const getCharge = await $('[data-testid="tool-servers"] [data-testid="tool"][data-tool="get_charge"]');
  await getCharge.waitForExist({ timeout: 20_000, timeoutMsg: "the billing server's tools were not listed" });
  assert.equal(await getCharge.getAttribute("data-class"), "write");
  // A supervisor (this OS account, since the LLM test) reviews it and classifies it a read.
  await (await getCharge.$('[data-testid="tool-class-choice"]')).selectByAttribute("value", "read");
  await (await getCharge.$('[data-testid="tool-classify"]')).click();
  await browser.waitUntil(async () => (await getCharge.getAttribute("data-class")) === "read", { timeout: 10_000, timeoutMsg: "the class was not saved" });
  const writes = [];
  for (const r of await browser.$$('[data-testid="tool-servers"] [data-testid="tool"][data-class="write"]')) writes.push(await r.getText());
  assert.ok(writes.some((t) => /refund/.test(t)), JSON.stringify(writes));
  // The same policy as a form shows the rules as written. A change saved through it is checked
  // by the core like the text (a ceiling under the agent limit is refused, nothing written),
  // then written as TOML, which the text view shows.
  const policyFile = join(dataDir, "mcp-policy.toml");
  await (await $('[data-testid="tool-policy-as-form"]')).click();
  const refundRules = await $('[data-testid="policy-server"][data-server="billing"] [data-testid="policy-tool"][data-tool="refund"]');
  await refundRules.waitForDisplayed({ timeout: 10_000, timeoutMsg: "the form did not show the refund's rules" });
  assert.equal(await (await refundRules.$('[data-testid="policy-agent-limit"]')).getValue(), "50.00");
  assert.equal(await (await refundRules.$('[data-testid="policy-read-tool"]')).getValue(), "get_charge");
  await assertAccessible("settings with the policy form");
  const ceiling = await refundRules.$('[data-testid="policy-supervisor-limit"]');
  await ceiling.setValue("40");
  await (await $('[data-testid="tool-policy-form-save"]')).click();
  const formRefused = await $('[data-testid="tool-policy-form"] [data-testid="error"]');
  await formRefused.waitForExist({ timeout: 10_000, timeoutMsg: "a ceiling under the agent limit was not refused" });
  assert.equal(await formRefused.getAttribute("data-code"), "policy_invalid");
  assert.equal(readFileSync(policyFile, "utf8"), BILLING_POLICY, "nothing written");
  await ceiling.setValue("400.00");
  await (await $('[data-testid="tool-policy-form-save"]')).click();
  await browser.waitUntil(async () => /Policy saved/.test(await (await $('[data-testid="tool-policy-form-saved"]')).getText().catch(() => "")), { timeout: 10_000, timeoutMsg: "the form's policy was not saved" });
  const written = readFileSync(policyFile, "utf8");
  assert.match(written, /supervisor_limit = "400\.00"/);
  assert.match(written, /agent_limit = "50\.00"/);
  assert.match(written, /read_tool = "get_charge"/);
  await (await $('[data-testid="tool-policy-as-toml"]')).click();
  await browser.waitUntil(async () => (await policyBox.getValue()) === written, { timeout: 10_000, timeoutMsg: "the text view did not show the saved policy" });
  // Nothing typed is lost between the views: an unsaved edit in the form survives a save from
  // the text view, which the form then offers to load.
  await (await $('[data-testid="tool-policy-as-form"]')).click();
  const agentLimit = await refundRules.$('[data-testid="policy-agent-limit"]');
  await agentLimit.setValue("55.00");
  await (await $('[data-testid="tool-policy-as-toml"]')).click();
  const reviewed = `# Reviewed by the billing team.\n${written}`;
  await paste(reviewed);
  await (await $('[data-testid="tool-policy-save"]')).click();
  await browser.waitUntil(async () => readFileSync(policyFile, "utf8") === reviewed, { timeout: 10_000, timeoutMsg: "the text view's policy was not saved" });
  await (await $('[data-testid="tool-policy-as-form"]')).click();
  const stale = await $('[data-testid="tool-policy-form-stale"]');
  await stale.waitForDisplayed({ timeout: 10_000, timeoutMsg: "the form did not say the file changed under its edit" });
  assert.equal(await agentLimit.getValue(), "55.00", "the unsaved edit was kept");
  await (await stale.$("button")).click();
  await browser.waitUntil(async () => (await agentLimit.getValue()) === "50.00", { timeout: 10_000, timeoutMsg: "the form did not reload the saved policy" });
  assert.ok(writes.some((t) => /customer_notes/.test(t)), "a 'read-only' hint that writes is not trusted");
  await shot("tool-servers");

  // The customer's request, left to the app's LLM planner (the fake provider asks for a refund).
  const mail = join(process.env.E2E_TMP, "refund.eml");
  execFileSync("bash", ["-c", `printf 'From: %s\\r\\nSubject: duplicate charge\\r\\n\\r\\n%s\\r\\n' "$1" "$2" > "$3"`, "_", customer, "Hi, charge ch_e2e1 was taken twice for one order. Could you refund $20 of it? Thanks, Bruno", mail]);
  const admitted = JSON.parse(workspaceCli("ingest", mail, "--channel", "email", "--queue", "--json"));
  // Opened while it is planned (the queue lists it first); the review fills in when the plan
  // is settled.
  await openQueue();
  const planningRow = await $(`[data-testid="planning-item"][data-conversation="${admitted.conversation_id}"]`);
  await planningRow.waitForExist({ timeout: 10_000, timeoutMsg: "the queued request did not show as planning" });
  await planningRow.click();
  await (await $(`[data-testid="review"][data-conversation="${admitted.conversation_id}"]`)).waitForExist({ timeout: 10_000 });
  const call = await $('[data-testid="external-call"]');
  await call.waitForExist({ timeout: 40_000, timeoutMsg: "the review shows no call to the billing system" });
  const args = await (await $('[data-testid="external-arguments"]')).getText();
  assert.match(args, /ch_e2e1/);
  assert.match(args, /2000/);
  assert.equal(refunds().length, 0, "nothing reached the server before the approval");
  await shot("external-call");
  await assertAccessible("external call review");

  // The billing system is slow to answer this time: while the refund is in flight the rest of
  // the app still writes (the approval waits on a connection of its own, not the window's).
  const hold = join(state, "hold-refunds");
  writeFileSync(hold, "");
  await (await $('[data-testid="external-approve"]')).click();
  await browser.waitUntil(async () => refunds().length === 1, { timeout: 30_000, timeoutMsg: "the refund did not reach the server" });
  // Chosen and saved again until it shows, as the review may redraw under the clicks; a save
  // that waits for the window's writer never shows while the call is held (a minute).
  await browser.waitUntil(
    async () => {
      const csat = await $('[data-testid="csat"]');
      if ((await csat.getAttribute("data-score")) === "5") return true;
      await (await $('[data-testid="csat-score-5"]')).click();
      const save = await $('[data-testid="csat-save"]');
      if (await save.isEnabled()) await save.click();
      await browser.pause(500);
      return (await csat.getAttribute("data-score")) === "5";
    },
    { timeout: 15_000, interval: 200, timeoutMsg: "a score could not be saved while the call was in flight" },
  );
  assert.notEqual(await call.getAttribute("data-outcome"), "succeeded", "the call was still held when the score was saved");
  unlinkSync(hold);
  const outcome = await $('[data-testid="external-outcome"]');
  await outcome.waitForExist({ timeout: 30_000, timeoutMsg: "the approved call shows no outcome" });
  await browser.waitUntil(async () => (await call.getAttribute("data-outcome")) === "succeeded", { timeout: 30_000, timeoutMsg: "the call did not succeed" });
  // Exactly once, with exactly the approved arguments (and our idempotency key).
  const sent = refunds();
  assert.equal(sent.length, 1, JSON.stringify(sent));
  assert.equal(sent[0].arguments.charge, "ch_e2e1");
  assert.equal(sent[0].arguments.amount, 2000);
  assert.ok(sent[0].arguments.idempotency_key, "the call carries our idempotency key");
  // A second approval is refused by the core; the server still saw one.
  assert.ok(!(await (await $('[data-testid="external-approve"]')).isExisting()), "no approve button on a sent call");
  assert.equal(refunds().length, 1);
  await shot("external-call-sent");

  // The supervisor's history has the decision, with what came of it and the arguments sent.
  const rows = await historyRows();
  const row = rows.find((r) => r.tool === "billing/refund" && r.kind === "approved");
  assert.ok(row, JSON.stringify(rows));
  assert.match(row.text, /refund on billing\s*·\s*Done/);
  // The action filter offers the team's systems: filtered to the billing system's refunds,
  // only they remain.
  await (await $('[data-testid="history-action"] option[value="team:billing/refund"]')).waitForExist({ timeout: 10_000, timeoutMsg: "the action filter does not offer the billing system's refund" });
  await (await $('[data-testid="history-action"]')).selectByAttribute("value", "team:billing/refund");
  await browser.waitUntil(
    async () => {
      const shown = [];
      for (const r of await browser.$$('[data-testid="history-row"]')) shown.push(await r.getAttribute("data-tool"));
      return shown.length > 0 && shown.every((t) => t === "billing/refund") && shown.length < rows.length;
    },
    { timeout: 10_000, timeoutMsg: "the history was not filtered to the billing system's refunds" },
  );
  await (await $('[data-testid="history-row"][data-tool="billing/refund"] [data-testid="history-expand"]')).click();
  const sentArgs = await $('[data-testid="history-external-args"]');
  await sentArgs.waitForExist({ timeout: 10_000, timeoutMsg: "the call's arguments are not shown as its evidence" });
  assert.match(await sentArgs.getText(), /"charge": "ch_e2e1"/);
  await assertAccessible("history with a team system's call");
  // Each change to the team systems is in the audit log, by the supervisor who made it; the
  // refused policies (the text that did not parse, the ceiling under the limit) left no record.
  const audit = execFileSync(
    "/usr/bin/python3",
    ["-c", "import sqlite3,sys,json;c=sqlite3.connect(sys.argv[1]);print(json.dumps(c.execute(\"SELECT kind, actor FROM audit_log WHERE kind LIKE 'settings.tool_%' ORDER BY seq\").fetchall()))", join(dataDir, "countersign.db")],
    { encoding: "utf8" },
  );
  assert.deepEqual(JSON.parse(audit), [
    ["settings.tool_server", "e2e-agent"],
    ["settings.tool_policy", "e2e-agent"],
    ["settings.tool_class", "e2e-agent"],
    ["settings.tool_policy", "e2e-agent"],
    ["settings.tool_policy", "e2e-agent"],
  ]);
  // ...and on the history screen, newest first, the policy's text on demand.
  await (await $('[data-testid="settings-changes"] summary')).click();
  const change = (kind) => $(`[data-testid="settings-change"][data-kind="${kind}"]`);
  await (await change("settings.tool_class")).waitForExist({ timeout: 10_000, timeoutMsg: "the settings changes were not shown" });
  const kinds = [];
  for (const r of await browser.$$('[data-testid="settings-change"]')) kinds.push(await r.getAttribute("data-kind"));
  assert.deepEqual(kinds.filter((k) => k.startsWith("settings.tool_")), ["settings.tool_policy", "settings.tool_policy", "settings.tool_class", "settings.tool_policy", "settings.tool_server"]);
  assert.match(await (await change("settings.tool_class")).getText(), /billing\/get_charge is now read/);
  await (await (await change("settings.tool_policy")).$('[data-testid="settings-change-expand"]')).click();
  assert.match(await (await $('[data-testid="settings-change-block"]')).getText(), /supervisor_limit = "400\.00"/);
  await assertAccessible("history with the settings changes open");
  await shot("settings-changes");
});

/** Puts a raw message into a mailbox of the test server over IMAP (APPEND), as a mail client
 * or another server would. */
function imapAppend(user, password, folder, raw) {
  const script = [
    "import imaplib, sys",
    "port, user, password, folder = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]",
    "m = imaplib.IMAP4('127.0.0.1', port)",
    "m.login(user, password)",
    "typ, data = m.append(folder, None, None, sys.stdin.buffer.read())",
    "assert typ == 'OK', data",
    "m.logout()",
  ].join("\n");
  execFileSync("/usr/bin/python3", ["-c", script, process.env.IMAP_PORT, user, password, folder], { input: raw });
}

/** The messages in a Maildir (new and cur), as text. */
function maildir(dir) {
  return ["new", "cur"].flatMap((sub) => {
    const d = join(dir, sub);
    return existsSync(d) ? readdirSync(d).map((f) => readFileSync(join(d, f), "utf8")) : [];
  });
}

/** A header's value (unfolded) from a raw message. */
function header(raw, name) {
  const head = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, " ");
  const line = head.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line ? line.slice(name.length + 1).trim() : null;
}

// Before the last test (which restarts the app on the demo workspace again): this one runs the
// app on a workspace of its own, whose shop has a customer at the test mail server's address.
test("mail in over IMAP, an edited reply approved goes out once in the customer's thread, and their answer joins it", async () => {
  const SUPPORT = "support@example.test";
  const CUSTOMER = "customer@example.test";
  const home = join(process.env.E2E_TMP, "mail-data");
  const dataDir = join(home, "app.countersign.desk");
  // The demo shop with one customer's address changed to the test server's customer.
  const shop = JSON.parse(execFileSync(process.env.CLI, ["--data-dir", join(process.env.E2E_TMP, "seed"), "export-shop"], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 }));
  const order = Object.values(shop.orders).find((o) => o.status === "pending");
  shop.users[order.user_id].email = CUSTOMER;
  const shopFile = join(process.env.E2E_TMP, "mail-shop.json");
  writeFileSync(shopFile, JSON.stringify(shop));
  // An administrator makes this OS account the new workspace's supervisor (the mailbox is theirs).
  execFileSync(process.env.CLI, ["--data-dir", dataDir, "--shop", shopFile, "--actor", "e2e-admin", "staff", "set", "e2e-agent", "--role", "supervisor"], { stdio: ["ignore", "ignore", "inherit"] });

  await browser.deleteSession();
  browser = await remote({
    hostname: "127.0.0.1",
    port: 4444,
    logLevel: "error",
    capabilities: { "tauri:options": { application: process.env.APP, args: ["--test-data-home", home] } },
  });
  await (await $('[data-testid="tab-settings"]')).waitForExist({ timeout: 30_000 });

  // The mailbox, through the settings screen; the password into the keychain, write-only.
  await (await $('[data-testid="tab-settings"]')).click();
  await (await $('[data-testid="mailbox-settings"]')).waitForExist({ timeout: 10_000 });
  await (await $('[data-testid="mail-security"]')).selectByAttribute("value", "none");
  for (const [field, value] of [
    ["mail-imap-host", "127.0.0.1"],
    ["mail-imap-port", process.env.IMAP_PORT],
    ["mail-smtp-host", "127.0.0.1"],
    ["mail-smtp-port", process.env.SMTP_PORT],
    ["mail-user", SUPPORT],
    ["mail-from", SUPPORT],
    ["mail-folder", "INBOX"],
  ]) {
    const input = await $(`[data-testid="${field}"]`);
    await input.clearValue();
    await input.setValue(value);
  }
  await (await $('[data-testid="save-mailbox"]')).click();
  await browser.waitUntil(async () => /Mailbox saved/.test(await (await $('[data-testid="saved"]')).getText()), { timeout: 10_000, timeoutMsg: "the mailbox was not saved" });
  const password = await $('[data-testid="mail-password"]');
  await password.setValue("support-secret");
  await (await $('[data-testid="save-mail-password"]')).click();
  await browser.waitUntil(async () => /Mailbox password stored/.test(await (await $('[data-testid="saved"]')).getText()), { timeout: 10_000 });
  assert.equal(await password.getValue(), "");
  assert.ok(!(await browser.execute(() => document.documentElement.outerHTML)).includes("support-secret"));
  await shot("settings-mailbox");

  // A customer's message arrives in the support mailbox.
  const first = `From: ${CUSTOMER}\r\nTo: ${SUPPORT}\r\nSubject: Cancel please\r\nMessage-ID: <c1@example.test>\r\n\r\nPlease cancel order ${order.order_id}, I ordered it by mistake.\r\n`;
  imapAppend(SUPPORT, "support-secret", "INBOX", first);
  await (await $('[data-testid="tab-queue"]')).click();
  await (await $('[data-testid="mail-check-now"]')).waitForExist({ timeout: 10_000 });
  await (await $('[data-testid="mail-check-now"]')).click();
  const row = await $('[data-testid="queue-item"]');
  await row.waitForExist({ timeout: 30_000, timeoutMsg: "the mail never showed up in the queue" });
  assert.match(await row.getText(), /Cancel please/);
  assert.match(await row.getText(), /Cancel order/);
  assert.equal(await row.getAttribute("data-waiting"), "approval");
  const conversation = await row.getAttribute("data-conversation");
  await row.click();
  await (await $(`[data-testid="review"][data-conversation="${conversation}"]`)).waitForExist({ timeout: 10_000 });
  const draft = await $('[data-testid="draft"]');
  await draft.waitForExist({ timeout: 10_000 });
  assert.ok((await draft.getValue()).length > 0, "the draft is shown");
  await shot("review-mail");

  // The edited reply claims the cancellation while it is still only proposed: the core asks.
  const text = "Hello, your order has been cancelled and the refund is on its way. Sorry for the trouble! The E2E team";
  await draft.clearValue();
  await draft.setValue(text);
  await (await $('[data-testid="approve-reply"]')).click();
  const conflicts = await $('[data-testid="reply-conflicts"]');
  await conflicts.waitForExist({ timeout: 10_000, timeoutMsg: "the conflict was not shown" });
  const conflict = await $('[data-testid="conflict"]');
  assert.equal(await conflict.getAttribute("data-tool"), "cancel_pending_order");
  assert.equal(await conflict.getAttribute("data-state"), "pending");
  assert.match(await conflict.getText(), /has been cancelled.*Cancel order is waiting for approval/);
  assert.equal(await (await $('[data-testid="error"]')).getAttribute("data-code"), "reply_contradicts_outcomes");
  // The edit was saved as a revision on the way, and nothing went out.
  assert.equal(await (await $('[data-testid="reply-revision"]')).getAttribute("data-seq"), "1");
  assert.equal(maildir(join(process.env.MAIL_DIR, "home/customer/Maildir")).length, 0);
  await shot("reply-conflict");

  // Approve all: the cancellation first, then the reply, which now tells the truth.
  await (await $('[data-testid="approve-all"]')).click();
  assert.match(await notice(), /Approved 1 action and the reply/);
  await (await $('[data-testid="send"][data-state="sent"]')).waitForExist({ timeout: 30_000, timeoutMsg: "the reply was not sent" });
  await shot("reply-sent");

  // Exactly one message for the customer, in their thread, and a copy in Sent.
  const received = maildir(join(process.env.MAIL_DIR, "home/customer/Maildir"));
  assert.equal(received.length, 1);
  const ours = header(received[0], "Message-ID");
  assert.ok(ours, received[0]);
  assert.equal(header(received[0], "In-Reply-To"), "<c1@example.test>");
  assert.match(header(received[0], "References"), /<c1@example\.test>/);
  assert.match(header(received[0], "Subject"), /Re: Cancel please/);
  assert.match(received[0], /refund is on its way/);
  const sent = maildir(join(process.env.MAIL_DIR, "home/support/Maildir/.Sent"));
  assert.equal(sent.filter((m) => header(m, "Message-ID") === ours).length, 1, "one copy in Sent");
  // Answered: the conversation left the queue.
  await browser.waitUntil(async () => !(await (await $(`[data-testid="queue-item"][data-conversation="${conversation}"]`)).isExisting()), { timeout: 10_000 });

  // The customer answers our reply: it joins the same conversation, which waits again.
  const answer = `From: ${CUSTOMER}\r\nTo: ${SUPPORT}\r\nSubject: Re: Cancel please\r\nMessage-ID: <c2@example.test>\r\nIn-Reply-To: ${ours}\r\nReferences: <c1@example.test> ${ours}\r\n\r\nThanks! When will the refund arrive?\r\n`;
  imapAppend(SUPPORT, "support-secret", "INBOX", answer);
  await (await $('[data-testid="mail-check-now"]')).click();
  const again = await $(`[data-testid="queue-item"][data-conversation="${conversation}"]`);
  await again.waitForExist({ timeout: 30_000, timeoutMsg: "the answer did not bring the conversation back" });
  assert.match(await again.getText(), /2 messages/);
  await again.click();
  await browser.waitUntil(async () => (await browser.$$('[data-testid="thread-turn"][data-from="customer"]')).length === 2, { timeout: 10_000, timeoutMsg: "the review does not show both customer messages" });
  const turns = [];
  for (const t of await browser.$$('[data-testid="thread-turn"]')) turns.push({ from: await t.getAttribute("data-from"), text: await t.getText() });
  assert.deepEqual(turns.map((t) => t.from), ["customer", "support", "customer"]);
  assert.match(turns[0].text, /cancel order/);
  assert.match(turns[1].text, /refund is on its way/);
  assert.match(turns[2].text, /When will the refund arrive/);
  await shot("thread");
  await gallery("review-thread");
  assert.equal(maildir(join(process.env.MAIL_DIR, "home/customer/Maildir")).length, 1, "still one message for the customer");

  // The IMAP server down: the app says so, and takes the mail in again once it is back.
  execFileSync(process.env.MAIL_SERVERS, ["imap-stop", process.env.MAIL_DIR], { stdio: "ignore" });
  try {
    await (await $('[data-testid="mail-check-now"]')).click();
    const down = await $('[data-testid="mail-error"]');
    await down.waitForExist({ timeout: 20_000, timeoutMsg: "the mailbox error was not shown" });
    assert.equal(await down.getAttribute("data-code"), "mail_unreachable");
    assert.match(await down.getText(), /Mail:/);
    await shot("mail-down");
  } finally {
    execFileSync(process.env.MAIL_SERVERS, ["imap-start", process.env.MAIL_DIR], { stdio: "ignore" });
  }
  await (await $('[data-testid="mail-check-now"]')).click();
  await (await $('[data-testid="mail-error"]')).waitForExist({ timeout: 20_000, reverse: true, timeoutMsg: "the error stayed after the server came back" });
});

// Last: it restarts the app with a slow history search (a test hook, tests/e2e/run.sh).
test("the window stays responsive while a slow command runs", async () => {
  const SLOW_MS = 6000;
  const BOUND_MS = 1500;
  await browser.deleteSession();
  browser = await remote({
    hostname: "127.0.0.1",
    port: 4444,
    logLevel: "error",
    // The wrapper turns this into COUNTERSIGN_TEST_SLOW_MS for the app (run.sh).
    capabilities: { "tauri:options": { application: process.env.APP, args: ["--test-slow-history-ms", String(SLOW_MS)] } },
  });
  await $('[data-testid="queue-item"]').then((e) => e.waitForExist({ timeout: 30_000 }));
  /** Runs `step` and asserts it answered within the bound; returns how long it took. A window
   * whose main thread is blocked answers no WebDriver command, so a step that times out is
   * reported the same way. */
  const within = async (what, step) => {
    const t = Date.now();
    try {
      await step();
    } catch (e) {
      assert.fail(`${what}: no answer after ${Date.now() - t} ms while a slow search ran (${e.message})`);
    }
    const took = Date.now() - t;
    assert.ok(took < BOUND_MS, `${what} took ${took} ms while a slow search ran (bound ${BOUND_MS} ms)`);
    return took;
  };
  const searching = async () => (await (await $('[data-testid="history-status"]')).getAttribute("data-searching")) === "true";

  // Switch screens while a slow search is in flight: the queue and a conversation still load
  // (reads on another connection), and the window answers at once.
  await (await $('[data-testid="tab-history"]')).click();
  await within("the history screen showing its search in flight", () => browser.waitUntil(searching, { timeout: BOUND_MS }));
  await within("switching to the queue", async () => {
    await (await $('[data-testid="tab-queue"]')).click();
    await (await $('[data-testid="queue-item"]')).waitForExist({ timeout: BOUND_MS });
  });
  await within("opening a conversation", async () => {
    await (await $('[data-testid="queue-item"]')).click();
    await (await $('[data-testid="review"]')).waitForExist({ timeout: BOUND_MS });
  });

  // Back on the history screen, a new slow search starts; while it runs, keys, another command
  // and the DOM all answer within the bound, and the search is still running afterwards.
  const t0 = Date.now();
  await (await $('[data-testid="tab-history"]')).click();
  const took = [await within("a new search in flight", () => browser.waitUntil(searching, { timeout: BOUND_MS }))];
  took.push(
    await within("the ? key opening the shortcuts", async () => {
      await browser.keys(["?"]);
      await (await $('[data-testid="help"]')).waitForExist({ timeout: BOUND_MS });
    }),
  );
  took.push(
    await within("Escape closing them", async () => {
      await browser.keys(["Escape"]);
      await (await $('[data-testid="help"]')).waitForExist({ timeout: BOUND_MS, reverse: true });
    }),
  );
  took.push(
    await within("verifying the audit chain (another command)", async () => {
      await (await $('[data-testid="verify-audit"]')).click();
      await (await $('[data-testid="verify-result"]')).waitForExist({ timeout: BOUND_MS });
    }),
  );
  took.push(await within("reading the DOM", async () => assert.ok(await browser.execute(() => document.querySelectorAll("button").length > 3))));
  took.push(
    await within("a frame being drawn", () => browser.executeAsync((done) => requestAnimationFrame(() => done(true)))),
  );
  assert.ok(await searching(), "the slow search was still running during all of that");
  assert.ok(Date.now() - t0 < SLOW_MS, `the checks took ${Date.now() - t0} ms, longer than the slow search`);
  // Then the slow answer arrives and is shown.
  await browser.waitUntil(async () => !(await searching()), { timeout: SLOW_MS + 10_000, timeoutMsg: "the slow search never answered" });
  assert.ok(Date.now() - t0 >= SLOW_MS - 500, "the answer came after the hook's delay");
  assert.ok((await browser.$$('[data-testid="history-row"]')).length > 0);
  console.log(`responsiveness while a ${SLOW_MS} ms search ran: ${took.join(", ")} ms`);
});
