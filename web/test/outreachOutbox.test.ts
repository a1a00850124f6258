import { describe, expect, it } from "vitest";
import { memoryStore, Outbox, type OutreachItem, type OutreachResult } from "../src/lib/outbox";
import { parseCount } from "../src/outreach/common";

const noCase = async () => ({ kind: "retry" as const, reason: "no cases here" });

describe("outreach items in the outbox", () => {
  it("are sent once each, kept while offline, and a refusal keeps the server's words", async () => {
    const outbox = new Outbox(memoryStore());
    const stored = new Set<string>();
    let online = false;
    const send = async (item: OutreachItem): Promise<OutreachResult> => {
      if (!online) throw new TypeError("Failed to fetch");
      if ((item.variables.input as { peopleCount?: number }).peopleCount === -1) {
        return { kind: "refused", error: { code: "OUT_OF_RANGE", message: "bad", messageTh: "จำนวนไม่ถูกต้อง" } };
      }
      stored.add(item.clientId);
      return { kind: "done" };
    };
    await outbox.enqueueOutreach("vol", { op: "need", eventId: null, title: "need", variables: { input: { peopleCount: 35 } } });
    await outbox.enqueueOutreach("vol", { op: "service", eventId: "e1", title: "served", variables: { id: "e1", input: { peopleServed: 12 } } });
    let report = await outbox.flush("vol", noCase, undefined, send);
    expect(report.interrupted).toBe(true);
    expect((await outbox.items("vol")).length).toBe(2);
    online = true;
    await outbox.enqueueOutreach("vol", { op: "need", eventId: null, title: "bad", variables: { input: { peopleCount: -1 } } });
    report = await outbox.flush("vol", noCase, undefined, send);
    expect(report.outreachSent).toBe(2);
    expect(stored.size).toBe(2);
    const left = await outbox.items("vol");
    expect(left.map((i) => i.kind === "outreach" && i.error?.messageTh)).toEqual(["จำนวนไม่ถูกต้อง"]);
    report = await outbox.flush("vol", noCase, undefined, send);  // a refused item waits for the volunteer
    expect(report.outreachSent).toBe(0);
  });

  it("reads counts as people type them", () => {
    expect(parseCount("")).toBeUndefined();
    expect(parseCount("1,200")).toBe(1200);
    expect(parseCount("๓๕")).toBe(35);
    expect(parseCount("-3")).toBeNull();
    expect(parseCount("100001")).toBeNull();
  });
});
