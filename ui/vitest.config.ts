import { defineConfig } from "vitest/config";
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { fileURLToPath } from "node:url";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  plugins: [svelte()],
  // Svelte's browser build, so components mount in jsdom.
  resolve: { conditions: ["browser"] },
  test: { environment: "jsdom", include: ["tests/**/*.test.ts"] },
});
