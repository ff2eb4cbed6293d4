/** A cost that may be "not applicable" (the rules planner is not billed, a model without a
 * price is not priced): n/a, never $0.00. A model call costs fractions of a cent, so a cost
 * under a cent keeps its digits instead of rounding to $0.00. */
export function cost(n: number | null): string {
  if (n === null) return "n/a";
  if (n !== 0 && Math.abs(n) < 0.01) {
    const digits = n.toFixed(8).replace(/0+$/, "");
    return `${n < 0 ? "-" : ""}$${digits.replace("-", "")}`;
  }
  return money(n);
}

/** Token counts of a model call: input / output, and cache reads and writes when there are any. */
export function tokens(c: { input_tokens: number; output_tokens: number; cache_read_tokens: number; cache_write_tokens: number }): string {
  const base = `${c.input_tokens} in / ${c.output_tokens} out`;
  return c.cache_read_tokens || c.cache_write_tokens ? `${base} / ${c.cache_read_tokens} cache read / ${c.cache_write_tokens} cache write` : base;
}

export function money(n: number): string {
  const sign = n < 0 ? "-" : "";
  return `${sign}$${Math.abs(n).toFixed(2)}`;
}

export function when(ms: number): string {
  return new Date(ms).toLocaleString();
}

export function json(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** Splits `text` into plain and highlighted runs for each case-insensitive occurrence of a needle. */
export function highlight(text: string, needles: string[]): Array<{ text: string; hit: boolean }> {
  const ranges: Array<[number, number]> = [];
  const lower = text.toLowerCase();
  for (const n of needles.map((x) => x.toLowerCase().trim()).filter((x) => x.length >= 3)) {
    let from = 0;
    for (;;) {
      const i = lower.indexOf(n, from);
      if (i < 0) break;
      ranges.push([i, i + n.length]);
      from = i + n.length;
    }
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const out: Array<{ text: string; hit: boolean }> = [];
  let pos = 0;
  for (const [s, e] of ranges) {
    if (e <= pos) continue;
    const start = Math.max(s, pos);
    if (start > pos) out.push({ text: text.slice(pos, start), hit: false });
    out.push({ text: text.slice(start, e), hit: true });
    pos = e;
  }
  if (pos < text.length) out.push({ text: text.slice(pos), hit: false });
  return out;
}

/** "just now", "5 min ago", "3 h ago", "yesterday", then the date: the exact time goes on hover. */
export function ago(ms: number, now: number = Date.now()): string {
  const s = Math.round((now - ms) / 1000);
  // Clocks a few seconds apart (another desk, the mail server) are not "in a moment".
  if (s < 0 && s > -45) return "just now";
  if (s < 0) {
    const m = Math.round(-s / 60);
    return m < 1 ? "in a moment" : m < 60 ? `in ${m} min` : `in ${Math.round(m / 60)} h`;
  }
  if (s < 45) return "just now";
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.round(h / 24);
  if (d === 1) return "yesterday";
  if (d < 7) return `${d} days ago`;
  return new Date(ms).toLocaleDateString();
}

/** The shop's amounts are dollars (the τ-bench retail schema); cents always shown. */
export const SHOP_CURRENCY = "USD";
const moneyFormat = new Intl.NumberFormat("en-US", { style: "currency", currency: SHOP_CURRENCY });

/** An amount as the shop states it, with thousands grouped ("$1,234.50"). */
export function amount(n: number): string {
  return moneyFormat.format(n);
}
