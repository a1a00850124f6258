import { useState } from "preact/hooks";
import { errorText, nameOf, t } from "../i18n";
import { useSignal } from "../lib/store";
import { FALLBACK_CATEGORIES, ICONS } from "../categories";
import { When } from "../components";
import type { AttachmentsItem, OutboxItem } from "../lib/outbox";
import { fileAnyway, flushing, flushOutbox, navigate, online, outbox, outboxItems } from "../state";
import { DuplicateNotice } from "./DuplicateNotice";
import { QueuedFileRow } from "./Attachments";

/** An item's files, each with its progress; a refused one can be removed. */
function ItemFiles({ item }: { item: OutboxItem<unknown> }) {
  const files = item.files ?? [];
  if (!files.length) return null;
  return (
    <ul class="files" role="list" aria-label={t("filesOfItem", { n: files.length })}>
      {files.map((f) => (
        <QueuedFileRow key={f.clientId} file={f}
                       onRemove={f.error ? () => void outbox.discardFile(item.clientId, f.clientId) : undefined} />
      ))}
    </ul>
  );
}

/** Files attached to a case already on the server, waiting to be sent to it. */
function AttachmentsRow({ item }: { item: AttachmentsItem }) {
  const href = item.referralId ? `#/referral/${item.referralId}` : `#/case/${item.caseId}`;
  return (
    <li class="row queued">
      <span class="icon" aria-hidden="true">📎</span>
      <div class="row-main">
        <span class="row-title"><a href={href}>{t("filesOfCase")} <span class="nowrap">{item.reference}</span></a></span>
        <span class="row-sub"><When at={item.queuedAt} /></span>
        <ItemFiles item={item} />
      </div>
    </li>
  );
}

/** What waits on this phone (cases, and files for cases already sent), on top of "my cases". */
export function OutboxList() {
  const items = useSignal(outboxItems);
  const isOnline = useSignal(online);
  const busy = useSignal(flushing);
  const [confirming, setConfirming] = useState<string | null>(null);
  if (!items.length) return null;
  return (
    <div class="card outbox" aria-labelledby="outbox-title">
      <div class="page-head">
        <h2 id="outbox-title">{t("queued", { n: items.length })}</h2>
        {isOnline && (
          <button type="button" class="btn secondary" disabled={busy} onClick={() => void flushOutbox()}>
            {busy ? t("sending") : t("sendNow")}
          </button>
        )}
      </div>
      <ul class="list" role="list">
        {items.map((item) => {
          if (item.kind === "attachments") return <AttachmentsRow key={item.clientId} item={item} />;
          if (item.kind === "outreach") {
            // outreach work (issue 16): a need, people served, attendance, a checklist; no personal data
            return (
              <li key={item.clientId} class="row queued">
                <span class="icon" aria-hidden="true">•</span>
                <div class="row-main">
                  <span class="row-title">{item.eventId ? <a href={`#/outreach/event/${item.eventId}`}>{item.title}</a> : item.title}</span>
                  <span class="row-sub"><When at={item.queuedAt} /></span>
                  {item.error && <span class="error" role="alert">{t("refusedInOutbox", { msg: errorText(item.error) })}</span>}
                </div>
                {item.error && (
                  <div class="row-actions">
                    <button type="button" class="btn danger small" onClick={() => void outbox.discard(item.clientId)}>
                      {t("discard")}
                    </button>
                  </div>
                )}
              </li>
            );
          }
          const category = FALLBACK_CATEGORIES.find((c) => c.code === item.input.categoryCode);
          return (
            <li key={item.clientId} class="row queued">
              <span class="icon" aria-hidden="true">{ICONS[item.input.categoryCode] ?? "💬"}</span>
              <div class="row-main">
                <span class="row-title">{nameOf(category)}</span>
                <span class="row-sub"><When at={item.queuedAt} /></span>
                {item.caseId !== undefined && (
                  <span class="row-sub"><a href={`#/case/${item.caseId}`}>{t("caseSentFilesWaiting", { ref: item.reference ?? "" })}</a></span>
                )}
                <ItemFiles item={item} />
                {item.error && (
                  <span class="error" role="alert">{t("refusedInOutbox", { msg: errorText(item.error) })}</span>
                )}
                {item.duplicate && (
                  <div class="decision">
                    <span class="row-sub"><strong>{t("needsDecision")}</strong></span>
                    <DuplicateNotice warning={item.duplicate} />
                    {confirming === item.clientId ? (
                      <div class="actions">
                        <p class="confirm-text">{t("discardAsk")}</p>
                        <button type="button" class="btn danger small"
                                onClick={() => { setConfirming(null); void outbox.discard(item.clientId); }}>
                          {t("discardConfirm")}
                        </button>
                        <button type="button" class="btn secondary small" onClick={() => setConfirming(null)}>
                          {t("cancel")}
                        </button>
                      </div>
                    ) : (
                      <div class="actions">
                        <button type="button" class="btn primary small" disabled={busy}
                                onClick={() => void fileAnyway(item.clientId)}>
                          {t("fileAnyway")}
                        </button>
                        <button type="button" class="btn danger small" onClick={() => setConfirming(item.clientId)}>
                          {t("discard")}
                        </button>
                      </div>
                    )}
                  </div>
                )}
              </div>
              {item.error && (
                <div class="row-actions">
                  <button type="button" class="btn primary small" onClick={() => navigate(`/new?fix=${item.clientId}`)}>
                    {t("edit")}
                  </button>
                  <button type="button" class="btn danger small" onClick={() => void outbox.discard(item.clientId)}>
                    {t("discard")}
                  </button>
                </div>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
