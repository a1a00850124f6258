/**
 * On the office's referral page: who it is assigned to and "assign to me" (`assignReferral`
 * with no assignee = oneself), the legal deadline (DLPW wage and dismissal complaints: 60 days,
 * never pauses) and the officer's request to extend it once (`requestExtension`, 1–30 days).
 */
import { useState } from "preact/hooks";
import { Due, Field, When } from "../components";
import { errorText, t, type Key } from "../i18n";
import { gql, isUserError, type UserError } from "../lib/graphql";
import { REQUEST_EXTENSION } from "../queries";
import type { Me } from "../state";
import { isRunning, refusalText, type CaseInfo, type ReferralInfo } from "./CaseView";
import { ReasonField, type QuickReason } from "./CaseActions";

export const MAX_EXTENSION_DAYS = 30;

const EXTENSION_REASONS: QuickReason[] = [
  { th: "รอผลการตรวจสอบข้อเท็จจริงจากสถานประกอบการ", en: "Waiting for the workplace inspection's findings" },
  { th: "รอเอกสารหลักฐานจากนายจ้าง", en: "Waiting for the employer's documents" },
  { th: "นัดไกล่เกลี่ยระหว่างนายจ้างกับลูกจ้างแล้ว", en: "A mediation between employer and employee is scheduled" },
];

/** A user of the referral's office (domain/cases/policy.py, works_in_unit). */
export function worksInUnit(me: Me, r: ReferralInfo): boolean {
  return (me.role === "OFFICER" || me.role === "COORDINATOR") && me.orgUnitCode === r.orgUnit.code;
}

/** The office's people; and the province's coordinators, who may redirect (policy.py). */
export function mayRedirect(me: Me, r: ReferralInfo): boolean {
  const province = r.orgUnit.provinceCode ?? r.orgUnit.code.split("-")[1];
  return worksInUnit(me, r) || (me.role === "COORDINATOR" && !!province && (me.areaCode ?? "").startsWith(province));
}

/** An open, current referral of the user's office that is not theirs yet. */
export function mayAssignToMe(me: Me, r: ReferralInfo): boolean {
  return r.current && isRunning(r) && worksInUnit(me, r) && r.assignedTo?.username !== me.username;
}

/** The `<dt>`/`<dd>` rows: assigned officer, and the legal deadline while the referral is open. */
export function WorkFacts({ r, me, c }: { r: ReferralInfo; me: Me; c: CaseInfo }) {
  const asked = extensionEvent(r, c);
  return (
    <>
      <dt>{t("assignedTo")}</dt>
      <dd>{r.assignedTo
        ? <>{r.assignedTo.displayName}{r.assignedTo.username === me.username && <span class="muted"> ({t("you")})</span>}</>
        : <span class="muted">{t("notAssigned")}</span>}</dd>
      {r.legalDueAt && isRunning(r) && (
        <>
          <dt>{t("legalDue")}</dt>
          <dd>
            <Due at={r.legalDueAt} overdue={new Date(r.legalDueAt).getTime() < Date.now()} />
            <br /><span class="muted small">{t("legalDueHint")}</span>
            {r.extension
              ? <><br /><span class="small">{t(`ext.${r.extension.status}` as Key, { n: r.extension.days })}
                  {r.extension.decisionNote && <> · {r.extension.decisionNote}</>}</span></>
              : asked && <><br /><span class="small">{t("extensionAsked")} <span class="nowrap">(<When at={asked.at} />)</span></span></>}
          </dd>
        </>
      )}
    </>
  );
}

function extensionEvent(r: ReferralInfo, c: CaseInfo) {
  return c.events.find((e) => e.type === "EXTENSION_REQUESTED" && e.referralId === r.id) ?? null;
}

/** An officer of the office, on an open referral with a legal deadline, not asked before. */
export function mayRequestExtension(me: Me, r: ReferralInfo, c: CaseInfo): boolean {
  return me.role === "OFFICER" && me.orgUnitCode === r.orgUnit.code && r.current && isRunning(r)
    && !!r.legalDueAt && !r.extension && !extensionEvent(r, c);
}

type ExtensionAnswer = { __typename: string; extension?: { days: number } } & Partial<UserError>;

/** `onDone(text, ok)`: sent, or refused for a reason other than a field (asked already, the
 * referral closed meanwhile): the page shows the API's words and reloads what is there now. */
export function ExtensionForm({ referralId, onCancel, onDone }: {
  referralId: string; onCancel: () => void; onDone: (message: string, ok: boolean) => void;
}) {
  const [days, setDays] = useState("");
  const [reason, setReason] = useState("");
  const [daysError, setDaysError] = useState<string | null>(null);
  const [reasonError, setReasonError] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setFailure(null);
    const n = Number(days.trim());
    const badDays = !/^\d+$/.test(days.trim()) || n < 1 || n > MAX_EXTENSION_DAYS;
    setDaysError(badDays ? t("extensionDaysInvalid") : null);
    setReasonError(reason.trim() ? null : t("reasonRequired"));
    if (badDays || !reason.trim()) return;
    setBusy(true);
    try {
      const data = await gql<{ requestExtension: ExtensionAnswer }>(
        REQUEST_EXTENSION, { id: referralId, days: n, reason: reason.trim() });
      const answer = data.requestExtension;
      if (isUserError(answer as { __typename: string })) {
        const error = answer as UserError;
        if (error.field === "days") setDaysError(errorText(error));
        else if (error.field === "reason") setReasonError(errorText(error));
        else onDone(errorText(error), false);
      } else {
        onDone(t("extensionSent", { n: answer.extension?.days ?? n }), true);
      }
    } catch (error) {
      setFailure(refusalText(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="subform" onSubmit={submit} noValidate aria-labelledby="extension-title">
      <h2 id="extension-title">{t("requestExtension")}</h2>
      <Field id="extension-days" label={t("extensionDays")} error={daysError}>
        <input id="extension-days" type="number" inputMode="numeric" min={1} max={MAX_EXTENSION_DAYS}
               class="narrow" value={days} aria-describedby="extension-days-msg"
               aria-invalid={daysError ? "true" : undefined}
               onInput={(e) => { setDays(e.currentTarget.value); setDaysError(null); }} />
      </Field>
      <ReasonField id="extension-reason" choices={EXTENSION_REASONS} value={reason} error={reasonError}
                   onChange={(text) => { setReason(text); setReasonError(null); }} />
      {failure && <p class="error" role="alert">{failure}</p>}
      <div class="actions">
        <button class="btn primary" type="submit" disabled={busy}>{busy ? t("loading") : t("sendRequest")}</button>
        <button class="btn link" type="button" onClick={onCancel}>{t("cancel")}</button>
      </div>
    </form>
  );
}
