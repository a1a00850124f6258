#!/usr/bin/env node
// The graphql-http project's GraphQL-over-HTTP audit against a running API:
//   node scripts/graphql-http-audit.mjs http://127.0.0.1:8000/graphql
// Prints one JSON object: every audit's result (id, level, status, and for a failure the
// reason and the response's status and start), and the passed/failed counts per level
// (MUST, SHOULD, MAY). Exits 0 when the audit ran, whatever it found; 2 on a usage error.
import { auditServer } from "graphql-http";

const url = process.argv[2];
if (!url) {
  console.error("usage: node scripts/graphql-http-audit.mjs <url of /graphql>");
  process.exit(2);
}

async function describe(response) {
  if (!response) return undefined;
  let body = "";
  try {
    body = (await response.clone().text()).slice(0, 300);
  } catch {
    body = "(body already read)";
  }
  return { status: response.status, contentType: response.headers.get("content-type"), body };
}

const results = await auditServer({ url });
const counts = {};
for (const level of ["MUST", "SHOULD", "MAY"]) counts[level] = { passed: 0, failed: 0 };
const report = [];
for (const result of results) {
  const level = result.name.split(" ", 1)[0];
  const passed = result.status === "ok";
  counts[level][passed ? "passed" : "failed"] += 1;
  report.push({
    id: result.id,
    level,
    name: result.name,
    status: result.status,
    ...(passed ? {} : { reason: result.reason, response: await describe(result.response) }),
  });
}
console.log(JSON.stringify({ url, counts, results: report }, null, 2));
