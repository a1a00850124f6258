/**
 * For approvers: the legal-deadline extensions awaiting a decision, the oldest request first,
 * each with approve or refuse (an optional note to the officer). The same decision is offered
 * on the referral's own page (`ExtensionDecision`).
 */
import { useState } from "preact/hooks";
import { LoadError, Loading, Page, useQuery } from "../components";
import { errorText, lang, nameOf, t } from "../i18n";
import { formatDate, formatDateTime } from "../lib/dates";
import { gql, isUserError, type UserError } from "../lib/graphql";
import { useSignal } from "../lib/store";
import { DECIDE_EXTENSION, PENDING_EXTENSIONS } from "../queries";
import { refusalText } from "../screens/CaseView";
import { notice } from "../state";
import "./desk.css";

interface Named { code?: string; nameTh: string; nameEn: string }
interface Pending {
  id: string; legalDueAt: string | null; orgUnit: Named;
  extension: { days: number; reason: string; requestedAt: string; status: string };
  case: { id: string; reference: string; category: Named; subdistrict: Named };
}
interface PendingPage {
  pendingExtensions: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null };
                       edges: { node: Pending }[] };
}

export function Extensions() {
  const language = useSignal(lang);
  const q = useQuery<PendingPage>(PENDING_EXTENSIONS, { first: 50 });
  const rows = q.data?.pendingExtensions.edges.map((e) => e.node) ?? [];
  return (
    <Page title={t("extensionsTitle")}>
      {q.loading && !q.data && <Loading />}
      {q.error && <LoadError error={q.error} reload={q.reload} />}
      {q.data && <p class="muted" role="status">
        {rows.length ? t("extensionsCount", { n: q.data.pendingExtensions.totalCount }) : t("extensionsNone")}</p>}
      <ul class="list plain" role="list">
        {rows.map((r) => (
          <li key={r.id} class="card">
            <p>
              <a href={`#/referral/${r.id}`}><strong>{r.case.reference}</strong></a><br />
              <span class="muted small">{nameOf(r.case.category)} · {nameOf(r.case.subdistrict)} · {r.orgUnit.code}</span>
            </p>
            <dl class="facts">
              <dt>{t("extensionStatus")}</dt><dd>{t("extensionAskedDays", { n: r.extension.days })}</dd>
              <dt>{t("legalDue")}</dt>
              <dd>{r.legalDueAt ? <time dateTime={r.legalDueAt}>{formatDate(r.legalDueAt, language)}</time> : "–"}</dd>
              <dt>{t("extensionReason")}</dt><dd>{r.extension.reason}</dd>
              <dt>{t("extensionRequestedAt")}</dt>
              <dd><time dateTime={r.extension.requestedAt}>{formatDateTime(r.extension.requestedAt, language)}</time></dd>
            </dl>
            <ExtensionDecision referralId={r.id} reference={r.case.reference} onDone={q.reload} />
          </li>
        ))}
      </ul>
    </Page>
  );
}

type DecideAnswer = { __typename: string; legalDueAt?: string | null } & Partial<UserError>;

/** Approve or refuse, with an optional note; the page's notice says what happened. */
export function ExtensionDecision({ referralId, reference, onDone }: {
  referralId: string; reference: string; onDone: () => void;
}) {
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const noteId = `ext-note-${referralId}`;
  async function decide(approve: boolean) {
    setBusy(true);
    setFailure(null);
    try {
      const data = await gql<{ decideExtension: DecideAnswer }>(DECIDE_EXTENSION,
        { id: referralId, approve, note: note.trim() || null });
      const answer = data.decideExtension;
      if (isUserError(answer)) {
        setFailure(errorText(answer as UserError));
        return;
      }
      notice.set(approve
        ? t("extensionApproved", { ref: reference, due: answer.legalDueAt ? formatDate(answer.legalDueAt, lang.get()) : "–" })
        : t("extensionRefused", { ref: reference }));
      onDone();
    } catch (error) {
      setFailure(refusalText(error));
    } finally {
      setBusy(false);
    }
  }
  return (
    <div class="subform">
      <label for={noteId}>{t("extensionNote")}</label>
      <textarea id={noteId} rows={2} maxLength={2000} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
      {failure && <p class="error" role="alert">{failure}</p>}
      <div class="actions">
        <button type="button" class="btn primary" disabled={busy} onClick={() => void decide(true)}>{t("extensionApprove")}</button>
        <button type="button" class="btn secondary" disabled={busy} onClick={() => void decide(false)}>{t("extensionRefuse")}</button>
      </div>
    </div>
  );
}
