/**
 * `#/admin/audit`: the admin audit log (issue 13, part 7) — every change to people and
 * reference data, the newest first: who, when, the request, what, each field before → after.
 * Filters live in the route; "export CSV" writes every entry the filters match (up to 5,000).
 */
import { useState } from "preact/hooks";
import { LoadError, Loading, Page, refusalText, useQuery } from "../../components";
import { download, toCsv, type Cell } from "../../dashboard/csv";
import { lang, t } from "../../i18n";
import { formatDateTime } from "../../lib/dates";
import { gql } from "../../lib/graphql";
import { useSignal } from "../../lib/store";
import { ADMIN_AUDIT_LOG } from "../../queries";
import { navigate, notice, type Me } from "../../state";
import "../../desk/desk.css";

interface Entry {
  id: string; at: string; requestId: string | null; action: string; targetType: string; targetId: string;
  actor: { username: string; displayName: string } | null;
  changes: { field: string; before: string | null; after: string | null }[];
}
interface AuditPage { adminAuditLog: { entries: Entry[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }

const TARGETS = ["USER", "CATEGORY", "ROUTING_RULE", "ORG_UNIT", "HOLIDAY"];
const PAGE = 50;
const MAX_EXPORT = 5000;

function filterOf(params: URLSearchParams): Record<string, string> {
  const filter: Record<string, string> = {};
  const type = params.get("type");
  if (type && TARGETS.includes(type)) filter.targetType = type;
  const target = params.get("target")?.trim();
  if (target) filter.targetId = target.slice(0, 80);
  for (const [key, name] of [["since", "from"], ["until", "to"]] as const) {
    const day = params.get(name);
    if (day && /^\d{4}-\d{2}-\d{2}$/.test(day)) {
      const start = new Date(`${day}T00:00:00+07:00`);  // Bangkok days
      if (key === "until") start.setUTCDate(start.getUTCDate() + 1);
      filter[key] = start.toISOString();
    }
  }
  return filter;
}

const shown = (value: string | null) => (value === null || value === "null" ? "–" : value.replace(/^"|"$/g, ""));

export function AuditLog({ query }: { me: Me; query: string }) {
  const language = useSignal(lang);
  const params = new URLSearchParams(query);
  const filter = filterOf(params);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [target, setTarget] = useState(params.get("target") ?? "");
  const q = useQuery<AuditPage>(ADMIN_AUDIT_LOG, { filter, first: PAGE, after: cursors[cursors.length - 1] });
  const entries = q.data?.adminAuditLog.entries ?? [];

  function show(next: Record<string, string>) {
    const merged = new URLSearchParams(params);
    for (const [k, v] of Object.entries(next)) {
      if (v) merged.set(k, v);
      else merged.delete(k);
    }
    setCursors([null]);
    navigate(`/admin/audit${merged.toString() ? "?" + merged.toString() : ""}`);
  }

  async function exportCsv() {
    const rows: Cell[][] = [[t("auditAt"), t("auditActor"), t("auditAction"), t("auditTarget"), t("auditField"),
                            t("auditBefore"), t("auditAfter"), t("auditRequest")]];
    let after: string | null = null;
    try {
      do {
        const page: AuditPage = await gql<AuditPage>(ADMIN_AUDIT_LOG, { filter, first: 100, after });
        for (const e of page.adminAuditLog.entries) {
          const base: Cell[] = [formatDateTime(e.at, lang.get()), e.actor?.username ?? "system", e.action,
                                `${e.targetType} ${e.targetId}`];
          if (!e.changes.length) rows.push([...base, "", "", "", e.requestId]);
          for (const c of e.changes) rows.push([...base, c.field, shown(c.before), shown(c.after), e.requestId]);
        }
        after = page.adminAuditLog.pageInfo.hasNextPage ? page.adminAuditLog.pageInfo.endCursor : null;
      } while (after && rows.length < MAX_EXPORT);
      download(toCsv(rows), "khortor-admin-audit.csv");
    } catch (error) {
      notice.set(refusalText(error));
    }
  }

  return (
    <Page title={t("auditTitle")} actions={
      <button type="button" class="btn secondary" onClick={() => void exportCsv()}>{t("exportCsv")}</button>}>
      <div class="desk">
        <fieldset class="desk-filters">
          <legend>{t("deskFilters")}</legend>
          <label>{t("auditTargetType")}
            <select value={params.get("type") ?? ""} onChange={(e) => show({ type: e.currentTarget.value })}>
              <option value="">{t("auditAnyTarget")}</option>
              {TARGETS.map((k) => <option key={k} value={k}>{t(`audit.${k}` as never)}</option>)}
            </select>
          </label>
          <form class="inline-form" onSubmit={(e) => { e.preventDefault(); show({ target: target.trim() }); }}>
            <label>{t("auditTarget")}
              <input type="search" value={target} onInput={(e) => setTarget(e.currentTarget.value)} />
            </label>
            <button type="submit" class="btn secondary">{t("deskSearch")}</button>
          </form>
          <label>{t("auditFrom")}
            <input type="date" value={params.get("from") ?? ""} onChange={(e) => show({ from: e.currentTarget.value })} />
          </label>
          <label>{t("auditTo")}
            <input type="date" value={params.get("to") ?? ""} onChange={(e) => show({ to: e.currentTarget.value })} />
          </label>
        </fieldset>
        {q.loading && !q.data && <Loading />}
        {q.error && <LoadError error={q.error} reload={q.reload} />}
        {q.data && !entries.length && <p class="muted" role="status">{t("auditNone")}</p>}
        {entries.length > 0 && (
          <div class="desk-scroll">
            <table class="desk-table">
              <caption>{t("auditCaption")}</caption>
              <thead><tr>
                <th scope="col">{t("auditAt")}</th><th scope="col">{t("auditActor")}</th>
                <th scope="col">{t("auditAction")}</th><th scope="col">{t("auditTarget")}</th>
                <th scope="col">{t("auditChanges")}</th><th scope="col">{t("auditRequest")}</th>
              </tr></thead>
              <tbody>
                {entries.map((e) => (
                  <tr key={e.id}>
                    <td class="nowrap">{formatDateTime(e.at, language)}</td>
                    <td>{e.actor?.displayName ?? t("auditSystem")}</td>
                    <td><code>{e.action}</code></td>
                    <th scope="row">{e.targetId} <span class="muted small">{e.targetType}</span></th>
                    <td><ul class="changes">{e.changes.map((c) => (
                      <li key={c.field}><span class="muted">{c.field}:</span> {shown(c.before)} → {shown(c.after)}</li>
                    ))}</ul></td>
                    <td class="small">{e.requestId ?? "–"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {(cursors.length > 1 || q.data?.adminAuditLog.pageInfo.hasNextPage) && (
          <nav class="desk-pages" aria-label={t("auditCaption")}>
            <button type="button" class="btn secondary" disabled={cursors.length === 1}
                    onClick={() => setCursors(cursors.slice(0, -1))}>{t("deskPrev")}</button>
            <button type="button" class="btn secondary" disabled={!q.data?.adminAuditLog.pageInfo.hasNextPage}
                    onClick={() => setCursors([...cursors, q.data!.adminAuditLog.pageInfo.endCursor])}>{t("deskNext")}</button>
          </nav>
        )}
      </div>
    </Page>
  );
}
