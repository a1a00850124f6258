import { useState } from "preact/hooks";
import { LoadError, Loading, Page, useQuery } from "../components";
import { nameOf, t } from "../i18n";
import { useSignal } from "../lib/store";
import { CASE, CLOSE, ORG_UNITS, ROUTE, SATISFACTION } from "../queries";
import { session } from "../state";
import { mayRejectAtTriage, mayReopen, RejectCaseForm, ReopenForm } from "./CaseActions";
import { CaseSummary, History, isFiler, mutate, NoteForm, ReferralList, type CaseInfo } from "./CaseView";
import { AttachmentsCard } from "./Attachments";

export function CasePage({ id }: { id: string }) {
  const me = useSignal(session)!.user;
  const q = useQuery<{ case: CaseInfo | null }>(CASE, { id });
  const c = q.data?.case;
  return (
    <Page title={c ? c.reference : t("cases")}>
      {q.loading && !q.data && <Loading />}
      {q.error && <LoadError error={q.error} reload={q.reload} />}
      {q.data && !c && <p class="alert" role="alert">{t("notFound")}</p>}
      {c && (
        <>
          <CaseSummary c={c} />
          <AttachmentsCard c={c} onChanged={q.reload} officer={me.role !== "VOLUNTEER"} />
          {isFiler(me, c) && (c.status === "RESOLVED" || c.status === "CLOSED") && !c.satisfaction && (
            <SatisfactionForm c={c} onDone={q.reload} />
          )}
          {isFiler(me, c) && c.status === "RESOLVED" && <CloseForm c={c} onDone={q.reload} />}
          {mayReopen(me, c) && <ReopenForm c={c} onDone={q.reload} />}
          {(me.role === "COORDINATOR" || me.role === "ADMIN") && c.status === "NEW" && (
            <RouteForm c={c} onDone={q.reload} />
          )}
          {mayRejectAtTriage(me, c) && <RejectCaseForm c={c} onDone={q.reload} />}
          <ReferralList c={c} linkable={(r) => r.current && (me.orgUnitCode === r.orgUnit.code ||
            me.role === "COORDINATOR" || me.role === "ADMIN")} />
          <NoteForm c={c} onDone={q.reload} />
          <History c={c} />
        </>
      )}
    </Page>
  );
}

function SatisfactionForm({ c, onDone }: { c: CaseInfo; onDone: () => void }) {
  const [score, setScore] = useState(0);
  const [error, setError] = useState<string | null>(null);
  async function submit(event: Event) {
    event.preventDefault();
    if (!score) return;
    const failed = await mutate(SATISFACTION, { id: c.id, score, v: c.version });
    setError(failed);
    if (!failed) onDone();
  }
  return (
    <form class="card" onSubmit={submit}>
      <fieldset class="field">
        <legend>{t("satisfactionAsk")}</legend>
        <div class="stars">
          {[1, 2, 3, 4, 5].map((n) => (
            <label key={n} class={score >= n ? "star on" : "star"}>
              <input type="radio" name="score" value={n} checked={score === n} onChange={() => setScore(n)} />
              <span aria-hidden="true">★</span><span class="sr-only">{n} / 5</span>
            </label>
          ))}
        </div>
      </fieldset>
      {error && <p class="error" role="alert">{error}</p>}
      <button class="btn primary" type="submit" disabled={!score}>{t("record")} {t("satisfaction")}</button>
    </form>
  );
}

function CloseForm({ c, onDone }: { c: CaseInfo; onDone: () => void }) {
  const [error, setError] = useState<string | null>(null);
  return (
    <div class="card">
      {error && <p class="error" role="alert">{error}</p>}
      <button class="btn secondary" type="button" onClick={async () => {
        const failed = await mutate(CLOSE, { id: c.id, v: c.version });
        setError(failed);
        if (!failed) onDone();
      }}>{t("closeCase")}</button>
    </div>
  );
}

function RouteForm({ c, onDone }: { c: CaseInfo; onDone: () => void }) {
  const province = c.subdistrict.province?.code ?? c.subdistrict.code.slice(0, 2);
  const units = useQuery<{ orgUnits: { code: string; nameTh: string; nameEn: string }[] }>(
    ORG_UNITS, { provinceCode: province });
  const [chosen, setChosen] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  async function submit(event: Event) {
    event.preventDefault();
    if (!chosen.length) return;
    const failed = await mutate(ROUTE, { id: c.id, units: chosen, v: c.version });
    setError(failed);
    if (!failed) onDone();
  }
  return (
    <form class="card" onSubmit={submit}>
      <fieldset class="field">
        <legend>{t("route")}</legend>
        {units.data?.orgUnits.map((u) => (
          <div class="field check" key={u.code}>
            <input id={`unit-${u.code}`} type="checkbox" checked={chosen.includes(u.code)}
                   onChange={(e) => setChosen(e.currentTarget.checked ? [...chosen, u.code] : chosen.filter((x) => x !== u.code))} />
            <label for={`unit-${u.code}`}>{nameOf(u)} ({u.code})</label>
          </div>
        ))}
      </fieldset>
      {error && <p class="error" role="alert">{error}</p>}
      <button class="btn primary" type="submit" disabled={!chosen.length}>{t("route")}</button>
    </form>
  );
}
