/**
 * Photos and documents on cases (issue 14): the picker of the new-case form (take a photo or
 * choose a file; thumbnails; remove one), a file's progress in the outbox, and the case's
 * attachments on its page (thumbnails and files fetched with the bearer header, shown through
 * blob: URLs; "add a file" for the filing volunteer and for the officer of a referral, queued in
 * the outbox like a new case's files, and shown as waiting on the case until they arrive).
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { errorText, lang, t, term } from "../i18n";
import {
  formatBytes, MAX_FILES_PER_CASE, prepareFile, type AttachmentKind, type QueuedFile,
} from "../lib/attachments";
import { DownloadError, fetchAttachment, saveBlob } from "../lib/download";
import { newClientId } from "../lib/outbox";
import { useSignal } from "../lib/store";
import { filesArrived, flushOutbox, online, outbox, outboxItems, session, uploadProgress } from "../state";
import { When } from "../components";

/** An attachment as GraphQL gives it (Case.attachments). */
export interface AttachmentInfo {
  id: string; kind: AttachmentKind; contentType: string; sizeBytes: number; name: string | null;
  attachedAt: string; attachedBy: { displayName: string } | null; referralId: string | null; hasThumbnail: boolean;
  mayOpen: boolean;
}

export interface AttachmentRoom { filesLeft: number; bytesLeft: number; maxFileBytes: number; mayAttach: boolean }

/** The case fields this file reads (CASE_FULL in queries.ts). */
export interface WithAttachments {
  id: string;
  reference?: string;
  attachments?: AttachmentInfo[];
  attachmentRoom?: AttachmentRoom | null;
}

/** A blob: URL for a Blob while the component shows it; revoked afterwards. */
function useObjectUrl(blob: Blob | null): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!blob) {
      setUrl(null);
      return;
    }
    const made = URL.createObjectURL(blob);
    setUrl(made);
    return () => URL.revokeObjectURL(made);
  }, [blob]);
  return url;
}

/** What stands for a file with no thumbnail (a document, or a photo not yours to open). */
function kindIcon(kind: AttachmentKind): string {
  return kind === "PHOTO" ? "JPG" : "PDF";
}

/** "รูปภาพ 245 KB" */
export function kindAndSize(kind: AttachmentKind, bytes: number): string {
  return t("attachedFileSize", { kind: t(`kind.${kind}`), size: formatBytes(bytes) });
}

// ---- choosing files (the new-case form, and "add a file" on a case) ----

/** Files picked or photographed, checked and shrunk; the problems in words. */
export async function prepareFiles(list: FileList | File[], room: number,
): Promise<{ files: QueuedFile[]; problems: string[] }> {
  const files: QueuedFile[] = [];
  const problems: string[] = [];
  for (const file of Array.from(list)) {
    if (files.length >= room) {
      problems.push(t("tooManyFiles", { n: MAX_FILES_PER_CASE }));
      break;
    }
    const prepared = await prepareFile(file, newClientId());
    if ("problem" in prepared) {
      const name = prepared.name || "—";
      problems.push(prepared.problem === "type" ? t("fileTypeRefused", { name })
        : prepared.problem === "size" ? t("fileTooLarge", { name }) : t("fileUnreadable", { name }));
    } else {
      files.push(prepared);
    }
  }
  return { files, problems };
}

/** The two ways to add files: the camera, or a file already on the phone (images and PDFs). */
export function FileButtons({ id, onFiles, disabled, label }: {
  id: string; onFiles: (files: FileList) => void; disabled?: boolean; label?: string;
}) {
  const take = useRef<HTMLInputElement>(null);
  const pick = useRef<HTMLInputElement>(null);
  const changed = (input: HTMLInputElement | null) => {
    if (input?.files?.length) onFiles(input.files);
    if (input) input.value = ""; // the same file may be chosen again after removing it
  };
  return (
    <div class="file-buttons" role="group" aria-label={label ?? t("attachFiles")}>
      <label class={disabled ? "btn secondary file-btn disabled" : "btn secondary file-btn"} for={`${id}-camera`}>
        {t("takePhoto")}
        <input id={`${id}-camera`} ref={take} type="file" accept="image/*" capture="environment"
               class="sr-only" disabled={disabled} onChange={() => changed(take.current)} />
      </label>
      <label class={disabled ? "btn secondary file-btn disabled" : "btn secondary file-btn"} for={`${id}-pick`}>
        {t("pickFile")}
        <input id={`${id}-pick`} ref={pick} type="file" accept="image/*,application/pdf" multiple
               class="sr-only" disabled={disabled} onChange={() => changed(pick.current)} />
      </label>
    </div>
  );
}

/** A file on the phone: its thumbnail (photos) or a document icon, name and size. */
function LocalThumb({ file }: { file: QueuedFile }) {
  const url = useObjectUrl(file.kind === "PHOTO" ? file.blob : null);
  return url
    ? <img class="thumb" src={url} alt={t("photoOf", { name: file.name })} />
    : <span class="thumb doc" aria-hidden="true">{kindIcon(file.kind)}</span>;
}

/** The new-case form's attachments: add, see, remove before sending. */
export function AttachPicker({ files, onChange }: { files: QueuedFile[]; onChange: (files: QueuedFile[]) => void }) {
  const [busy, setBusy] = useState(false);
  const [problems, setProblems] = useState<string[]>([]);
  async function add(list: FileList) {
    setBusy(true);
    const { files: more, problems: found } = await prepareFiles(list, MAX_FILES_PER_CASE - files.length);
    setProblems(found);
    onChange([...files, ...more]);
    setBusy(false);
  }
  return (
    <fieldset class="field attach" aria-describedby="attach-hint attach-msg">
      <legend>{t("attachFiles")}</legend>
      <p class="hint" id="attach-hint">{t("attachHint")}</p>
      {files.length > 0 && (
        <ul class="files" role="list" aria-label={t("filesOfItem", { n: files.length })}>
          {files.map((f) => (
            <li key={f.clientId} class="file">
              <LocalThumb file={f} />
              <span class="file-main">
                <span class="file-name">{f.name}</span>
                <span class="row-sub">{kindAndSize(f.kind, f.size)}</span>
              </span>
              <button type="button" class="btn danger small" aria-label={t("removeFile", { name: f.name })}
                      onClick={() => onChange(files.filter((x) => x.clientId !== f.clientId))}>
                {t("remove")}
              </button>
            </li>
          ))}
        </ul>
      )}
      <FileButtons id="attach" disabled={busy || files.length >= MAX_FILES_PER_CASE} onFiles={(l) => void add(l)} />
      <div id="attach-msg" aria-live="polite">
        {busy && <p class="muted" role="status">{t("preparingFiles")}</p>}
        {problems.map((p) => <p key={p} class="error">{p}</p>)}
      </div>
    </fieldset>
  );
}

// ---- a file's state in the outbox ----

export function FileState({ file }: { file: QueuedFile }) {
  const progress = useSignal(uploadProgress)[file.clientId];
  if (file.error) return <span class="error">{t("fileRefused", { msg: errorText(file.error) })}</span>;
  if (!progress) return <span class="row-sub file-waiting">{t("fileWaiting")}</span>;
  const pct = progress.total ? Math.min(100, Math.floor((progress.sent / progress.total) * 100)) : 0;
  return (
    <span class="file-progress">
      <progress max={100} value={pct} aria-label={`${file.name}: ${t("fileUploading", { pct })}`} />
      <span class="row-sub">{t("fileUploading", { pct })}</span>
    </span>
  );
}

export function QueuedFileRow({ file, onRemove }: { file: QueuedFile; onRemove?: () => void }) {
  return (
    <li class="file">
      <LocalThumb file={file} />
      <span class="file-main">
        <span class="file-name">{file.name}</span>
        <span class="row-sub">{kindAndSize(file.kind, file.size)}</span>
        <FileState file={file} />
      </span>
      {onRemove && (
        <button type="button" class="btn danger small" aria-label={t("removeFile", { name: file.name })}
                onClick={onRemove}>{t("remove")}</button>
      )}
    </li>
  );
}

// ---- the case's attachments ----

/** A thumbnail from the server (`/attachments/<id>/thumbnail`, bearer header). */
function RemoteThumb({ a }: { a: AttachmentInfo }) {
  const [blob, setBlob] = useState<Blob | null>(null);
  const [failed, setFailed] = useState(false);
  const isOnline = useSignal(online);
  useEffect(() => {
    if (!a.mayOpen || !a.hasThumbnail || blob || !isOnline) return;
    let live = true;
    fetchAttachment(a.id, true).then((b) => live && setBlob(b)).catch(() => live && setFailed(true));
    return () => { live = false; };
  }, [a.id, isOnline]);
  const url = useObjectUrl(blob);
  if (url) return <img class="thumb" src={url} alt={t("photoOf", { name: nameOf(a) })} />;
  return <span class={failed ? "thumb doc failed" : "thumb doc"} aria-hidden="true">{kindIcon(a.kind)}</span>;
}

function nameOf(a: AttachmentInfo): string {
  return a.name ?? t(`kind.${a.kind}`);
}

/** A photo shown whole, on the page (a blob: URL; nothing kept on the device). */
function Viewer({ blob, name, onClose }: { blob: Blob; name: string; onClose: () => void }) {
  const url = useObjectUrl(blob);
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => { close.current?.focus(); }, []);
  return (
    <div class="viewer" role="dialog" aria-modal="true" aria-label={name}
         onKeyDown={(e) => { if (e.key === "Escape") onClose(); }}>
      <div class="viewer-bar">
        <span class="file-name">{name}</span>
        <button type="button" class="btn secondary small" onClick={() => saveBlob(blob, name)}>{t("downloadFile")}</button>
        <button type="button" class="btn primary small" ref={close} onClick={onClose}>{t("close")}</button>
      </div>
      {url && <img src={url} alt={name} />}
    </div>
  );
}

function AttachmentRow({ a }: { a: AttachmentInfo }) {
  useSignal(lang);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [shown, setShown] = useState<Blob | null>(null);
  async function open() {
    setBusy(true);
    setError(null);
    try {
      const blob = await fetchAttachment(a.id);
      if (a.kind === "PHOTO") setShown(blob);
      else saveBlob(blob, a.name ?? "document.pdf");
    } catch (e) {
      setError(e instanceof DownloadError && e.status === 404 ? t("notFound") : t("downloadFailed"));
    } finally {
      setBusy(false);
    }
  }
  return (
    <li class="file">
      {a.mayOpen
        ? <button type="button" class="thumb-btn" onClick={() => void open()} disabled={busy}
                  aria-label={`${t("openFile")} ${nameOf(a)}`}><RemoteThumb a={a} /></button>
        : <span class="thumb doc" aria-hidden="true">{kindIcon(a.kind)}</span>}
      <span class="file-main">
        {a.mayOpen && a.name && <span class="file-name">{a.name}</span>}
        <span class="row-sub">{kindAndSize(a.kind, a.sizeBytes)}</span>
        <span class="row-sub"><When at={a.attachedAt} /></span>
        {a.attachedBy && <span class="row-sub">{t("attachedByOn", { name: a.attachedBy.displayName })}</span>}
        {!a.mayOpen && <span class="row-sub">{t("notYoursToOpen")}</span>}
        {error && <span class="error" role="alert">{error}</span>}
      </span>
      {a.mayOpen && (
        <button type="button" class="btn secondary small" disabled={busy} onClick={() => void open()}>
          {a.kind === "PHOTO" ? t("openFile") : t("downloadFile")}
        </button>
      )}
      {shown && <Viewer blob={shown} name={nameOf(a)} onClose={() => setShown(null)} />}
    </li>
  );
}

/**
 * "Add a file" on a filed case: the files are shrunk on the phone and queued in the outbox for
 * this case (and referral), then sent at once when there is a signal, like a new case's files
 * (lib/outbox.ts): offline, or after a reload, they wait; the card shows them until they arrive.
 */
function AddFiles({ c, referralId, room, waiting, label, hint }: {
  c: WithAttachments; referralId: string | null; room: AttachmentRoom; waiting: number;
  label: string; hint?: string;
}) {
  const me = useSignal(session)!.user;
  const [busy, setBusy] = useState(false);
  const [problems, setProblems] = useState<string[]>([]);
  const filesLeft = Math.max(0, room.filesLeft - waiting);

  async function add(list: FileList) {
    setBusy(true);
    try {
      const { files, problems: found } = await prepareFiles(list, Math.min(filesLeft, MAX_FILES_PER_CASE));
      const tooBig = files.filter((f) => f.size > room.maxFileBytes);
      setProblems([...found, ...tooBig.map((f) => t("fileTooLarge", { name: f.name }))]);
      const ready = files.filter((f) => !tooBig.includes(f));
      if (!ready.length) return;
      await outbox.enqueueFiles(me.username, { caseId: c.id, referralId, reference: c.reference ?? "" }, ready);
      void flushOutbox();
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="subform">
      <h3 class="section">{label}</h3>
      {hint && <p class="hint">{hint}</p>}
      <FileButtons id={`add-${referralId ?? c.id}`} label={label} disabled={busy || filesLeft <= 0}
                   onFiles={(l) => void add(l)} />
      <div aria-live="polite">
        {busy && <p class="muted" role="status">{t("preparingFiles")}</p>}
        {problems.map((p) => <p key={p} class="error">{p}</p>)}
      </div>
    </div>
  );
}

/** The case's attachments, the files on this phone still waiting to be sent to it, and "add a
 * file" for those who may (Case.attachmentRoom.mayAttach). */
export function AttachmentsCard({ c, referralId, onChanged, officer }: {
  c: WithAttachments; referralId?: string | null; onChanged: () => void; officer?: boolean;
}) {
  useSignal(lang);
  const isOnline = useSignal(online);
  const list = c.attachments ?? [];
  const room = c.attachmentRoom;
  // Files of this case still on the phone (filed from the outbox, or added here): shown with
  // their progress.
  const waiting = useSignal(outboxItems).filter((i) => i.caseId === c.id)
    .flatMap((i) => (i.files ?? []).map((file) => ({ file, item: i.clientId })));
  // The list is fetched again whenever a file of this case has arrived since the card was
  // drawn, and once when it is first drawn after one arrived: a page opened right after
  // filing asks for the case while its photo is still on its way, and the photo can arrive
  // before the answer does (the answer then lists neither the file nor anything waiting).
  const arrived = useSignal(filesArrived)[c.id] ?? 0;
  const fetchedFor = useRef(0);
  useEffect(() => {
    if (arrived > fetchedFor.current) {
      fetchedFor.current = arrived;
      onChanged();
    }
  }, [arrived]);
  if (!list.length && !waiting.length && !room?.mayAttach) return null;
  return (
    <section class="card" aria-labelledby="attachments-title">
      <h2 id="attachments-title">{t("attachments")} {list.length > 0 && <span class="muted">({list.length})</span>}</h2>
      {list.length
        ? <ul class="files" role="list">{list.map((a) => <AttachmentRow key={a.id} a={a} />)}</ul>
        : !waiting.length && <p class="muted">{t("noAttachments")}</p>}
      {waiting.length > 0 && (
        <div class="waiting" aria-labelledby="waiting-title">
          <h3 class="section" id="waiting-title">{t("filesWaiting", { n: waiting.length })}</h3>
          {!isOnline && <p class="muted">{t("uploadOffline")}</p>}
          <ul class="files" role="list">
            {waiting.map(({ file, item }) => (
              <QueuedFileRow key={file.clientId} file={file}
                             onRemove={file.error ? () => void outbox.discardFile(item, file.clientId) : undefined} />
            ))}
          </ul>
        </div>
      )}
      {room?.mayAttach && (
        <AddFiles c={c} referralId={referralId ?? null} room={room} waiting={waiting.length}
                  label={officer ? t("attachDocument") : t("attachFiles")}
                  hint={officer ? t("attachDocumentHint") : t("attachHint")} />
      )}
    </section>
  );
}

/** The history's words for an ATTACHED event: "แนบรูปภาพ 245 KB" / "แนบเอกสาร 1.2 MB". */
export function attachedLabel(event: { type: string; attachmentId?: string | null },
                              attachments: AttachmentInfo[] | undefined): string | null {
  if (event.type !== "ATTACHED") return null;
  const match = (attachments ?? []).find((a) => a.id === event.attachmentId);
  if (!match) return term("ATTACHED");
  return `${term(`attached.${match.kind}`)} ${formatBytes(match.sizeBytes)}`;
}
