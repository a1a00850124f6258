import { useState } from "preact/hooks";
import type { ComponentChildren } from "preact";
import { Due, Field, LoadError, Loading, Page, StatusBadge, useQuery, When } from "../components";
import { nameOf, t, term } from "../i18n";
import { ACCEPT, ASSIGN, COMPLETE, HOLD, ORG_UNITS, REDIRECT, REFERRAL, REJECT, RESUME } from "../queries";
import { useSignal } from "../lib/store";
import { session } from "../state";
import { ExtensionDecision } from "../desk/Extensions";
import { ExtensionForm, mayAssignToMe, mayRedirect, worksInUnit, mayRequestExtension, WorkFacts } from "./ReferralWork";
import {
  CaseSummary, Completion, currentReason, History, isRunning, mutate, NoteForm, type CaseInfo, type ReferralInfo,
} from "./CaseView";
import { parseBaht } from "../lib/amounts";
import { AttachmentsCard } from "./Attachments";

type Action = "hold" | "complete" | "reject" | "redirect" | "extension";
const OUTCOMES = ["RESOLVED", "PARTIALLY_RESOLVED", "NOT_UPHELD", "REFERRED_OUTSIDE", "WITHDRAWN"];

export function ReferralPage({ id }: { id: string }) {
  const me = useSignal(session)!.user;
  const q = useQuery<{ referral: (ReferralInfo & { case: CaseInfo }) | null }>(REFERRAL, { id });
  const r = q.data?.referral;
  const works = !!r && worksInUnit(me, r);
  const [open, setOpen] = useState<Action | null>(null);
  const [message, setMessage] = useState<{ text: string; ok: boolean } | null>(null);

  async function run(query: string, variables: Record<string, unknown>) {
    const failed = await mutate(query, { id, v: r!.version, ...variables });
    setMessage(failed ? { text: failed, ok: false } : { text: t("done"), ok: true });
    if (!failed) setOpen(null);
    q.reload(); // also after a conflict: show what the other person did
  }

  return (
    <Page title={r ? `${t("referrals")} ${r.orgUnit.code}` : t("referrals")}>
      {q.loading && !q.data && <Loading />}
      {q.error && <LoadError error={q.error} reload={q.reload} />}
      {q.data && !r && <p class="alert" role="alert">{t("notFound")}</p>}
      {r && (
        <>
          <div class="card">
            <p class="case-head">
              <span><strong>{nameOf(r.orgUnit)}</strong><br /><span class="ref">{r.case.reference}</span></span>
              <StatusBadge status={r.status} />
            </p>
            <dl class="facts">
              {r.status === "PENDING" && <><dt>{t("acceptBy")}</dt><dd><Due at={r.acceptDueAt} overdue={r.overdue} /></dd></>}
              {r.acceptedAt && r.status !== "PENDING" && <><dt>{t("acceptedAt")}</dt><dd><When at={r.acceptedAt} /></dd></>}
              {isRunning(r) && <><dt>{t("resolveBy")}</dt><dd><Due at={r.resolveDueAt} overdue={r.overdue && r.status !== "PENDING"} /></dd></>}
              {r.escalationLevel > 0 && <><dt>{t("escalation")}</dt><dd>{r.escalationLevel}</dd></>}
              {currentReason(r) && <><dt>{t("reason")}</dt><dd>{currentReason(r)}</dd></>}
              <Completion r={r} Row={FactRow} />
              <WorkFacts r={r} me={me} c={r.case} />
            </dl>
            <div role="status" aria-live="polite">
              {message && <p class={message.ok ? "ok" : "alert"}>{message.text}</p>}
            </div>
            {r.current && (
              <div class="actions">
                {works && r.status === "PENDING" && <button class="btn primary" type="button" onClick={() => run(ACCEPT, {})}>{t("accept")}</button>}
                {works && r.status === "ACCEPTED" && <button class="btn primary" type="button" onClick={() => setOpen("complete")}>{t("complete")}</button>}
                {works && r.status === "ACCEPTED" && <button class="btn secondary" type="button" onClick={() => setOpen("hold")}>{t("hold")}</button>}
                {works && r.status === "ON_HOLD" && <button class="btn primary" type="button" onClick={() => run(RESUME, {})}>{t("resume")}</button>}
                {works && r.status === "PENDING" && <button class="btn secondary" type="button" onClick={() => setOpen("reject")}>{t("reject")}</button>}
                {mayRedirect(me, r) && (r.status === "PENDING" || r.status === "ACCEPTED") && (
                  <button class="btn secondary" type="button" onClick={() => setOpen("redirect")}>{t("redirect")}</button>
                )}
                {mayAssignToMe(me, r) && <button class="btn secondary" type="button" onClick={() => run(ASSIGN, {})}>{t("assignToMe")}</button>}
                {mayRequestExtension(me, r, r.case) && (
                  <button class="btn secondary" type="button" onClick={() => setOpen("extension")}>{t("requestExtension")}</button>
                )}
              </div>
            )}
            {me.isExtensionApprover && r.extension?.status === "REQUESTED" && (
              <section aria-labelledby="decide-title">
                <h2 id="decide-title" class="section">{t("extensionStatus")}: {t("extensionAskedDays", { n: r.extension.days })}</h2>
                <p>{t("extensionReason")}: {r.extension.reason}</p>
                <ExtensionDecision referralId={r.id} reference={r.case.reference} onDone={q.reload} />
              </section>
            )}
            {open === "hold" && <ReasonForm label={t("hold")} onCancel={() => setOpen(null)}
                                            onSubmit={(reason) => run(HOLD, { reason })} />}
            {open === "reject" && <ReasonForm label={t("reject")} onCancel={() => setOpen(null)}
                                              onSubmit={(reason) => run(REJECT, { reason })} />}
            {open === "extension" && <ExtensionForm referralId={r.id} onCancel={() => setOpen(null)}
                                                    onDone={(text, ok) => { setMessage({ text, ok }); setOpen(null); q.reload(); }} />}
            {open === "complete" && <CompleteForm onCancel={() => setOpen(null)}
                                                  onSubmit={(v) => run(COMPLETE, v)} />}
            {open === "redirect" && <RedirectForm province={r.orgUnit.provinceCode ?? r.orgUnit.code.split("-")[1]!}
                                                  current={r.orgUnit.code} onCancel={() => setOpen(null)}
                                                  onSubmit={(v) => run(REDIRECT, v)} />}
          </div>
          <CaseSummary c={r.case} />
          <AttachmentsCard c={r.case} referralId={works ? r.id : null} officer onChanged={q.reload} />
          <NoteForm c={r.case} onDone={q.reload} />
          <History c={r.case} />
        </>
      )}
    </Page>
  );
}

function FactRow({ label, children }: { label: string; children: ComponentChildren }) {
  return <><dt>{label}</dt><dd>{children}</dd></>;
}

function ReasonForm({ label, onSubmit, onCancel }: {
  label: string; onSubmit: (reason: string) => void; onCancel: () => void;
}) {
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  return (
    <form class="subform" onSubmit={(e) => {
      e.preventDefault();
      if (!reason.trim()) setError(t("reasonRequired"));
      else onSubmit(reason.trim());
    }}>
      <Field id="reason" label={t("reason")} error={error}>
        <textarea id="reason" rows={2} value={reason} aria-describedby="reason-msg"
                  onInput={(e) => setReason(e.currentTarget.value)} />
      </Field>
      <button class="btn primary" type="submit">{label}</button>{" "}
      <button class="btn link" type="button" onClick={onCancel}>{t("cancel")}</button>
    </form>
  );
}

function CompleteForm({ onSubmit, onCancel }: {
  onSubmit: (v: { outcome: string; note: string | null; amount: string | null }) => void; onCancel: () => void;
}) {
  const [outcome, setOutcome] = useState("RESOLVED");
  const [amount, setAmount] = useState("");
  const [amountError, setAmountError] = useState<string | null>(null);
  const [note, setNote] = useState("");
  return (
    <form class="subform" onSubmit={(e) => {
      e.preventDefault();
      // "18,000", "๑๘,๐๐๐" or "฿18,000.50" as typed; the API takes "18000" (lib/amounts.ts).
      const plain = amount.trim() ? parseBaht(amount) : null;
      if (amount.trim() && plain === null) {
        setAmountError(t("amountInvalid"));
        return;
      }
      onSubmit({ outcome, note: note.trim() || null, amount: plain });
    }}>
      <Field id="outcome" label={t("outcome")}>
        <select id="outcome" value={outcome} onChange={(e) => setOutcome(e.currentTarget.value)}>
          {OUTCOMES.map((o) => <option key={o} value={o}>{term("outcome." + o)}</option>)}
        </select>
      </Field>
      <Field id="amount" label={t("amount")} hint={t("amountHint")} error={amountError}>
        <input id="amount" inputMode="decimal" value={amount} aria-describedby="amount-hint amount-msg"
               onInput={(e) => { setAmount(e.currentTarget.value); setAmountError(null); }} />
      </Field>
      <Field id="complete-note" label={t("noteText")}>
        <textarea id="complete-note" rows={2} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
      </Field>
      <button class="btn primary" type="submit">{t("confirm")}</button>{" "}
      <button class="btn link" type="button" onClick={onCancel}>{t("cancel")}</button>
    </form>
  );
}

function RedirectForm({ province, current, onSubmit, onCancel }: {
  province: string; current: string; onSubmit: (v: { unit: string; reason: string }) => void; onCancel: () => void;
}) {
  const units = useQuery<{ orgUnits: { code: string; nameTh: string; nameEn: string }[] }>(ORG_UNITS, { provinceCode: province });
  const [unit, setUnit] = useState("");
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  return (
    <form class="subform" onSubmit={(e) => {
      e.preventDefault();
      if (!unit || !reason.trim()) setError(t("reasonRequired"));
      else onSubmit({ unit, reason: reason.trim() });
    }}>
      <Field id="redirect-unit" label={t("toOffice")}>
        <select id="redirect-unit" value={unit} onChange={(e) => setUnit(e.currentTarget.value)}>
          <option value="">—</option>
          {units.data?.orgUnits.filter((u) => u.code !== current).map((u) => (
            <option key={u.code} value={u.code}>{nameOf(u)} ({u.code})</option>
          ))}
        </select>
      </Field>
      <Field id="redirect-reason" label={t("reason")} error={error}>
        <textarea id="redirect-reason" rows={2} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
      </Field>
      <button class="btn primary" type="submit">{t("redirect")}</button>{" "}
      <button class="btn link" type="button" onClick={onCancel}>{t("cancel")}</button>
    </form>
  );
}
