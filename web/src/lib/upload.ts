/**
 * Resumable uploads (tus 1.0, `tus-js-client`) to `/uploads` (api/uploads/): one file of a
 * case, with the metadata {filename, filetype, case, referral?, clientId}.
 *
 * A reload or a dropped line resumes where the server stopped: the upload's URL is kept in
 * IndexedDB under the file's clientId (never its name: tus-js-client's default fingerprint and
 * its localStorage would keep the file's name and metadata), and `findPreviousUploads` finds it
 * again. The bearer token goes in a header on every request, never in a URL.
 *
 * What comes back: done (the attachment's id when the server said it; a 409 ALREADY_ATTACHED
 * or UPLOAD_FINISHED is done as well: the server has the file), refused (413/415/422, or a
 * 404 for a case this user may not attach to: the server's words, never sent again), or
 * retry (the network, a server error, an expired sign-in: sent again later).
 */
import { DetailedError, Upload, type PreviousUpload, type UrlStorage } from "tus-js-client";
import { createStore, del, get, set, type UseStore } from "idb-keyval";
import { authorization } from "./graphql";
import type { QueuedFile } from "./attachments";
import type { FileTarget } from "./outbox";

export const UPLOADS_ENDPOINT = "/uploads";
/** One PATCH carries at most this much: a cut line loses at most one chunk. */
export const CHUNK_BYTES = 256 * 1024;
/** tus-js-client's own retries, then the outbox tries again at the next flush. */
export const RETRY_DELAYS = [0, 1_000, 3_000, 5_000, 10_000];

export interface ServerError { code: string; message: string; messageTh: string; field?: string | null }

export type UploadResult =
  | { kind: "done"; attachmentId: string | null }
  | { kind: "refused"; error: ServerError }
  | { kind: "retry"; reason: string };

/** The case (and, for an officer's document, the referral) a file goes to: its outbox item's. */
export type UploadTarget = FileTarget;

/** Where each file's upload URL is kept: IndexedDB `khortor-uploads`, keyed by clientId. */
class IdbUrlStorage implements UrlStorage {
  private store: UseStore | null = null;

  private db(): UseStore {
    this.store ??= createStore("khortor-uploads", "urls");
    return this.store;
  }

  async findAllUploads(): Promise<PreviousUpload[]> {
    return []; // never listed: each upload is looked up by its own clientId
  }

  async findUploadsByFingerprint(fingerprint: string): Promise<PreviousUpload[]> {
    const found = await get<{ uploadUrl: string; size: number | null; creationTime: string }>(fingerprint, this.db());
    if (!found) return [];
    return [{ ...found, metadata: {}, urlStorageKey: fingerprint, parallelUploadUrls: null }];
  }

  async removeUpload(urlStorageKey: string): Promise<void> {
    await del(urlStorageKey, this.db());
  }

  async addUpload(fingerprint: string, upload: PreviousUpload): Promise<string> {
    // Only the URL, the size and when: no file name, no metadata (they may name the citizen).
    await set(fingerprint, { uploadUrl: upload.uploadUrl, size: upload.size, creationTime: upload.creationTime },
              this.db());
    return fingerprint;
  }
}

class MemoryUrlStorage implements UrlStorage {
  private map = new Map<string, PreviousUpload>();
  async findAllUploads() { return [...this.map.values()]; }
  async findUploadsByFingerprint(fingerprint: string) {
    const found = this.map.get(fingerprint);
    return found ? [found] : [];
  }
  async removeUpload(key: string) { this.map.delete(key); }
  async addUpload(fingerprint: string, upload: PreviousUpload) {
    this.map.set(fingerprint, { ...upload, metadata: {}, urlStorageKey: fingerprint });
    return fingerprint;
  }
}

const urlStorage: UrlStorage = typeof indexedDB === "undefined" ? new MemoryUrlStorage() : new IdbUrlStorage();

/** The key of a file's stored upload URL. */
export function fingerprintOf(clientId: string): string {
  return `khortor-upload-${clientId}`;
}

/** The error body the server sends (`{"error": {code, message, messageTh, field}}`), if any. */
export function serverError(status: number, body: string): ServerError | null {
  try {
    const parsed = JSON.parse(body) as { error?: ServerError };
    if (parsed.error?.code) return parsed.error;
  } catch {
    /* not JSON */
  }
  return status ? { code: `HTTP_${status}`, message: `HTTP ${status}`, messageTh: `ระบบตอบกลับ ${status}` } : null;
}

/** What an answer means for the outbox. */
export function classifyFailure(method: string, status: number, body: string, online: boolean,
): UploadResult | "restart" {
  if (!status || !online) return { kind: "retry", reason: status ? `HTTP ${status}, offline` : "network" };
  const error = serverError(status, body);
  const code = error?.code ?? "";
  if (status === 409 && (code === "ALREADY_ATTACHED" || code === "UPLOAD_FINISHED")) {
    let attachmentId: string | null = null;
    try { attachmentId = (JSON.parse(body) as { attachmentId?: string }).attachmentId ?? null; } catch { /* none */ }
    return { kind: "done", attachmentId };
  }
  if (status === 401 || status === 403 || status === 408 || status === 409 || status === 423
      || status === 429 || status >= 500) {
    return { kind: "retry", reason: `HTTP ${status} ${code}`.trim() };
  }
  // The upload itself is gone (expired, swept): start it again from the file still on the phone.
  // (A 404 to the creation POST is the case: not found, or not for this user to attach to.)
  if ((status === 404 || status === 410) && method !== "POST") return "restart";
  return { kind: "refused", error: error! };
}

function isOnline(): boolean {
  return typeof navigator === "undefined" || navigator.onLine !== false;
}

/**
 * Upload one file (resuming its earlier upload, if any); `onProgress(sent, total)` as bytes go.
 * `signal`: abort (the volunteer discards the file); the upload then waits, it is not deleted.
 */
export function uploadFile(file: QueuedFile, target: UploadTarget,
                           onProgress: (sent: number, total: number) => void,
                           restarted = false): Promise<UploadResult> {
  return new Promise((resolve) => {
    const metadata: Record<string, string> = {
      filename: file.name, filetype: file.type, case: target.caseId, clientId: file.clientId,
    };
    if (target.referralId) metadata.referral = target.referralId;
    const upload = new Upload(file.blob, {
      endpoint: UPLOADS_ENDPOINT,
      metadata,
      chunkSize: CHUNK_BYTES,
      retryDelays: RETRY_DELAYS,
      fingerprint: async () => fingerprintOf(file.clientId),
      urlStorage,
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      onBeforeRequest: (request) => {
        const bearer = authorization();
        if (bearer) request.setHeader("Authorization", bearer);
      },
      onShouldRetry: (error) => {
        const status = error.originalResponse?.getStatus() ?? 0;
        const verdict = classifyFailure(error.originalRequest?.getMethod() ?? "", status,
                                        error.originalResponse?.getBody() ?? "", isOnline());
        return verdict !== "restart" && verdict.kind === "retry" && isOnline()
          && status !== 401 && status !== 403;
      },
      onProgress,
      onSuccess: ({ lastResponse }) => {
        resolve({ kind: "done", attachmentId: lastResponse.getHeader("Khortor-Attachment-Id") ?? null });
      },
      onError: (error) => {
        const response = error instanceof DetailedError ? error.originalResponse : null;
        const method = error instanceof DetailedError ? error.originalRequest?.getMethod() ?? "" : "";
        const verdict = classifyFailure(method, response?.getStatus() ?? 0, response?.getBody() ?? "", isOnline());
        if (verdict === "restart") {
          if (restarted) {
            resolve({ kind: "retry", reason: "upload gone twice" });
            return;
          }
          void urlStorage.removeUpload(fingerprintOf(file.clientId))
            .then(() => uploadFile(file, target, onProgress, true)).then(resolve);
          return;
        }
        if (verdict.kind === "refused") void urlStorage.removeUpload(fingerprintOf(file.clientId));
        resolve(verdict);
      },
    });
    upload.findPreviousUploads()
      .then((previous) => {
        if (previous[0]) upload.resumeFromPreviousUpload(previous[0]);
      })
      .catch(() => { /* nothing stored: a new upload */ })
      .finally(() => upload.start());
  });
}
