import "fake-indexeddb/auto";
import { describe, expect, it } from "vitest";
import { idbStore } from "../src/lib/idbStore";
import { memoryStore, newClientId, Outbox, type SendResult } from "../src/lib/outbox";

type Input = { description: string; citizen: { fullName: string; nationalId: string } };
const input = (n: number): Input => ({
  description: `case ${n}`, citizen: { fullName: `citizen ${n}`, nationalId: "1101700230708" },
});

/** A fake server that files each clientId once, like openCase does. */
function fakeServer() {
  const filed = new Map<string, string>();
  let calls = 0;
  let online = true;
  return {
    filed, get calls() { return calls; },
    setOnline(value: boolean) { online = value; },
    send: async (clientId: string, _input: Input): Promise<SendResult> => {
      calls += 1;
      if (!online) throw new TypeError("Failed to fetch");
      if (!filed.has(clientId)) filed.set(clientId, `NKI-2569-${String(filed.size + 1).padStart(6, "0")}`);
      return { kind: "sent", caseId: clientId, reference: filed.get(clientId)! };
    },
  };
}

let tick = 0;
const clock = () => new Date(Date.UTC(2026, 3, 10, 3, 0, tick++));

for (const [name, makeStore] of [
  ["memory", () => memoryStore<Input>()],
  ["IndexedDB", () => idbStore<Input>(`test-${Math.random()}`)],
] as const) {
  describe(`outbox on ${name}`, () => {
    it("queues while offline, sends oldest first when online, and then forgets", async () => {
      const outbox = new Outbox<Input>(makeStore(), clock);
      const server = fakeServer();
      server.setOnline(false);
      await outbox.enqueue("vol", input(1));
      await outbox.enqueue("vol", input(2));
      const offline = await outbox.flush("vol", server.send);
      expect(offline.interrupted).toBe(true);
      expect(offline.sent).toHaveLength(0);
      expect(await outbox.items("vol")).toHaveLength(2);
      expect((await outbox.items("vol"))[0]!.attempts).toBe(1);

      server.setOnline(true);
      const report = await outbox.flush("vol", server.send);
      expect(report.sent.map((s) => s.reference)).toEqual(["NKI-2569-000001", "NKI-2569-000002"]);
      expect(await outbox.items()).toEqual([]); // no personal data left on the device
    });

    it("never files a case twice, even when flushes overlap", async () => {
      const outbox = new Outbox<Input>(makeStore(), clock);
      const server = fakeServer();
      await outbox.enqueue("vol", input(1));
      const [a, b] = await Promise.all([outbox.flush("vol", server.send), outbox.flush("vol", server.send)]);
      expect(a).toBe(b);
      expect(server.calls).toBe(1);
      expect(server.filed.size).toBe(1);
      await outbox.flush("vol", server.send);
      expect(server.calls).toBe(1);
    });

    it("keeps the clientId across retries so the server can recognise a resend", async () => {
      const outbox = new Outbox<Input>(makeStore(), clock);
      const seen: string[] = [];
      let fail = true;
      const item = await outbox.enqueue("vol", input(1));
      const send = async (clientId: string): Promise<SendResult> => {
        seen.push(clientId);
        if (fail) return { kind: "retry", reason: "answer lost" };
        return { kind: "sent", caseId: clientId, reference: "NKI-2569-000001" };
      };
      await outbox.flush("vol", send);
      fail = false;
      await outbox.flush("vol", send);
      expect(seen).toEqual([item.clientId, item.clientId]);
    });

    it("keeps a refused case with its error and does not resend it", async () => {
      const outbox = new Outbox<Input>(makeStore(), clock);
      let calls = 0;
      await outbox.enqueue("vol", input(1));
      const send = async (): Promise<SendResult> => {
        calls += 1;
        return { kind: "refused", error: { code: "INVALID_NATIONAL_ID", message: "bad", messageTh: "ผิด", field: "citizen.nationalId" } };
      };
      const report = await outbox.flush("vol", send);
      expect(report.refused).toBe(1);
      const [kept] = await outbox.items("vol");
      expect(kept!.error!.code).toBe("INVALID_NATIONAL_ID");
      await outbox.flush("vol", send);
      expect(calls).toBe(1);
      await outbox.discard(kept!.clientId);
      expect(await outbox.items()).toEqual([]);
    });

    it("sends only the signed-in volunteer's items", async () => {
      const outbox = new Outbox<Input>(makeStore(), clock);
      const server = fakeServer();
      await outbox.enqueue("a", input(1));
      await outbox.enqueue("b", input(2));
      await outbox.flush("a", server.send);
      expect((await outbox.items()).map((i) => i.owner)).toEqual(["b"]);
    });

    it("tells subscribers when the queue changes", async () => {
      const outbox = new Outbox<Input>(makeStore(), clock);
      let changes = 0;
      const stop = outbox.subscribe(() => { changes += 1; });
      await outbox.enqueue("vol", input(1));
      expect(changes).toBe(1);
      stop();
      await outbox.enqueue("vol", input(2));
      expect(changes).toBe(1);
    });
  });
}

describe("client ids", () => {
  it("are v4 UUIDs and differ", () => {
    const ids = new Set(Array.from({ length: 100 }, newClientId));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
