// The one module that talks to the Rust core. Components import from here, never `invoke`.
import { invoke } from "@tauri-apps/api/core";

/** Errors cross IPC as a stable code plus a message; match on `code`, never on `message`. */
export interface IpcError {
  code: string;
  message: string;
}

export interface WorkspaceSummary {
  open_proposals: number;
  escalated: number;
  demo: boolean;
  shop_source: string;
}

function isIpcError(e: unknown): e is IpcError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw isIpcError(e) ? e : { code: "ipc", message: String(e) };
  }
}

export const ipc = {
  workspaceSummary: () => call<WorkspaceSummary>("workspace_summary"),
};
