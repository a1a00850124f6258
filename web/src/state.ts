/** App-wide state: who is signed in, the network, the outbox, the current route. */
import { gql, NetworkError, RequestError, setToken, onSignedOut } from "./lib/graphql";
import { classifyOpenCase, type OpenCaseAnswer } from "./lib/openCaseAnswer";
import { idbStore } from "./lib/idbStore";
import {
  memoryStore, Outbox, type FileResult, type FileTarget, type OutboxItem, type OutreachItem, type OutreachResult,
  type SendResult,
} from "./lib/outbox";
import type { QueuedFile } from "./lib/attachments";
import { signal } from "./lib/store";
import {
  OPEN_CASE, RECORD_AREA_NEED, RECORD_MEETING_ATTENDANCE, RECORD_SERVICE_ATTENDANCE, UNREAD, UPDATE_EVENT_CHECKLIST,
} from "./queries";
import { inThai as th } from "./i18n";

export interface Me {
  id: string;
  username: string;
  displayName: string;
  role: string;
  areaCode: string | null;
  orgUnitCode: string | null;
  /** Approves or refuses extensions of legal deadlines (absent in sessions saved before). */
  isExtensionApprover?: boolean;
  /** Signed in with a one-time code: the app shows only the new-password screen. */
  mustChangePassword?: boolean;
}

export interface CaseInput {
  categoryCode: string;
  subdistrictCode: string;
  description: string;
  citizen: { fullName: string; nationalId: string | null; phone: string | null; consent: boolean;
             contactPreference?: string };
  employer: { name: string; juristicId?: string | null; address?: string | null } | null;
  capturedAt: string;
  amountClaimedThb?: string | null;
  sharedWithVolunteers?: boolean;
  /** Filed at this outreach event (issue 16): the event's report counts the case. */
  eventId?: string | null;
}

const SESSION_KEY = "khortor.session";

function loadSession(): { token: string; user: Me } | null {
  try {
    const raw = localStorage.getItem(SESSION_KEY);
    return raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
}

export const session = signal(loadSession());
setToken(session.get()?.token ?? null);

export function signIn(token: string, user: Me): void {
  localStorage.setItem(SESSION_KEY, JSON.stringify({ token, user }));
  setToken(token);
  session.set({ token, user });
  void refreshOutbox().then(() => flushOutbox());
}

/** The password is chosen: the session no longer has to. */
export function passwordChosen(): void {
  const current = session.get();
  if (!current) return;
  const next = { ...current, user: { ...current.user, mustChangePassword: false } };
  localStorage.setItem(SESSION_KEY, JSON.stringify(next));
  session.set(next);
  void flushOutbox();  // cases queued before the code was used go now
}

export async function signOut(): Promise<void> {
  // Unsent cases of this volunteer go with them: no citizen data is left behind.
  const me = session.get()?.user;
  if (me) for (const item of await outbox.items(me.username)) await outbox.discard(item.clientId);
  localStorage.removeItem(SESSION_KEY);
  setToken(null);
  session.set(null);
  navigate("/");
}

onSignedOut(() => {
  // An expired token: ask to sign in again but keep the outbox, it is sent after sign-in.
  localStorage.removeItem(SESSION_KEY);
  setToken(null);
  session.set(null);
});

// ---- network and outbox ----

export const online = signal(typeof navigator === "undefined" ? true : navigator.onLine);
export const outbox = new Outbox<CaseInput>(
  typeof indexedDB === "undefined" ? memoryStore<CaseInput>() : idbStore<CaseInput>(),
);
export const outboxItems = signal<OutboxItem<CaseInput>[]>([]);
export const flushing = signal(false);
export const notice = signal<string | null>(null);

export async function refreshOutbox(): Promise<void> {
  const me = session.get()?.user;
  outboxItems.set(me ? await outbox.items(me.username) : []);
}
outbox.subscribe(() => void refreshOutbox());

export async function sendCase(clientId: string, input: CaseInput, fileAnyway = false): Promise<SendResult> {
  try {
    const data = await gql<{ openCase: OpenCaseAnswer }>(OPEN_CASE, { input: { ...input, clientId, fileAnyway } });
    return classifyOpenCase(data.openCase);
  } catch (error) {
    if (error instanceof NetworkError) return { kind: "retry", reason: error.message };
    if (error instanceof RequestError && (error.code === "UNAUTHENTICATED" || !error.code
                                          || error.reason === "PASSWORD_CHANGE_REQUIRED")) {
      // not refused: sent again once signed in, or once a password is chosen after a one-time code
      return { kind: "retry", reason: error.message };
    }
    // Refused outright (a request this server cannot take): its own Thai where it gave one,
    // never the raw GraphQL text in the outbox.
    const message = error instanceof Error ? error.message : String(error);
    const messageTh = error instanceof RequestError && error.messageTh ? error.messageTh : th("requestFailed");
    return { kind: "refused", error: { code: "REQUEST", message, messageTh } };
  }
}

/**
 * Send now and come back as soon as the item's fate is known: filed (its files may still be
 * uploading: they carry on in the background), warned, refused, or waiting for the network.
 */
export function sendAndWait(clientId: string): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      unsubscribe();
      resolve();
    };
    const unsubscribe = outbox.subscribe(() => {
      void outbox.items().then((items) => {
        const item = items.find((i) => i.clientId === clientId);
        if (!item || item.caseId !== undefined || item.error || item.duplicate) finish();
      });
    });
    void flushOutbox().finally(finish);
  });
}

/** The volunteer files a warned item anyway: same clientId, `fileAnyway`, sent at once if online. */
export async function fileAnyway(clientId: string): Promise<boolean> {
  if (!(await outbox.fileAnyway(clientId))) return false;
  await sendAndWait(clientId);
  return true;
}

export const lastSent = signal<{ caseId: string; reference: string }[]>([]);

/** Upload progress of the files being sent now, by the file's clientId (not stored). */
export const uploadProgress = signal<Record<string, { sent: number; total: number }>>({});

function setProgress(clientId: string, sent: number, total: number): void {
  uploadProgress.set({ ...uploadProgress.get(), [clientId]: { sent, total } });
}

/** How many files of each case (by id) this phone has sent since the app opened. A case page
 * fetched while one was on its way may not list it yet: the page fetches again when the count
 * grows (screens/Attachments.tsx). */
export const filesArrived = signal<Record<string, number>>({});

/** One file of a filed case, to that case (lib/upload.ts, loaded when first needed). */
export async function sendFile(file: QueuedFile, target: FileTarget): Promise<FileResult> {
  const { uploadFile } = await import("./lib/upload");
  setProgress(file.clientId, 0, file.size);
  const result = await uploadFile(file, target, (sent, total) => setProgress(file.clientId, sent, total));
  const { [file.clientId]: _, ...rest } = uploadProgress.get();
  uploadProgress.set(rest);
  if (result.kind === "refused") {
    return { kind: "refused", error: { code: result.error.code, message: result.error.message,
                                       messageTh: result.error.messageTh } };
  }
  if (result.kind !== "done") return result;
  const arrived = filesArrived.get();
  filesArrived.set({ ...arrived, [target.caseId]: (arrived[target.caseId] ?? 0) + 1 });
  return { kind: "done" };
}

const OUTREACH_DOCUMENTS: Record<OutreachItem["op"], string> = {
  need: RECORD_AREA_NEED, service: RECORD_SERVICE_ATTENDANCE, meeting: RECORD_MEETING_ATTENDANCE,
  checklist: UPDATE_EVENT_CHECKLIST,
};

/** Outreach work from the outbox (a need, attendance, the checklist): stored once per clientId. */
export async function sendOutreach(item: OutreachItem): Promise<OutreachResult> {
  try {
    const data = await gql<Record<string, { __typename: string; message?: string; messageTh?: string;
                                            code?: string; field?: string }>>(OUTREACH_DOCUMENTS[item.op], item.variables);
    const answer = Object.values(data)[0]!;
    if (answer.code) {
      return { kind: "refused", error: { code: answer.code, message: answer.message ?? "", messageTh: answer.messageTh ?? "",
                                         field: answer.field ?? null } };
    }
    return { kind: "done" };
  } catch (error) {
    if (error instanceof NetworkError) return { kind: "retry" };
    if (error instanceof RequestError && (error.code === "UNAUTHENTICATED" || !error.code
                                          || error.reason === "PASSWORD_CHANGE_REQUIRED")) return { kind: "retry" };
    const message = error instanceof Error ? error.message : String(error);
    const messageTh = error instanceof RequestError && error.messageTh ? error.messageTh : th("requestFailed");
    return { kind: "refused", error: { code: "REQUEST", message, messageTh } };
  }
}

export const outreachSent = signal(0);

export async function flushOutbox(): Promise<void> {
  const me = session.get()?.user;
  if (!me || !online.get()) return;
  flushing.set(true);
  try {
    const report = await outbox.flush(me.username, sendCase, sendFile, sendOutreach);
    if (report.outreachSent) outreachSent.set(outreachSent.get() + report.outreachSent);
    if (report.sent.length) lastSent.set(report.sent);
  } finally {
    flushing.set(false);
    await refreshOutbox();
  }
}

function networkChanged(): void {
  const now = navigator.onLine;
  if (now === online.get()) return;
  online.set(now);
  if (now) void flushOutbox();
}

if (typeof window !== "undefined") {
  window.addEventListener("online", networkChanged);
  window.addEventListener("offline", networkChanged);
  // The events are not always delivered (some WebViews, emulated networks): look as well.
  setInterval(networkChanged, 2_000);
  setInterval(() => { if (outboxItems.get().length) void flushOutbox(); }, 30_000);
}

// ---- routing (hash based: the server needs no routes of its own) ----

function currentPath(): string {
  return typeof location === "undefined" ? "/" : location.hash.replace(/^#/, "") || "/";
}

export const route = signal(currentPath());
if (typeof window !== "undefined") {
  window.addEventListener("hashchange", () => route.set(currentPath()));
}

export function navigate(path: string): void {
  if (currentPath() === path) route.set(path);
  else location.hash = path;
}

// ---- the notifications badge ----

export const unread = signal(0);

export async function refreshUnread(): Promise<void> {
  if (!session.get() || !online.get()) return;
  try {
    const data = await gql<{ notifications: { unreadCount: number } }>(UNREAD);
    unread.set(data.notifications.unreadCount);
  } catch {
    /* offline or signed out: keep the last count */
  }
}

if (typeof window !== "undefined") {
  setInterval(() => void refreshUnread(), 60_000);
  route.subscribe(() => void refreshUnread());
  session.subscribe(() => { unread.set(0); void refreshUnread(); });
}
