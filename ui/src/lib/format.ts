/** A cost that may be "not applicable" (the rules planner is not billed): n/a, never $0.00. */
export function cost(n: number | null): string {
  return n === null ? "n/a" : money(n);
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
