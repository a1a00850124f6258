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
 *
 * Files attached later to a case already on the server (its page, an officer's document for a
 * referral) wait the same way, in an "attachments" item that carries the case id (and the
 * referral id) from the start: the same upload path, in the same order, with the same answers.
 *
 * Changes to the store are made one at a time (a file added while another is being sent, or
 * removed, is never lost between a read and a write).
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

/** What every outbox item has. */
interface ItemBase {
  clientId: string;
  /** Whose item it is: only the user who queued it sends it. */
  owner: string;
  queuedAt: string;
  attempts: number;
  /** Files waiting to be uploaded to the item's case (once the case is on the server). */
  files?: QueuedFile[];
  /** The case's id on the server: set once a queued case is filed; only files wait then. */
  caseId?: string;
  /** The case's reference, shown while its files are still being sent. */
  reference?: string;
}

/** A case filed on the phone (and the files attached to it when filing). */
export interface CaseItem<I = Record<string, unknown>> extends ItemBase {
  kind?: "case"; // absent in items stored before attachments-only items existed
  input: I;
  /** Set when the server refused the case: the volunteer must fix or discard it. */
  error?: OutboxError;
  /** Set when the server warned of a duplicate: waits for the volunteer's decision. */
  duplicate?: DuplicateWarning;
  /** The volunteer chose to file it despite the warning: sent with `fileAnyway: true`. */
  fileAnyway?: boolean;
}

/**
 * Files attached to a case already on the server (its page's "attach", an officer's document for
 * a referral): only files wait, for that case (and that referral), from the start.
 */
export interface AttachmentsItem extends ItemBase {
  kind: "attachments";
  caseId: string;
  reference: string;
  /** An officer's documents for one referral of the case. */
  referralId: string | null;
  files: QueuedFile[];
  input?: undefined;
  error?: undefined;
  duplicate?: undefined;
  fileAnyway?: undefined;
}

/**
 * Outreach work recorded on the phone (issue 16): a need of the area, people served at a mobile
 * unit, "I came" at a meeting, the volunteer's checklist. No personal data (counts and notes).
 * Each carries the clientId the server stores it under (the checklist sets values), so a replay
 * after the signal returns is stored once. Sent in the same runs as cases; a refusal keeps the
 * server's words until the volunteer discards it.
 */
export interface OutreachItem extends ItemBase {
  kind: "outreach";
  op: "need" | "service" | "meeting" | "checklist";
  /** The event (attendance, checklist), its title for the list. */
  eventId: string | null;
  title: string;
  /** The mutation's variables, clientId included. */
  variables: Record<string, unknown>;
  error?: OutboxError;
  input?: undefined;
  duplicate?: undefined;
  fileAnyway?: undefined;
}

export type OutboxItem<I = Record<string, unknown>> = CaseItem<I> | AttachmentsItem | OutreachItem;

export type OutreachResult = { kind: "done" } | { kind: "refused"; error: OutboxError } | { kind: "retry" };
export type OutreachSender = (item: OutreachItem) => Promise<OutreachResult>;

/** Where a file goes: its item's case, and for an officer's document the referral. */
export interface FileTarget { caseId: string; referralId: string | null }

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
  /** Outreach items the server now has. */
  outreachSent: number;
}

export type Sender<I> = (clientId: string, input: I, fileAnyway: boolean) => Promise<SendResult>;

export type FileResult =
  | { kind: "done" }
  | { kind: "refused"; error: OutboxError }
  | { kind: "retry"; reason: string };

/** Uploads one file of a filed case (lib/upload.ts in the browser). */
export type FileSender = (file: QueuedFile, target: FileTarget) => Promise<FileResult>;

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
  /** A flush was asked for during a run: run again after it (unless the network stopped it). */
  private again = false;
  private writing: Promise<unknown> = Promise.resolve();
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

  /** Changes to the store, one after the other (read, change, write without another between). */
  private serial<T>(change: () => Promise<T>): Promise<T> {
    const done = this.writing.then(change, change);
    this.writing = done.catch(() => undefined);
    return done;
  }

  private async find(clientId: string): Promise<OutboxItem<I> | undefined> {
    return (await this.store.all()).find((i) => i.clientId === clientId);
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
                files: QueuedFile[] = []): Promise<CaseItem<I>> {
    const item: CaseItem<I> = {
      clientId, owner, input, queuedAt: this.now().toISOString(), attempts: 0,
      ...(files.length ? { files } : {}),
    };
    await this.serial(() => this.store.put(item));
    this.changed();
    return item;
  }

  /**
   * Queue files for a case already on the server: an attachments item carrying the case (and the
   * referral, for an officer's document). Files added while one is waiting for the same case
   * and referral join it (one row in the outbox, sent in the order they were added).
   */
  async enqueueFiles(owner: string, target: FileTarget & { reference: string },
                     files: QueuedFile[]): Promise<AttachmentsItem> {
    const item = await this.serial(async () => {
      const waiting = (await this.store.all()).find((i): i is AttachmentsItem =>
        i.kind === "attachments" && i.owner === owner && i.caseId === target.caseId
        && i.referralId === target.referralId);
      const next: AttachmentsItem = waiting
        ? { ...waiting, files: [...waiting.files, ...files] }
        : { kind: "attachments", clientId: newClientId(), owner, caseId: target.caseId,
            reference: target.reference, referralId: target.referralId, files,
            queuedAt: this.now().toISOString(), attempts: 0 };
      await this.store.put(next);
      return next;
    });
    this.changed();
    return item;
  }

  /** Queue outreach work (a need, attendance, the checklist) to be sent with the rest. */
  async enqueueOutreach(owner: string, item: Pick<OutreachItem, "op" | "eventId" | "title" | "variables">,
                        clientId: string = newClientId()): Promise<OutreachItem> {
    const stored: OutreachItem = { kind: "outreach", clientId, owner, queuedAt: this.now().toISOString(),
                                   attempts: 0, ...item };
    await this.serial(() => this.store.put(stored));
    this.changed();
    return stored;
  }

  /**
   * The volunteer saw the duplicate warning and files the case all the same: the item is
   * sent again at the next flush, with the same clientId and `fileAnyway`. False when there
   * is no such item (already sent or discarded, e.g. in another tab).
   */
  async fileAnyway(clientId: string): Promise<boolean> {
    const stored = await this.update(clientId, (item) => {
      if (item.kind === "attachments" || item.kind === "outreach") return item;
      const { duplicate: _, ...rest } = item;
      return { ...rest, fileAnyway: true };
    });
    this.changed();
    return stored !== null;
  }

  async discard(clientId: string): Promise<void> {
    await this.serial(() => this.store.remove(clientId));
    this.changed();
  }

  /** Take one file off an item (a refused one, or one the volunteer no longer wants sent). An
   * item whose case is filed and has no file left is done and leaves the outbox. */
  async discardFile(clientId: string, fileClientId: string): Promise<void> {
    await this.update(clientId, (item) => withFiles(item, (item.files ?? []).filter((f) => f.clientId !== fileClientId)));
    this.changed();
  }

  /** Change the stored item (read afresh: another run or tab may have changed it meanwhile);
   * a filed item with no files left is removed. Returns what is stored now, or null. */
  private update(clientId: string, change: (item: OutboxItem<I>) => OutboxItem<I>,
  ): Promise<OutboxItem<I> | null> {
    return this.serial(async () => {
      const stored = await this.find(clientId);
      if (!stored) return null;
      const next = change(stored);
      if (next.caseId !== undefined && !(next.files ?? []).length) {
        await this.store.remove(clientId);
        return null;
      }
      await this.store.put(next);
      return next;
    });
  }

  async clear(): Promise<void> {
    await this.serial(() => this.store.clear());
    this.changed();
  }

  /**
   * Send the owner's waiting items, oldest first: a queued case, then its files; an attachments
   * item's files to its case. Only one flush runs at a time: a call while one runs gets that
   * run's report (and, unless the network stopped it, another run follows for what was queued
   * meanwhile). Refused and warned items keep the answer and are not re-sent until the
   * volunteer decides; a network failure stops the run.
   */
  flush(owner: string, send: Sender<I>, sendFile?: FileSender, sendOutreach?: OutreachSender): Promise<FlushReport> {
    if (this.flushing) {
      this.again = true;
      return this.flushing;
    }
    this.again = false;
    const run = this.run(owner, send, sendFile, sendOutreach);
    this.flushing = run.finally(() => {
      this.flushing = null;
    });
    void run.then((report) => {
      if (this.again && !report.interrupted) void this.flush(owner, send, sendFile, sendOutreach);
    }, () => undefined);
    return this.flushing;
  }

  private async run(owner: string, send: Sender<I>, sendFile?: FileSender,
                    sendOutreach?: OutreachSender): Promise<FlushReport> {
    const report: FlushReport = { sent: [], filesSent: 0, filesRefused: 0, refused: 0, duplicates: 0,
                                  interrupted: false, outreachSent: 0 };
    // Read afresh before each item: one queued during the run is sent in the same run.
    const seen = new Set<string>();
    for (;;) {
      const item = (await this.items(owner)).find((i) => !seen.has(i.clientId) && !needsDecision(i));
      if (!item) break;
      seen.add(item.clientId);
      if (item.kind === "outreach") {
        if (!sendOutreach) continue;
        let result: OutreachResult;
        try {
          result = await sendOutreach(item);
        } catch {
          result = { kind: "retry" };
        }
        if (result.kind === "done") {
          report.outreachSent += 1;
          await this.serial(() => this.store.remove(item.clientId));
        } else {
          const error = result.kind === "refused" ? result.error : undefined;
          await this.update(item.clientId, (i) => (i.kind === "outreach"
            ? { ...i, attempts: i.attempts + 1, ...(error ? { error } : {}) } : i));
        }
        this.changed();
        if (result.kind === "retry") {
          report.interrupted = true;
          break;
        }
        continue;
      }
      if (item.kind !== "attachments" && item.caseId === undefined) {
        let result: SendResult;
        try {
          result = await send(item.clientId, item.input, item.fileAnyway === true);
        } catch (error) {
          result = { kind: "retry", reason: String(error) };
        }
        const answered = (change: (i: CaseItem<I>) => CaseItem<I>) =>
          this.update(item.clientId, (i) => (i.kind === "attachments" || i.kind === "outreach" ? i : change(i)));
        if (result.kind === "sent") {
          report.sent.push({ clientId: item.clientId, caseId: result.caseId, reference: result.reference });
          // The case is filed: from now on only its files wait, for this case id (or, with no
          // file, the item is done and removed).
          const { caseId, reference } = result;
          await answered(({ error: _e, duplicate: _d, fileAnyway: _f, ...rest }) => (
            { ...rest, caseId, reference, attempts: 0 }));
        } else if (result.kind === "refused") {
          const { error } = result;
          await answered((i) => ({ ...i, attempts: i.attempts + 1, error }));
          report.refused += 1;
        } else if (result.kind === "duplicate") {
          const { warning } = result;
          await answered((i) => ({ ...i, attempts: i.attempts + 1, duplicate: warning }));
          report.duplicates += 1;
        } else {
          await answered((i) => ({ ...i, attempts: i.attempts + 1 }));
          report.interrupted = true;
          break;
        }
        this.changed();
        if (result.kind !== "sent") continue;
      }
      if (sendFile && !(await this.sendFiles(item.clientId, sendFile, report))) {
        report.interrupted = true;
        break;
      }
    }
    this.changed();
    return report;
  }

  /**
   * Upload a filed item's waiting files, one at a time, each to the item's own case; the item
   * is read afresh before each file (one removed meanwhile is not sent, one added is). False
   * when the network stopped it.
   */
  private async sendFiles(clientId: string, sendFile: FileSender, report: FlushReport): Promise<boolean> {
    const tried = new Set<string>();
    for (;;) {
      const item = await this.find(clientId);
      if (!item || item.caseId === undefined) return true;
      const file = pendingFiles(item).find((f) => !tried.has(f.clientId));
      if (!file) return true;
      tried.add(file.clientId);
      const target: FileTarget = { caseId: item.caseId, referralId: item.kind === "attachments" ? item.referralId : null };
      let result: FileResult;
      try {
        result = await sendFile(file, target);
      } catch (error) {
        result = { kind: "retry", reason: String(error) };
      }
      if (result.kind === "retry") {
        await this.update(clientId, (i) => ({ ...i, attempts: i.attempts + 1 }));
        this.changed();
        return false;
      }
      if (result.kind === "done") {
        report.filesSent += 1;
        await this.update(clientId, (i) => withFiles(i, (i.files ?? []).filter((f) => f.clientId !== file.clientId)));
      } else {
        report.filesRefused += 1;
        const { error } = result;
        await this.update(clientId, (i) => withFiles(i, (i.files ?? []).map((f) => (
          f.clientId === file.clientId ? { ...f, error } : f))));
      }
      this.changed();
    }
  }
}

/** The item with these files instead of its own. */
function withFiles<I>(item: OutboxItem<I>, files: QueuedFile[]): OutboxItem<I> {
  return item.kind === "attachments" ? { ...item, files } : item.kind === "outreach" ? item : { ...item, files };
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
