// Who the customers on screen are: the core's cards (name, payment method labels), asked for
// once per id and shared by every screen. Until a card arrives, or for a customer the shop
// does not know, screens show the id.
import type { CustomerCard } from "./bindings/CustomerCard";
import { ipc } from "./ipc";

const cards = $state<Record<string, CustomerCard | null>>({});
const asked = new Set<string>();

/** Asks the core for the cards of `ids` not asked for yet (one call per batch). */
export function want(ids: Iterable<string>): void {
  const fresh = [...new Set(ids)].filter((id) => id && !asked.has(id));
  if (!fresh.length) return;
  fresh.forEach((id) => asked.add(id));
  // Started inside a promise, so even a call that throws at once (an IPC module without this
  // command, as some tests mock it) ends in the `catch` below, never as an unhandled error.
  Promise.resolve()
    .then(() => ipc.customers(fresh))
    .then((found) => {
      for (const id of fresh) cards[id] = found.find((c) => c.user_id === id) ?? null;
    })
    .catch(() => fresh.forEach((id) => asked.delete(id)));
}

/** The customer's card, if the core knows them (reactive). */
export function card(id: string | null | undefined): CustomerCard | null {
  return id ? (cards[id] ?? null) : null;
}

/** For tests and previews: cards known without asking the core. */
export function remember(list: CustomerCard[]): void {
  for (const c of list) {
    cards[c.user_id] = c;
    asked.add(c.user_id);
  }
}
