/** A case's details, referrals and history — shared by the case page and the referral page. */
import type { ComponentChildren, JSX } from "preact";
import { useState } from "preact/hooks";
import { Due, Field, refusalText, StatusBadge, When } from "../components";

/** A top-level error in words for people, never the raw GraphQL text (components.tsx). */
export { refusalText };
import { ICONS } from "../categories";
import { errorText, eventTerm, nameOf, t, term } from "../i18n";
import { gql, isUserError, type UserError } from "../lib/graphql";
import { useSignal } from "../lib/store";
import { ADD_NOTE } from "../queries";
import { formatBaht } from "../lib/money";
import { session, type Me } from "../state";
import { CitizenIdentity, type CitizenInfo } from "./CitizenIdentity";
import { attachedLabel, type AttachmentInfo, type AttachmentRoom } from "./Attachments";

export interface Named { code?: string; nameTh: string; nameEn: string }

export interface ReferralInfo {
  id: string; status: string; current: boolean; acceptDueAt: string; resolveDueAt: string;
  nextDueAt: string | null; overdue: boolean; escalationLevel: number; reason: string | null;
  outcome: string | null; amountRecoveredThb: string | null; completedAt?: string | null;
  acceptedAt?: string | null; version: number;
  orgUnit: Named & { code: string; provinceCode?: string };
  assignedTo: { displayName: string; username?: string } | null; legalDueAt?: string | null;
  extension?: { status: string; days: number; reason: string; decidedAt: string | null;
                decisionNote: string | null } | null;
}

export interface CaseInfo {
  id: string; reference: string; status: string; description: string; priority: string;
  capturedAt: string; receivedAt: string; resolvedAt: string | null; closedAt: string | null;
  version: number; escalationLevel: number; outcome: string | null; amountRecoveredThb: string | null;
  satisfaction: number | null; category: Named & { code: string };
  subdistrict: Named & { code: string; district: Named | null; province: (Named & { code: string }) | null };
  citizen: CitizenInfo;
  employer: { name: string; juristicId: string | null } | null;
  filedBy: { id?: string; displayName: string } | null;
  referrals: ReferralInfo[];
  events: { id: string; type: string; at: string; fromStatus: string | null; toStatus: string | null;
            note: string | null; internal: boolean; referralId: string | null;
            actor: { displayName: string } | null }[];
  /** Photos and documents (issue 14): who may not open one sees its kind and size only. */
  attachments?: AttachmentInfo[];
  attachmentRoom?: AttachmentRoom | null;
}

/** Deadlines run only while the office still has to act (a completed, declined or redirected
 * referral has none: no "(in 48 days)" on a finished card). */
const RUNNING = ["PENDING", "ACCEPTED", "ON_HOLD"];
/** The reason is news only while it says where the referral stands: once resumed or
 * completed, an old hold reason is stale. */
const WITH_REASON = ["ON_HOLD", "REJECTED", "REDIRECTED"];

export function isRunning(r: ReferralInfo): boolean { return RUNNING.includes(r.status); }
export function currentReason(r: ReferralInfo): string | null {
  return WITH_REASON.includes(r.status) ? r.reason : null;
}

/** "18,000.50 บาท" / "18,000.50 baht". */
export function Baht({ value }: { value: string }) {
  return <>{t("baht", { n: formatBaht(value) })}</>;
}

/** How a completed referral ended: outcome, baht recovered, when. */
export function Completion({ r, Row }: {
  r: ReferralInfo; Row: (p: { label: string; children: ComponentChildren }) => JSX.Element;
}) {
  if (r.status !== "COMPLETED") return null;
  return (
    <>
      {r.outcome && <Row label={t("outcome")}>{term("outcome." + r.outcome)}</Row>}
      {r.amountRecoveredThb && <Row label={t("amountRecovered")}><Baht value={r.amountRecoveredThb} /></Row>}
      {r.completedAt && <Row label={t("completedAt")}><When at={r.completedAt} /></Row>}
    </>
  );
}

/** Who may add a note to the case, as the API decides it (domain/cases/policy.py,
 * require_note_writer): the volunteer who filed it, a coordinator of its province, and
 * officers of an office still responsible for one of its referrals. Mentors, supervisors
 * and admins are not offered a form the server would refuse. */
export function mayWriteNote(me: Me, c: CaseInfo): boolean {
  switch (me.role) {
    case "VOLUNTEER": return isFiler(me, c);
    case "COORDINATOR": return inProvince(me, c);
    case "OFFICER":
      return c.referrals.some((r) => r.orgUnit.code === me.orgUnitCode && r.status !== "REJECTED" && r.status !== "REDIRECTED");
    default: return false;
  }
}

/** A coordinator of the case's province (domain/cases/policy.py, in_province). */
export function inProvince(me: Me, c: CaseInfo): boolean {
  return me.role === "COORDINATOR" && !!me.areaCode
    && me.areaCode.slice(0, 2) === (c.subdistrict.province?.code ?? c.subdistrict.code.slice(0, 2));
}

/** The volunteer who filed the case (only they record satisfaction and close it). */
export function isFiler(me: Me, c: CaseInfo): boolean {
  return me.role === "VOLUNTEER" && !!c.filedBy?.id && c.filedBy.id === me.id;
}

export type MutationResult = { __typename: string } & Partial<UserError>;

/** Run a mutation; returns the error text to show, or null when it succeeded. */
export async function mutate(query: string, variables: Record<string, unknown>): Promise<string | null> {
  try {
    const data = await gql<Record<string, MutationResult>>(query, variables);
    const result = Object.values(data)[0]!;
    if (isUserError(result as { __typename: string })) {
      return result.__typename === "StaleVersionError" ? t("stale") : errorText(result as UserError);
    }
    return null;
  } catch (error) {
    return refusalText(error);
  }
}

export function CaseSummary({ c }: { c: CaseInfo }) {
  return (
    <div class="card">
      <p class="case-head">
        <span class="icon big" aria-hidden="true">{ICONS[c.category.code] ?? "💬"}</span>
        <span>
          <strong>{nameOf(c.category)}</strong><br />
          <span class="muted">{t("reference")} </span><span class="ref">{c.reference}</span>
        </span>
        <StatusBadge status={c.status} />
      </p>
      <dl class="facts">
        <dt>{t("filedAt")}</dt><dd><When at={c.receivedAt} /></dd>
        <dt>{t("subdistrict")}</dt>
        <dd>{nameOf(c.subdistrict)}, {nameOf(c.subdistrict.district)}, {nameOf(c.subdistrict.province)}</dd>
        <CitizenIdentity key={c.id} caseId={c.id} citizen={c.citizen} />
        {c.employer && <><dt>{t("employer")}</dt><dd>{c.employer.name}</dd></>}
        {c.filedBy && <><dt>{term("VOLUNTEER")}</dt><dd>{c.filedBy.displayName}</dd></>}
        {c.outcome && <><dt>{t("outcome")}</dt><dd>{term("outcome." + c.outcome)}</dd></>}
        {c.amountRecoveredThb && <><dt>{t("amountRecovered")}</dt><dd><Baht value={c.amountRecoveredThb} /></dd></>}
        {c.satisfaction && <><dt>{t("satisfaction")}</dt><dd>{"★".repeat(c.satisfaction)}{"☆".repeat(5 - c.satisfaction)} ({c.satisfaction}/5)</dd></>}
      </dl>
      <h2 class="section">{t("description")}</h2>
      <p class="description">{c.description}</p>
    </div>
  );
}

export function ReferralList({ c, linkable }: { c: CaseInfo; linkable?: (r: ReferralInfo) => boolean }) {
  if (!c.referrals.length) return null;
  return (
    <div class="card">
      <h2>{t("referrals")}</h2>
      <ul class="list" role="list">
        {c.referrals.map((r) => {
          const body = (
            <>
              <span class="row-main">
                <span class="row-title">{nameOf(r.orgUnit)} ({r.orgUnit.code})</span>
                {isRunning(r) && r.nextDueAt && <span class="row-sub">{t("deadline")}: <Due at={r.nextDueAt} overdue={r.overdue} /></span>}
                {r.assignedTo && <span class="row-sub">{r.assignedTo.displayName}</span>}
                {currentReason(r) && <span class="row-sub">{t("reason")}: {currentReason(r)}</span>}
                <Completion r={r} Row={SubRow} />
              </span>
              <StatusBadge status={r.status} />
            </>
          );
          return (
            <li key={r.id} class={r.current ? "" : "superseded"}>
              {linkable?.(r) ? <a class="row" href={`#/referral/${r.id}`}>{body}</a> : <div class="row">{body}</div>}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function SubRow({ label, children }: { label: string; children: ComponentChildren }) {
  return <span class="row-sub">{label}: {children}</span>;
}

export function History({ c }: { c: CaseInfo }) {
  return (
    <div class="card">
      <h2>{t("history")}</h2>
      <ol class="timeline">
        {[...c.events].reverse().map((e) => (
          <li key={e.id} class={e.internal ? "internal" : ""}>
            <strong>{attachedLabel(e, c.attachments) ?? eventTerm(e.type)}</strong>
            {e.toStatus && <> → {term(e.toStatus)}</>}
            <br /><span class="muted"><When at={e.at} /> · {e.actor?.displayName ?? t("system")}
              {e.internal && <> · {t("internalNote")}</>}</span>
            {e.note && <p class="note">{e.note}</p>}
          </li>
        ))}
      </ol>
    </div>
  );
}

export function NoteForm({ c, onDone }: { c: CaseInfo; onDone: () => void }) {
  const me = useSignal(session)!.user;
  const caseId = c.id;
  const staff = me.role !== "VOLUNTEER" && me.role !== "MENTOR";
  const [text, setText] = useState("");
  const [internal, setInternal] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function submit(event: Event) {
    event.preventDefault();
    if (!text.trim()) return;
    const failed = await mutate(ADD_NOTE, { id: caseId, text: text.trim(), internal: staff && internal });
    setError(failed);
    if (!failed) {
      setText("");
      onDone();
    }
  }
  if (!mayWriteNote(me, c)) return null;
  return (
    <form class="card" onSubmit={submit}>
      <h2>{t("notes")}</h2>
      <Field id="note" label={t("noteText")} error={error}>
        <textarea id="note" rows={2} value={text} onInput={(e) => setText(e.currentTarget.value)} />
      </Field>
      {staff && (
        <div class="field check">
          <input id="note-internal" type="checkbox" checked={internal}
                 onChange={(e) => setInternal(e.currentTarget.checked)} />
          <label for="note-internal">{t("internalNote")}</label>
        </div>
      )}
      <button class="btn secondary" type="submit">{t("addNote")}</button>
    </form>
  );
}
