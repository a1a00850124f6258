import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { dashboardEn, dashboardTh } from "../src/dashboard/words";
import { deskEn, deskTh } from "../src/desk/words";
import { adminEn, adminTh } from "../src/admin/words";
import { importEn, importTh } from "../src/admin/importWords";
import { referenceEn, referenceTh } from "../src/admin/referenceWords";
import { outreachEn, outreachTh } from "../src/outreach/words";

/** The screens' words are spread into one dictionary (src/i18n.ts): a key two parts both
 * define silently takes the later one's text (an outreach "people" once renamed the admin tab). */
function clashes(parts: Record<string, Record<string, string>>, base: string[]): string[] {
  const seen = new Map<string, string>(base.map((k) => [k, "i18n"]));
  const out: string[] = [];
  for (const [name, words] of Object.entries(parts)) {
    for (const key of Object.keys(words)) {
      const before = seen.get(key);
      if (before) out.push(`${key}: ${before} and ${name}`);
      seen.set(key, name);
    }
  }
  return out;
}

/** The keys i18n.ts writes itself, after the spreads (they win over every part). */
function ownKeys(object: "th" | "en"): string[] {
  const source = readFileSync(new URL("../src/i18n.ts", import.meta.url), "utf8");
  const start = source.indexOf(object === "th" ? "const th = {" : "const en: Dict = {");
  const body = source.slice(start, source.indexOf("\n};", start));
  return [...body.matchAll(/^ {2}(\w+):/gm)].map((m) => m[1]);
}

describe("words", () => {
  it("no two parts define the same key, in Thai or in English", () => {
    expect(clashes({ dashboardTh, deskTh, adminTh, importTh, referenceTh, outreachTh }, ownKeys("th"))).toEqual([]);
    expect(clashes({ dashboardEn, deskEn, adminEn, importEn, referenceEn, outreachEn }, ownKeys("en"))).toEqual([]);
  });
});
