/**
 * `#/admin/import`: a coordinator (their province) or an admin (anywhere) uploads the
 * province's volunteer list; the dry run shows every row's problems; when there are none,
 * import creates the new volunteers at once and offers the one-time codes file, once.
 */
import { useState } from "preact/hooks";
import { Page } from "../../components";
import { lang, t } from "../../i18n";
import { useSignal } from "../../lib/store";
import type { Me } from "../../state";
import { apply, dryRun, MAX_BYTES, type Plan, type PlanRow, Refused, save } from "./transfer";
import "../../desk/desk.css";
import "./import.css";

const SHOWN = 200;

export function Import(_: { me: Me; query: string }) {
  const language = useSignal(lang);
  const [file, setFile] = useState<File | null>(null);
  const [plan, setPlan] = useState<Plan | null>(null);
  const [busy, setBusy] = useState<"check" | "apply" | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<{ created: number; existing: number; codes: Blob; name: string } | null>(null);

  async function choose(chosen: File | null) {
    setPlan(null); setError(null); setDone(null); setFile(chosen);
    if (!chosen) return;
    if (chosen.size > MAX_BYTES) {
      setError(t("importTooLarge", { mb: (chosen.size / 1048576).toFixed(1) }));
      return;
    }
    setBusy("check");
    try {
      setPlan(await dryRun(chosen));
    } catch (e) {
      setError(e instanceof Error ? e.message : t("importFailed"));
    } finally {
      setBusy(null);
    }
  }

  async function run() {
    if (!file) return;
    setBusy("apply"); setError(null);
    try {
      setDone(await apply(file));
      setPlan(null);
    } catch (e) {
      setError(e instanceof Error ? e.message : t("importFailed"));
      if (e instanceof Refused && e.plan) setPlan(e.plan);
    } finally {
      setBusy(null);
    }
  }

  const rows = plan ? [...plan.rows].sort((a, b) => Number(!a.problems.length) - Number(!b.problems.length) || a.row - b.row) : [];
  return (
    <Page title={t("importTitle")}>
      <div class="desk import">
        {done ? (
          <div class="card code-card" role="status">
            <h2>{t("importDone", { new: done.created, existing: done.existing })}</h2>
            {done.created > 0 && <>
              <p>{t("importCodesOnce")}</p>
              <button type="button" class="btn primary" onClick={() => save(done.codes, done.name)}>{t("importDownloadCodes")}</button>
            </>}
            <p><button type="button" class="btn secondary" onClick={() => { setDone(null); setFile(null); }}>{t("importAnother")}</button></p>
          </div>
        ) : (
          <form class="card" onSubmit={(e) => e.preventDefault()}>
            <p>{t("importIntro")}</p>
            <p class="muted">{t("importColumns")}</p>
            <label for="import-file">{t("importFile")}</label>
            <input id="import-file" type="file" accept=".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv"
                   disabled={busy !== null} onChange={(e) => { const f = e.currentTarget.files?.[0] ?? null; e.currentTarget.value = ""; void choose(f); }} />
            {file && <p class="muted" lang="en">{file.name}</p>}
          </form>
        )}
        {busy && <p role="status">{t(busy === "check" ? "importChecking" : "importApplying")}</p>}
        {error && <p class="error" role="alert">{error}</p>}
        {plan && <Result plan={plan} rows={rows} language={language} busy={busy !== null} onApply={run} />}
      </div>
    </Page>
  );
}

function Result({ plan, rows, language, busy, onApply }: {
  plan: Plan; rows: PlanRow[]; language: string; busy: boolean; onApply: () => void;
}) {
  const { counts } = plan;
  const shown = rows.slice(0, SHOWN);
  const statusWord = (s: PlanRow["status"]) => t(s === "NEW" ? "importNew" : s === "EXISTING" ? "importExisting" : "importError");
  return (
    <section aria-labelledby="import-summary">
      <div role="status"><h2 id="import-summary">{t("importSummary", { rows: plan.rows.length, ...counts })}</h2></div>
      {counts.error > 0 && <p class="error">{t("importFix")}</p>}
      {counts.error === 0 && counts.new === 0 && <p>{t("importNothingNew")}</p>}
      {counts.error === 0 && counts.new > 0 &&
        <button type="button" class="btn primary" disabled={busy} onClick={onApply}>{t("importApply", { n: counts.new })}</button>}
      <div class="import-scroll" tabIndex={0} role="region" aria-label={t("importProblems")}>
        <table class="desk-table import-table">
          <caption>{t("importShowing", { shown: shown.length, rows: rows.length })}</caption>
          <thead><tr>
            <th scope="col">{t("importRow")}</th><th scope="col">{t("displayName")}</th><th scope="col">{t("subdistrict")}</th>
            <th scope="col">{t("username")}</th><th scope="col">{t("importStatus")}</th><th scope="col">{t("importProblems")}</th>
          </tr></thead>
          <tbody>
            {shown.map((r) => (
              <tr key={r.row} class={r.problems.length ? "import-bad" : undefined}>
                <th scope="row">{r.row}</th><td>{r.name}</td><td>{r.subdistrict}</td><td lang="en">{r.username}</td>
                <td>{statusWord(r.status)}</td>
                <td>{r.problems.length > 0 && <ul class="import-problems">
                  {r.problems.map((p, i) => <li key={i}>{language === "en" ? p.message : p.messageTh}</li>)}
                </ul>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
