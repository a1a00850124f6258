/**
 * The outbox: cases filed while offline (or while the line is bad) wait here, in IndexedDB,
 * until the server has them. Each carries a `clientId` chosen on the device, which the server
 * uses as the case id, so sending one twice (a retry after a lost answer, two tabs) still
 * files one case. An item is deleted the moment the server confirms it: a citizen's personal
 * data stays on the phone no longer than it takes to send it.
 *
 * Two answers stop an item until the volunteer acts: a refusal (`error`: fix or discard it)
 * and a duplicate warning (`duplicate`: the citizen already has an open case of this problem
 * type; nothing was filed). A warned item is kept, never re-sent on its own, until the
 * volunteer files it anyway (sent again with the same clientId and `fileAnyway`) or discards it.
 *
 * Files attached when filing (issue 14) wait in the same item, as Blobs in IndexedDB (never in
 * the service worker's cache). The case goes first; the item then keeps the case's id from the
 * server's answer and only its files wait: each is uploaded to that case, and leaves the item
 * the moment the server has it. A file the server refuses (too large, not an image or PDF) keeps
 * the server's words and is never sent again; the volunteer removes it. A file belongs to the
 * case it was attached to: it is only ever sent with its own item's case id.
 */
import type { QueuedFile } from "./attachments";

export interface OutboxError {
  code: string;
  message: string;
  messageTh: string;
  field?: string | null;
}

/**
 * The server's `DuplicateCaseWarning`: the citizen has an open case of the same problem type.
 * `code` is DUPLICATE_CASE, or LOOKUP_QUOTA_EXCEEDED when the volunteer has checked too many
 * citizens this hour (then nothing about the open case is told).
 */
export interface DuplicateWarning {
  code: string;
  message: string;
  messageTh: string;
  /** The open case's reference, when the volunteer may see that case; else null. */
  openCaseReference: string | null;
  /** The open case, when the volunteer may see it; else null (nothing identifies it). */
  openCase: { id: string; reference: string; status: string } | null;
}

export interface OutboxItem<I = Record<string, unknown>> {
  clientId: string;
  /** Whose item it is: only the volunteer who filed it sends it. */
  owner: string;
  input: I;
  queuedAt: string;
  attempts: number;
  /** Set when the server refused the case: the volunteer must fix or discard it. */
  error?: OutboxError;
  /** Set when the server warned of a duplicate: waits for the volunteer's decision. */
  duplicate?: DuplicateWarning;
  /** The volunteer chose to file it despite the warning: sent with `fileAnyway: true`. */
  fileAnyway?: boolean;
  /** Files attached when filing: uploaded to the case once the server has it. */
  files?: QueuedFile[];
  /** The case's id on the server (from its answer): set once the case is filed; only files wait. */
  caseId?: string;
  /** The filed case's reference, shown while its files are still being sent. */
  reference?: string;
}

/** Files of the item the server has not refused: still to be sent. */
export function pendingFiles(item: OutboxItem<unknown>): QueuedFile[] {
  return (item.files ?? []).filter((f) => !f.error);
}

/** True when the item waits for the volunteer (fix, file anyway or discard), not for the network. */
export function needsDecision(item: OutboxItem<unknown>): boolean {
  if (item.caseId !== undefined) return pendingFiles(item).length === 0; // only refused files left
  return item.error !== undefined || item.duplicate !== undefined;
}

/** Where items are kept (IndexedDB in the browser, a Map in tests). */
export interface OutboxStore<I> {
  all(): Promise<OutboxItem<I>[]>;
  put(item: OutboxItem<I>): Promise<void>;
  remove(clientId: string): Promise<void>;
  clear(): Promise<void>;
}

export type SendResult =
  | { kind: "sent"; caseId: string; reference: string }
  | { kind: "refused"; error: OutboxError }
  | { kind: "duplicate"; warning: DuplicateWarning }
  | { kind: "retry"; reason: string };

export interface FlushReport {
  sent: { clientId: string; caseId: string; reference: string }[];
  /** Files the server now has (each once: a repeat is answered ALREADY_ATTACHED, counted too). */
  filesSent: number;
  /** Files the server refused this run (kept on the item with its words). */
  filesRefused: number;
  refused: number;
  /** Items that got a duplicate warning this run (kept, waiting for the volunteer). */
  duplicates: number;
  /** True when a network failure stopped the run; the rest wait for the next one. */
  interrupted: boolean;
}

export type Sender<I> = (clientId: string, input: I, fileAnyway: boolean) => Promise<SendResult>;

export type FileResult =
  | { kind: "done" }
  | { kind: "refused"; error: OutboxError }
  | { kind: "retry"; reason: string };

/** Uploads one file of a filed case (lib/upload.ts in the browser). */
export type FileSender = (file: QueuedFile, caseId: string) => Promise<FileResult>;

/** A random v4 UUID, also where `crypto.randomUUID` is missing (plain-HTTP pages). */
export function newClientId(): string {
  const c = globalThis.crypto;
  if (typeof c.randomUUID === "function") return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export class Outbox<I = Record<string, unknown>> {
  private flushing: Promise<FlushReport> | null = null;
  private listeners = new Set<() => void>();

  constructor(
    private readonly store: OutboxStore<I>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  async items(owner?: string): Promise<OutboxItem<I>[]> {
    const all = await this.store.all();
    return all
      .filter((item) => owner === undefined || item.owner === owner)
      .sort((a, b) => a.queuedAt.localeCompare(b.queuedAt) || a.clientId.localeCompare(b.clientId));
  }

  /** Queue a case (and the files attached to it); the returned clientId is its id on the
   * server once sent. */
  async enqueue(owner: string, input: I, clientId: string = newClientId(),
                files: QueuedFile[] = []): Promise<OutboxItem<I>> {
    const item: OutboxItem<I> = {
      clientId, owner, input, queuedAt: this.now().toISOString(), attempts: 0,
      ...(files.length ? { files } : {}),
    };
    await this.store.put(item);
    this.changed();
    return item;
  }

  /**
   * The volunteer saw the duplicate warning and files the case all the same: the item is
   * sent again at the next flush, with the same clientId and `fileAnyway`. False when there
   * is no such item (already sent or discarded, e.g. in another tab).
   */
  async fileAnyway(clientId: string): Promise<boolean> {
    const item = (await this.store.all()).find((i) => i.clientId === clientId);
    if (!item) return false;
    const { duplicate: _, ...rest } = item;
    await this.store.put({ ...rest, fileAnyway: true });
    this.changed();
    return true;
  }

  async discard(clientId: string): Promise<void> {
    await this.store.remove(clientId);
    this.changed();
  }

  /** Take one file off an item (a refused one, or one the volunteer no longer wants sent). An
   * item whose case is filed and has no file left is done and leaves the outbox. */
  async discardFile(clientId: string, fileClientId: string): Promise<void> {
    await this.update(clientId, (item) => ({
      ...item, files: (item.files ?? []).filter((f) => f.clientId !== fileClientId),
    }));
    this.changed();
  }

  /** Change the stored item (read afresh: another run or tab may have changed it meanwhile);
   * a filed item with no files left is removed. Returns what is stored now, or null. */
  private async update(clientId: string, change: (item: OutboxItem<I>) => OutboxItem<I>,
  ): Promise<OutboxItem<I> | null> {
    const stored = (await this.store.all()).find((i) => i.clientId === clientId);
    if (!stored) return null;
    const next = change(stored);
    if (next.caseId !== undefined && !(next.files ?? []).length) {
      await this.store.remove(clientId);
      return null;
    }
    await this.store.put(next);
    return next;
  }

  async clear(): Promise<void> {
    await this.store.clear();
    this.changed();
  }

  /**
   * Send the owner's waiting items, oldest first. Only one flush runs at a time: a call
   * while one runs gets that run's report. Refused and warned items keep the answer and are
   * not re-sent until the volunteer decides; a network failure stops the run.
   */
  flush(owner: string, send: Sender<I>, sendFile?: FileSender): Promise<FlushReport> {
    if (!this.flushing) {
      this.flushing = this.run(owner, send, sendFile).finally(() => {
        this.flushing = null;
      });
    }
    return this.flushing;
  }

  private async run(owner: string, send: Sender<I>, sendFile?: FileSender): Promise<FlushReport> {
    const report: FlushReport = { sent: [], filesSent: 0, filesRefused: 0, refused: 0, duplicates: 0,
                                  interrupted: false };
    for (const item of await this.items(owner)) {
      if (needsDecision(item)) continue;
      let current: OutboxItem<I> | null = item;
      if (item.caseId === undefined) {
        let result: SendResult;
        try {
          result = await send(item.clientId, item.input, item.fileAnyway === true);
        } catch (error) {
          result = { kind: "retry", reason: String(error) };
        }
        if (result.kind === "sent") {
          report.sent.push({ clientId: item.clientId, caseId: result.caseId, reference: result.reference });
          if (pendingFiles(item).length) {
            // The case is filed: from now on only its files wait, for this case id.
            const { error: _e, duplicate: _d, fileAnyway: _f, ...rest } = item;
            current = { ...rest, caseId: result.caseId, reference: result.reference, attempts: 0 };
            await this.store.put(current);
          } else {
            await this.store.remove(item.clientId);
            current = null;
          }
        } else if (result.kind === "refused") {
          await this.store.put({ ...item, attempts: item.attempts + 1, error: result.error });
          report.refused += 1;
          current = null;
        } else if (result.kind === "duplicate") {
          await this.store.put({ ...item, attempts: item.attempts + 1, duplicate: result.warning });
          report.duplicates += 1;
          current = null;
        } else {
          await this.store.put({ ...item, attempts: item.attempts + 1 });
          report.interrupted = true;
          break;
        }
        this.changed();
      }
      if (current && sendFile && !(await this.sendFiles(current, sendFile, report))) {
        report.interrupted = true;
        break;
      }
    }
    this.changed();
    return report;
  }

  /** Upload a filed item's waiting files, one at a time; false when the network stopped it. */
  private async sendFiles(item: OutboxItem<I>, sendFile: FileSender, report: FlushReport): Promise<boolean> {
    const caseId = item.caseId!;
    for (const file of pendingFiles(item)) {
      // Discarded meanwhile (the item, or this file): not sent.
      const now = (await this.store.all()).find((i) => i.clientId === item.clientId);
      if (!now?.files?.some((f) => f.clientId === file.clientId && !f.error)) continue;
      let result: FileResult;
      try {
        result = await sendFile(file, caseId);
      } catch (error) {
        result = { kind: "retry", reason: String(error) };
      }
      if (result.kind === "retry") return false;
      if (result.kind === "done") {
        report.filesSent += 1;
        await this.update(item.clientId, (i) => ({
          ...i, files: (i.files ?? []).filter((f) => f.clientId !== file.clientId),
        }));
      } else {
        report.filesRefused += 1;
        await this.update(item.clientId, (i) => ({
          ...i, files: (i.files ?? []).map((f) => (f.clientId === file.clientId ? { ...f, error: result.error } : f)),
        }));
      }
      this.changed();
    }
    return true;
  }
}

/** A store in memory (tests, and browsers without IndexedDB). */
export function memoryStore<I>(): OutboxStore<I> {
  const map = new Map<string, OutboxItem<I>>();
  return {
    all: async () => [...map.values()].map((item) => structuredClone(item)),
    put: async (item) => void map.set(item.clientId, structuredClone(item)),
    remove: async (clientId) => void map.delete(clientId),
    clear: async () => map.clear(),
  };
}
