import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import type { Plugin } from "vite";
import { defineConfig } from "vitest/config";
import * as queries from "./src/queries";
import * as dashboard from "./src/dashboard/source";

/**
 * Emits `sw.js` at the root of the build with the list of every built file to precache
 * and a version derived from their names (content hashes), so a new build installs a new
 * service worker and drops the old cache.
 */
/** Files of public/ that belong to the installed app shell. */
const PUBLIC_SHELL = ["/manifest.webmanifest", "/icon.svg", "/icon-192.png", "/icon-512.png"];

function serviceWorker(): Plugin {
  return {
    name: "khortor-service-worker",
    apply: "build",
    generateBundle(_options, bundle) {
      const files = Object.keys(bundle)
        .filter((name) => !/\.(map|woff)$/.test(name) && name !== "sw.js" && name !== "trusted-documents.json") // woff2 is enough
        .map((name) => "/" + name)
        .concat(PUBLIC_SHELL)
        .sort();
      const version = createHash("sha256").update(files.join("\n")).digest("hex").slice(0, 12);
      const template = readFileSync(new URL("./src/sw.js", import.meta.url), "utf8");
      const source = template
        .replace("__PRECACHE__", JSON.stringify(["/", ...files.filter((f) => f !== "/index.html")]))
        .replace("__VERSION__", JSON.stringify(version));
      this.emitFile({ type: "asset", fileName: "sw.js", source });
    },
  };
}

/**
 * Emits `trusted-documents.json`: every GraphQL document the client sends, keyed
 * `sha256:<hex of its text>` (api/documents.py). The client sends the key instead of the text;
 * a server set to `KHORTOR_TRUSTED_DOCUMENTS=only` runs nothing else.
 */
function trustedDocuments(): Plugin {
  return {
    name: "khortor-trusted-documents",
    apply: "build",
    generateBundle() {
      const documents: Record<string, string> = {};
      for (const value of [...Object.values(queries), ...Object.values(dashboard)]) {
        if (typeof value === "string" && /^(query|mutation)\b/.test(value)) {
          documents["sha256:" + createHash("sha256").update(value, "utf8").digest("hex")] = value;
        }
      }
      this.emitFile({ type: "asset", fileName: "trusted-documents.json",
                      source: JSON.stringify(documents, null, 1) });
    },
  };
}

export default defineConfig({
  plugins: [serviceWorker(), trustedDocuments()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2020",
    assetsInlineLimit: 0,
  },
  server: {
    proxy: { "/graphql": "http://127.0.0.1:8000" },
  },
  test: {
    environment: "node",
    include: ["test/**/*.test.ts"],
  },
});
