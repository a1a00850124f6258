#!/usr/bin/env node
// Fails when the built JavaScript (every .js file of dist/, the service worker included)
// is over the budget, gzipped. Run after `npm run build`.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";

const BUDGET_KB = Number(process.env.KHORTOR_JS_BUDGET_KB ?? 100);
const dist = new URL("../dist/", import.meta.url).pathname;

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

let files;
try {
  files = walk(dist).filter((f) => f.endsWith(".js") || f.endsWith(".mjs"));
} catch {
  console.error(`check-size: ${dist} not found; run \`npm run build\` first.`);
  process.exit(2);
}
if (!files.length) {
  console.error("check-size: no JavaScript in dist/; run `npm run build` first.");
  process.exit(2);
}
let total = 0;
for (const file of files) {
  const size = gzipSync(readFileSync(file), { level: 9 }).length;
  total += size;
  console.log(`${(size / 1024).toFixed(1).padStart(7)} KB  ${relative(dist, file)}`);
}
const kb = total / 1024;
console.log(`${kb.toFixed(1).padStart(7)} KB  total JavaScript, gzipped (budget ${BUDGET_KB} KB)`);
if (kb > BUDGET_KB) {
  console.error(`check-size: FAILED — ${kb.toFixed(1)} KB is over the ${BUDGET_KB} KB budget.`);
  process.exit(1);
}
console.log("check-size: ok");
