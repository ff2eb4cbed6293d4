// Cold start to interactive and idle memory of the real app (through tauri-driver), and the
// same UI's idle memory as a web page in Debian's Chromium. Run by scripts/measure-app.sh.
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join } from "node:path";
import { remote } from "webdriverio";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Proportional set size (PSS): shared pages divided among the processes that share them, so
// a multi-process browser is not charged twice for the same library pages. Resident set size
// (RSS) counts every shared page in every process; summed over a tree it over-counts, and is
// printed too because it is the figure most tools show.
function memKiB(pid) {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    const field = (name) => Number(rollup.match(new RegExp(`^${name}:\\s+(\\d+) kB`, "m"))?.[1] ?? 0);
    return { pss: field("Pss"), rss: field("Rss") };
  } catch {
    return { pss: 0, rss: 0 };
  }
}

const sum = (pids) => pids.map(memKiB).reduce((a, m) => ({ pss: a.pss + m.pss, rss: a.rss + m.rss }), { pss: 0, rss: 0 });

function processes() {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
        return { pid: Number(pid), ppid, cmd };
      } catch {
        return null;
      }
    })
    .filter(Boolean);
}

function descendants(root, all) {
  const out = [];
  const stack = [root];
  while (stack.length) {
    const p = stack.pop();
    for (const c of all.filter((x) => x.ppid === p)) {
      out.push(c);
      stack.push(c.pid);
    }
  }
  return out;
}

const mib = (kib) => (kib / 1024).toFixed(0);

async function appRun(label) {
  const t0 = performance.now();
  const browser = await remote({ hostname: "127.0.0.1", port: 4444, logLevel: "error", capabilities: { "tauri:options": { application: process.env.APP } } });
  await browser.$('[data-testid="queue-item"]').waitForExist({ timeout: 60_000 });
  const interactive = performance.now() - t0;
  await sleep(10_000);
  const all = processes();
  const app = all.find((p) => /\/(debug|release)\/countersign-app( |$)/.test(p.cmd));
  const kids = app ? descendants(app.pid, all) : [];
  const web = sum(kids.filter((p) => /WebKitWebProcess/.test(p.cmd)).map((p) => p.pid));
  const net = sum(kids.filter((p) => /WebKitNetworkProcess/.test(p.cmd)).map((p) => p.pid));
  const own = app ? memKiB(app.pid) : { pss: 0, rss: 0 };
  await browser.deleteSession();
  await sleep(1000);
  const pss = own.pss + web.pss + net.pss;
  const rss = own.rss + web.rss + net.rss;
  console.log(`${label} [${process.env.PROFILE} build]: interactive in ${interactive.toFixed(0)} ms; idle PSS app ${mib(own.pss)} MiB + web ${mib(web.pss)} MiB + network ${mib(net.pss)} MiB = ${mib(pss)} MiB; summed RSS ${mib(rss)} MiB`);
  return { interactive, pss, rss };
}

async function chromiumRun() {
  // The same built UI, served as a web page; IPC answered from a fixture of this workspace.
  const dist = new URL("../../ui/dist/", import.meta.url).pathname;
  const fixture = readFileSync(process.env.FIXTURE, "utf8");
  const stub = `window.__TAURI_INTERNALS__ = (() => { const f = ${fixture}; let n = 0; return {
    transformCallback: () => ++n, metadata: { currentWindow: { label: "main" }, currentWebview: { label: "main" } },
    invoke: async (cmd) => { if (cmd in f) return f[cmd]; if (cmd.startsWith("plugin:")) return null; throw { code: "ipc", message: cmd }; } }; })();`;
  const types = { ".js": "text/javascript", ".css": "text/css", ".html": "text/html" };
  const server = createServer((req, res) => {
    const path = req.url === "/" ? "/index.html" : req.url.split("?")[0];
    if (path === "/tauri-stub.js") return res.writeHead(200, { "content-type": "text/javascript" }).end(stub);
    try {
      let body = readFileSync(join(dist, path));
      if (path === "/index.html") body = body.toString().replace("<head>", '<head><script src="/tauri-stub.js"></script>');
      res.writeHead(200, { "content-type": types[extname(path)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${server.address().port}/`;
  const profile = join(process.env.PERF_TMP, "chromium-profile");
  const chrome = spawn("/usr/bin/chromium", [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", `--user-data-dir=${profile}`, "--window-size=1280,840", url,
  ], { stdio: "ignore" });
  await sleep(15_000);
  const all = processes();
  const tree = [all.find((p) => p.pid === chrome.pid), ...descendants(chrome.pid, all)].filter(Boolean);
  const total = sum(tree.map((p) => p.pid));
  chrome.kill();
  server.close();
  console.log(`chromium (same UI as a web page, headed under Xvfb): idle PSS ${mib(total.pss)} MiB, summed RSS ${mib(total.rss)} MiB over ${tree.length} processes`);
  return total;
}

const cold = await appRun("first start (seeds the demo workspace)");
const warm = await appRun("second start");
const chrome = await chromiumRun();
console.log(`app idle PSS / chromium idle PSS = ${mib(warm.pss)} / ${mib(chrome.pss)} MiB = ${(warm.pss / chrome.pss).toFixed(2)}`);
console.log(`app summed RSS / chromium summed RSS = ${mib(warm.rss)} / ${mib(chrome.rss)} MiB = ${(warm.rss / chrome.rss).toFixed(2)}`);
writeFileSync(
  process.env.PERF_OUT,
  JSON.stringify({ profile: process.env.PROFILE, cold_ms: cold.interactive, warm_ms: warm.interactive, app_pss_kib: warm.pss, app_rss_kib: warm.rss, chromium_pss_kib: chrome.pss, chromium_rss_kib: chrome.rss }, null, 2),
);
