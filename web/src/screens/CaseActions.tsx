/**
 * Case actions with a reason: the filing volunteer or the province's coordinator reopens a
 * RESOLVED case (`reopenCase`); the province's coordinator declines a NEW case at triage
 * (`rejectCase`), which closes it. Who sees which form mirrors domain/cases/policy.py.
 */
import { useState } from "preact/hooks";
import { Field } from "../components";
import { lang, t, type Key } from "../i18n";
import { REJECT_CASE, REOPEN } from "../queries";
import type { Me } from "../state";
import { inProvince, isFiler, mutate, type CaseInfo } from "./CaseView";

/** A few reasons staff give most, to tap rather than type (the text stays editable). */
export interface QuickReason { th: string; en: string }

export const TRIAGE_REASONS: QuickReason[] = [
  { th: "เป็นเรื่องซ้ำกับเรื่องที่แจ้งไว้แล้ว", en: "A duplicate of a case already filed" },
  { th: "ไม่อยู่ในอำนาจหน้าที่ของกระทรวงแรงงาน", en: "Outside the Ministry of Labour's mandate" },
  { th: "ข้อมูลไม่เพียงพอ และติดต่อผู้ขอรับบริการไม่ได้", en: "Not enough information and the citizen cannot be reached" },
  { th: "ผู้ขอรับบริการขอถอนเรื่อง", en: "The citizen withdrew the request" },
];

export const REOPEN_REASONS: QuickReason[] = [
  { th: "ผู้ขอรับบริการแจ้งว่ายังไม่ได้รับเงินตามที่ตกลง", en: "The citizen says the agreed money has not been paid" },
  { th: "นายจ้างไม่ปฏิบัติตามคำสั่งหรือข้อตกลง", en: "The employer did not comply with the order or agreement" },
  { th: "ปัญหาเดิมกลับมาเกิดขึ้นอีก", en: "The same problem happened again" },
];

/** The volunteer who filed it, or a coordinator of its province (require_filer_or_coordinator). */
export function mayReopen(me: Me, c: CaseInfo): boolean {
  return c.status === "RESOLVED" && (isFiler(me, c) || inProvince(me, c));
}

/** A coordinator of the case's province, on a NEW case (require_triage). */
export function mayRejectAtTriage(me: Me, c: CaseInfo): boolean {
  return c.status === "NEW" && inProvince(me, c);
}

/** A reason: a textarea, with common reasons as buttons that fill it in. */
export function ReasonField({ id, choices, value, onChange, error }: {
  id: string; choices: QuickReason[]; value: string; onChange: (text: string) => void; error: string | null;
}) {
  const en = lang.get() === "en";
  return (
    <>
      <p class="hint chips-label" id={`${id}-quick`}>{t("quickReasons")}</p>
      <div class="chips" role="group" aria-labelledby={`${id}-quick`}>
        {choices.map((c) => {
          const text = en ? c.en : c.th;
          return (
            <button key={c.th} type="button" class="chip" aria-pressed={value === text ? "true" : "false"}
                    aria-controls={id} onClick={() => onChange(text)}>{text}</button>
          );
        })}
      </div>
      <Field id={id} label={t("reason")} error={error}>
        <textarea id={id} rows={3} maxLength={2000} value={value} aria-describedby={`${id}-msg`}
                  aria-invalid={error ? "true" : undefined} onInput={(e) => onChange(e.currentTarget.value)} />
      </Field>
    </>
  );
}

/** A card with one button that opens a reason form, then calls `query` with the reason. */
function CaseReasonAction({ c, onDone, query, title, hint, submit, choices, danger }: {
  c: CaseInfo; onDone: () => void; query: string; title: Key; hint: Key; submit: Key;
  choices: QuickReason[]; danger?: boolean;
}) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = `${query === REOPEN ? "reopen" : "reject-case"}-reason`;
  async function send(event: Event) {
    event.preventDefault();
    setFailure(null);
    if (!reason.trim()) {
      setProblem(t("reasonRequired"));
      return;
    }
    setBusy(true);
    const failed = await mutate(query, { id: c.id, reason: reason.trim(), v: c.version });
    setBusy(false);
    setFailure(failed);
    if (!failed) setOpen(false);
    onDone(); // also after a conflict or a refusal: show what is there now
  }
  if (!open) {
    return (
      <div class="card">
        {failure && <p class="error" role="alert">{failure}</p>}
        <button class={`btn ${danger ? "danger" : "secondary"}`} type="button" onClick={() => setOpen(true)}>
          {t(title)}
        </button>
      </div>
    );
  }
  return (
    <form class="card" onSubmit={send} noValidate aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{t(title)}</h2>
      <p class="hint">{t(hint)}</p>
      <ReasonField id={id} choices={choices} value={reason} error={problem}
                   onChange={(text) => { setReason(text); setProblem(null); }} />
      {failure && <p class="error" role="alert">{failure}</p>}
      <div class="actions">
        <button class={`btn ${danger ? "danger" : "primary"}`} type="submit" disabled={busy}>
          {busy ? t("loading") : t(submit)}
        </button>
        <button class="btn link" type="button" onClick={() => setOpen(false)}>{t("cancel")}</button>
      </div>
    </form>
  );
}

export function ReopenForm({ c, onDone }: { c: CaseInfo; onDone: () => void }) {
  return <CaseReasonAction c={c} onDone={onDone} query={REOPEN} title="reopen" hint="reopenHint"
                           submit="reopen" choices={REOPEN_REASONS} />;
}

export function RejectCaseForm({ c, onDone }: { c: CaseInfo; onDone: () => void }) {
  return <CaseReasonAction c={c} onDone={onDone} query={REJECT_CASE} title="rejectCase" hint="rejectCaseHint"
                           submit="rejectCase" choices={TRIAGE_REASONS} danger />;
}
