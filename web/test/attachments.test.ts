// Files on cases (issue 14): the checks before queueing, and the outbox sending a case's files
// after the case, each to that case, once.
import { describe, expect, it } from "vitest";
import {
  claimedType, fitWithin, formatBytes, jpegName, kindOf, MAX_FILE_BYTES, prepareFile, type QueuedFile,
} from "../src/lib/attachments";
import { memoryStore, needsDecision, Outbox, type FileSender, type Sender } from "../src/lib/outbox";
import { classifyFailure, serverError } from "../src/lib/upload";

function file(name: string, type: string, size: number): File {
  return new File([new Uint8Array(size)], name, { type });
}

describe("what may be attached", () => {
  it("takes images and PDFs, by type or else by the name's extension", () => {
    expect(kindOf(claimedType({ name: "a.jpg", type: "image/jpeg" }))).toBe("PHOTO");
    expect(kindOf(claimedType({ name: "scan.HEIC", type: "" }))).toBe("PHOTO");
    expect(kindOf(claimedType({ name: "letter.pdf", type: "" }))).toBe("DOCUMENT");
    expect(kindOf(claimedType({ name: "notes.docx", type: "application/vnd.openxmlformats" }))).toBeNull();
    expect(kindOf(claimedType({ name: "run.sh", type: "" }))).toBeNull();
  });

  it("shrinks to a longest side of 1600 px, never enlarges", () => {
    expect(fitWithin(4000, 3000)).toEqual({ width: 1600, height: 1200 });
    expect(fitWithin(3000, 4000)).toEqual({ width: 1200, height: 1600 });
    expect(fitWithin(800, 600)).toEqual({ width: 800, height: 600 });
  });

  it("names the shrunk photo .jpg and says sizes plainly", () => {
    expect(jpegName("IMG_0001.HEIC")).toBe("IMG_0001.jpg");
    expect(jpegName("สลิปเงินเดือน.png")).toBe("สลิปเงินเดือน.jpg");
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(250 * 1024)).toBe("250 KB");
    expect(formatBytes(1.5 * 1024 * 1024)).toBe("1.5 MB");
  });

  it("sends the redrawn photo (no EXIF), a PDF as it is, and refuses what it cannot send", async () => {
    const small = new Blob([new Uint8Array(1000)], { type: "image/jpeg" });
    const photo = await prepareFile(file("p.png", "image/png", 5000), "id-1", async () => small);
    expect(photo).toMatchObject({ clientId: "id-1", name: "p.jpg", type: "image/jpeg", size: 1000, kind: "PHOTO" });
    const undecodable = await prepareFile(file("p.heic", "image/heic", 3000), "id-2", async () => null);
    expect(undecodable).toMatchObject({ name: "p.heic", type: "image/heic", size: 3000 });
    const pdf = await prepareFile(file("letter.pdf", "application/pdf", 2000), "id-3", async () => { throw new Error("no"); });
    expect(pdf).toMatchObject({ kind: "DOCUMENT", size: 2000, type: "application/pdf" });
    expect(await prepareFile(file("big.pdf", "application/pdf", MAX_FILE_BYTES + 1), "id-4"))
      .toEqual({ problem: "size", name: "big.pdf" });
    expect(await prepareFile(file("a.zip", "application/zip", 10), "id-5")).toEqual({ problem: "type", name: "a.zip" });
  });
});

describe("what an upload's answer means", () => {
  const body = (code: string, extra = {}) => JSON.stringify({ error: { code, message: code, messageTh: "ไทย" }, ...extra });

  it("a file already attached or finished is done", () => {
    expect(classifyFailure("POST", 409, body("ALREADY_ATTACHED", { attachmentId: "a-1" }), true))
      .toEqual({ kind: "done", attachmentId: "a-1" });
    expect(classifyFailure("PATCH", 409, body("UPLOAD_FINISHED"), true)).toMatchObject({ kind: "done" });
  });

  it("a refused file keeps the server's Thai words and is not retried", () => {
    for (const [status, code] of [[413, "FILE_TOO_LARGE"], [415, "UNSUPPORTED"], [422, "FILE_REFUSED"], [413, "CASE_FULL"]] as const) {
      expect(classifyFailure("PATCH", status, body(code), true))
        .toEqual({ kind: "refused", error: { code, message: code, messageTh: "ไทย" } });
    }
    // a case not found (or not this user's to attach to) refuses the creation
    expect(classifyFailure("POST", 404, body("NOT_FOUND"), true)).toMatchObject({ kind: "refused" });
  });

  it("the network, the server's errors, a busy upload and an offset mismatch are retried", () => {
    expect(classifyFailure("PATCH", 0, "", true)).toMatchObject({ kind: "retry" });
    expect(classifyFailure("PATCH", 422, body("FILE_REFUSED"), false)).toMatchObject({ kind: "retry" });
    expect(classifyFailure("PATCH", 502, "bad gateway", true)).toMatchObject({ kind: "retry" });
    expect(classifyFailure("PATCH", 423, body("UPLOAD_LOCKED"), true)).toMatchObject({ kind: "retry" });
    expect(classifyFailure("PATCH", 409, body("OFFSET_MISMATCH"), true)).toMatchObject({ kind: "retry" });
    expect(classifyFailure("HEAD", 401, "", true)).toMatchObject({ kind: "retry" });
  });

  it("an upload gone (expired, swept) starts again from the file on the phone", () => {
    expect(classifyFailure("PATCH", 410, body("UPLOAD_EXPIRED"), true)).toBe("restart");
    expect(classifyFailure("PATCH", 404, body("NOT_FOUND"), true)).toBe("restart");
  });

  it("reads the error body, or says the status", () => {
    expect(serverError(500, "<html>")).toEqual({ code: "HTTP_500", message: "HTTP 500", messageTh: "ระบบตอบกลับ 500" });
  });
});

const input = { categoryCode: "UNPAID_WAGES" };
const sent: Sender<typeof input> = async (clientId) => ({ kind: "sent", caseId: clientId, reference: "43-2570-000001" });

function queued(clientId: string): QueuedFile {
  return { clientId, name: `${clientId}.jpg`, type: "image/jpeg", size: 3, kind: "PHOTO", blob: new Blob(["abc"]) };
}

describe("the outbox with files", () => {
  it("sends the case first, then each file to that case, and forgets the item once all arrived", async () => {
    const outbox = new Outbox(memoryStore<typeof input>());
    const calls: string[] = [];
    const sendFile: FileSender = async (f, caseId) => { calls.push(`${f.clientId}→${caseId}`); return { kind: "done" }; };
    await outbox.enqueue("vol", input, "case-1", [queued("f1"), queued("f2")]);
    const report = await outbox.flush("vol", async (id, i, a) => { calls.push(`case ${id}`); return sent(id, i, a); }, sendFile);
    expect(calls).toEqual(["case case-1", "f1→case-1", "f2→case-1"]);
    expect(report).toMatchObject({ filesSent: 2, filesRefused: 0, interrupted: false });
    expect(await outbox.items("vol")).toEqual([]);
  });

  it("a cut line keeps the filed case's waiting files; the next run sends only them, to the same case", async () => {
    const outbox = new Outbox(memoryStore<typeof input>());
    await outbox.enqueue("vol", input, "case-2", [queued("f1"), queued("f2")]);
    let line = true;
    const cases: string[] = [];
    const files: string[] = [];
    const sendFile: FileSender = async (f, caseId) => {
      if (f.clientId === "f2" && !line) return { kind: "retry", reason: "offline" };
      files.push(`${f.clientId}→${caseId}`);
      return { kind: "done" };
    };
    const send: Sender<typeof input> = async (id, i, a) => { cases.push(id); return sent(id, i, a); };
    line = false;
    expect(await outbox.flush("vol", send, sendFile)).toMatchObject({ interrupted: true, filesSent: 1 });
    const [left] = await outbox.items("vol");
    expect(left).toMatchObject({ caseId: "case-2", reference: "43-2570-000001" });
    expect(left!.files!.map((f) => f.clientId)).toEqual(["f2"]);
    expect(needsDecision(left!)).toBe(false);
    line = true;
    await outbox.flush("vol", send, sendFile);
    expect(cases).toEqual(["case-2"]); // the case is not sent again
    expect(files).toEqual(["f1→case-2", "f2→case-2"]);
    expect(await outbox.items("vol")).toEqual([]);
  });

  it("a refused file stays with the server's words, is not sent again, and can be removed", async () => {
    const outbox = new Outbox(memoryStore<typeof input>());
    await outbox.enqueue("vol", input, "case-3", [queued("bad"), queued("ok")]);
    let tries = 0;
    const sendFile: FileSender = async (f) => {
      if (f.clientId !== "bad") return { kind: "done" };
      tries += 1;
      return { kind: "refused", error: { code: "FILE_REFUSED", message: "Not a PDF", messageTh: "ไม่ใช่ไฟล์ PDF" } };
    };
    expect(await outbox.flush("vol", sent, sendFile)).toMatchObject({ filesSent: 1, filesRefused: 1 });
    const [left] = await outbox.items("vol");
    expect(left!.files).toHaveLength(1);
    expect(left!.files![0]!.error?.messageTh).toBe("ไม่ใช่ไฟล์ PDF");
    expect(needsDecision(left!)).toBe(true);
    await outbox.flush("vol", sent, sendFile);
    expect(tries).toBe(1);
    await outbox.discardFile("case-3", "bad");
    expect(await outbox.items("vol")).toEqual([]);
  });

  it("a case refused or warned keeps its files and sends none", async () => {
    const outbox = new Outbox(memoryStore<typeof input>());
    await outbox.enqueue("vol", input, "case-4", [queued("f1")]);
    let uploads = 0;
    await outbox.flush("vol", async () => ({ kind: "refused", error: { code: "X", message: "x", messageTh: "x" } }),
                       async () => { uploads += 1; return { kind: "done" }; });
    const [left] = await outbox.items("vol");
    expect(uploads).toBe(0);
    expect(left!.files).toHaveLength(1);
    expect(left!.caseId).toBeUndefined();
  });

  it("a file removed while another uploads is not sent", async () => {
    const outbox = new Outbox(memoryStore<typeof input>());
    await outbox.enqueue("vol", input, "case-5", [queued("f1"), queued("f2")]);
    const sentFiles: string[] = [];
    const sendFile: FileSender = async (f) => {
      sentFiles.push(f.clientId);
      if (f.clientId === "f1") await outbox.discardFile("case-5", "f2");
      return { kind: "done" };
    };
    await outbox.flush("vol", sent, sendFile);
    expect(sentFiles).toEqual(["f1"]);
    expect(await outbox.items("vol")).toEqual([]);
  });
});
