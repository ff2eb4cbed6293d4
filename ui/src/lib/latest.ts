// Requests whose answers can arrive out of order (a filter typed fast, j/k through the queue):
// only the newest request's answer is used, older ones are dropped, and filter keystrokes are
// debounced so a word typed is one request, not one per letter.

/** What a superseded request resolves to: its answer (or error) is dropped. */
export const STALE: unique symbol = Symbol("stale");

/**
 * Tickets for one kind of request. `run` numbers each call; when it settles, its answer is
 * used only if no newer call has started since, otherwise it resolves to {@link STALE} —
 * errors included, so an old failure never overwrites a newer success.
 */
export class Latest {
  private seq = 0;

  async run<T>(request: () => Promise<T>): Promise<T | typeof STALE> {
    const ticket = ++this.seq;
    try {
      const value = await request();
      return ticket === this.seq ? value : STALE;
    } catch (e) {
      if (ticket !== this.seq) return STALE;
      throw e;
    }
  }

  /** Makes every request in flight stale (the component is going away, say). */
  invalidate(): void {
    this.seq++;
  }
}

export interface Debounced<A extends unknown[]> {
  (...args: A): void;
  /** Runs a pending call now. */
  flush(): void;
  /** Drops a pending call. */
  cancel(): void;
}

/** Calls `fn` once `ms` have passed since the last call, with that call's arguments. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): Debounced<A> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let pending: A | null = null;
  const fire = () => {
    timer = null;
    const args = pending;
    pending = null;
    if (args) fn(...args);
  };
  const debounced = (...args: A) => {
    pending = args;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(fire, ms);
  };
  debounced.flush = () => {
    if (timer !== null) clearTimeout(timer);
    fire();
  };
  debounced.cancel = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    pending = null;
  };
  return debounced;
}

/** How long filter typing waits before asking the core. */
export const FILTER_DEBOUNCE_MS = 200;
