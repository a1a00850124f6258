/**
 * The citizen on a case: national ID and phone masked, and for users who may, a button that
 * shows them whole after asking why (`revealCitizenIdentity`, written to the access log).
 * What is revealed stays in this component's state only; it is gone when the case is left.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { Field } from "../components";
import { errorText, lang, t } from "../i18n";
import { gql } from "../lib/graphql";
import {
  MAX_REASON_CHARS, REVEAL_REASONS, revealFailure, revealOutcome, revealReason,
  type Failure, type Identity, type RevealReasonCode,
} from "../lib/reveal";
import { REVEAL_CITIZEN } from "../queries";

export interface CitizenInfo {
  fullName: string; nationalId: string | null; phone: string | null; masked: boolean;
  mayReveal: boolean; anonymised: boolean;
}

/**
 * The citizen's `<dt>`/`<dd>` in the case's facts list (the reason form gets a full-width `<dd>`).
 * Mount with `key={caseId}` so another case never inherits what this one revealed.
 */
export function CitizenIdentity({ caseId, citizen }: { caseId: string; citizen: CitizenInfo }) {
  const [shown, setShown] = useState<Identity | null>(null);
  const [asking, setAsking] = useState(false);
  if (citizen.anonymised) return <><dt>{t("citizen")}</dt><dd class="muted">{t("anonymised")}</dd></>;
  const who = shown ?? citizen;
  const hasIdOrPhone = citizen.nationalId !== null || citizen.phone !== null;
  return (
    <>
      <dt>{t("citizen")}</dt>
      <dd>
        {who.fullName}
        {who.nationalId && <><br /><span class="muted small">{t("nationalId")}: </span>
          <span class="pii" data-revealed={shown ? "true" : undefined}>{who.nationalId}</span></>}
        {who.phone && <><br /><span class="muted small">{t("phone")}: </span>
          <span class="pii" data-revealed={shown ? "true" : undefined}>{who.phone}</span></>}
        {shown && <p class="small muted revealed" role="status">{t("revealed")} · {t("revealRecorded")}</p>}
        {!shown && citizen.mayReveal && hasIdOrPhone && !asking && (
          <div><button type="button" class="btn secondary small" onClick={() => setAsking(true)}>
            {t("revealIdentity")}
          </button></div>
        )}
      </dd>
      {!shown && asking && (
        <dd class="wide">
          <RevealForm caseId={caseId} onCancel={() => setAsking(false)}
                      onShown={(identity) => { setShown(identity); setAsking(false); }} />
        </dd>
      )}
    </>
  );
}

function RevealForm({ caseId, onCancel, onShown }: {
  caseId: string; onCancel: () => void; onShown: (identity: Identity) => void;
}) {
  const [code, setCode] = useState<RevealReasonCode | "">("");
  const [other, setOther] = useState("");
  const [problem, setProblem] = useState<"choose" | "specify" | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);
  const select = useRef<HTMLSelectElement>(null);
  useEffect(() => select.current?.focus(), []);

  async function submit(event: Event) {
    event.preventDefault();
    const chosen = revealReason(code, other);
    setFailure(null);
    if ("problem" in chosen) {
      setProblem(chosen.problem);
      return;
    }
    setProblem(null);
    setBusy(true);
    try {
      const data = await gql<{ revealCitizenIdentity: Parameters<typeof revealOutcome>[0] }>(
        REVEAL_CITIZEN, { id: caseId, reason: chosen.reason });
      const outcome = revealOutcome(data.revealCitizenIdentity);
      if (outcome.kind === "shown") onShown(outcome.citizen);
      else setFailure(outcome.error);
    } catch (error) {
      setFailure(revealFailure(error));
    } finally {
      setBusy(false);
    }
  }

  const en = lang.get() === "en";
  return (
    <form class="subform" onSubmit={submit} noValidate>
      <Field id="reveal-reason" label={t("revealReason")} hint={t("revealHint")}
             error={problem === "choose" ? t("revealChooseRequired") : null}>
        <select id="reveal-reason" ref={select} value={code} aria-describedby="reveal-reason-hint reveal-reason-msg"
                onChange={(e) => { setCode(e.currentTarget.value as RevealReasonCode | ""); setProblem(null); setFailure(null); }}>
          <option value="">{t("revealChoose")}</option>
          {REVEAL_REASONS.map((r) => <option key={r.code} value={r.code}>{en ? r.en : r.th}</option>)}
        </select>
      </Field>
      {code === "OTHER" && (
        <Field id="reveal-other" label={t("revealOther")}
               error={problem === "specify" ? t("reasonRequired") : null}>
          <input id="reveal-other" autocomplete="off" maxLength={MAX_REASON_CHARS} value={other}
                 aria-describedby="reveal-other-msg" aria-invalid={problem === "specify" ? "true" : undefined}
                 onInput={(e) => { setOther(e.currentTarget.value); setProblem(null); setFailure(null); }} />
        </Field>
      )}
      {failure && <p class="error" role="alert">{errorText(failure)}</p>}
      <div class="actions">
        <button class="btn primary" type="submit" disabled={busy}>{busy ? t("loading") : t("revealSubmit")}</button>
        <button class="btn secondary" type="button" onClick={onCancel}>{t("cancel")}</button>
      </div>
    </form>
  );
}
