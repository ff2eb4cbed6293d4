// UI preferences (who is at the keyboard, their role, list density) in tauri-plugin-store.
// Policy, caps and provider settings live in the core; API keys in the OS keychain.
import { load, type Store } from "@tauri-apps/plugin-store";
import type { Role } from "./bindings/Role";

export interface Prefs {
  name: string;
  role: Role;
}

const DEFAULTS: Prefs = { name: "", role: "agent" };
let store: Store | null = null;

async function open(): Promise<Store> {
  store ??= await load("ui-prefs.json", { autoSave: true, defaults: {} });
  return store;
}

export async function loadPrefs(): Promise<Prefs> {
  const s = await open();
  return {
    name: (await s.get<string>("name")) ?? DEFAULTS.name,
    role: (await s.get<Role>("role")) ?? DEFAULTS.role,
  };
}

export async function savePrefs(p: Prefs): Promise<void> {
  const s = await open();
  await s.set("name", p.name);
  await s.set("role", p.role);
  await s.save();
}
