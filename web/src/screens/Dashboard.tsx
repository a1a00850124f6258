import { useEffect, useState } from "preact/hooks";
import { LoadError, Loading, Page } from "../components";
import { AGENCIES } from "../categories";
import { download, toCsv, type Cell } from "../dashboard/csv";
import {
  clampArea, currentFiscalYear, fiscalMonths, fiscalYearOfPeriod, monthName, parseView,
  periodDays, viewPath, type DashboardView, type Period,
} from "../dashboard/period";
import { fromCaseStats, type AreaRow, type Count, type Coverage, type Stats } from "../dashboard/source";
import "../dashboard/dashboard.css";
import { errorText, lang, nameOf, t, term, type Key } from "../i18n";
import { formatDateTime } from "../lib/dates";
import { NetworkError, RequestError } from "../lib/graphql";
import { formatBaht } from "../lib/money";
import { useSignal } from "../lib/store";
import { navigate, notice, route, session } from "../state";

const STATUS_COLORS: Record<string, string> = {
  NEW: "#8a5a00", ROUTED: "#1f5fa8", IN_PROGRESS: "#6a3d9a", RESOLVED: "#2b7a3d", CLOSED: "#555e68",
};
/** How many rows a list shows before "show all". */
const TOP = 10;

const locale = () => (lang.get() === "th" ? "th-TH" : "en-GB");
const num = (n: number) => n.toLocaleString(locale());
/** One decimal, as on screen and in the file: 3.5, 6.9. */
const oneDecimal = (n: number) => Math.round(n * 10) / 10;
const dec = (n: number) => oneDecimal(n).toLocaleString(locale(), { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** The period in words: "ปีงบประมาณ 2570", "ไตรมาส 1 ปีงบประมาณ 2570", "ธันวาคม 2569", or its days. */
export function periodText(p: Period): string {
  const language = lang.get();
  switch (p.kind) {
    case "all": return t("dashAllTime");
    case "fy": return t("dashFy", { fy: p.fy });
    case "quarter": return t("dashQuarterOfFy", { q: p.q, fy: p.fy });
    case "month": return monthName(p.month, language);
    case "range": return periodDays(p, language) ?? "";
  }
}

function quarterMonths(fy: number, q: number): string {
  const months = fiscalMonths(fy).slice(3 * (q - 1), 3 * q);
  const f = new Intl.DateTimeFormat(locale(), { month: "short", timeZone: "UTC" });
  const short = (m: string) => f.format(new Date(`${m}-15T00:00:00Z`));
  return `${short(months[0]!)}–${short(months[2]!)}`;
}

function todayInBangkok(): string {
  return new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10);
}

/** Fiscal year, quarter, month or a custom range of days; every change is a new URL. */
function PeriodPicker({ view, go }: { view: DashboardView; go: (v: DashboardView) => void }) {
  const p = view.period;
  const nowFy = currentFiscalYear(new Date());
  const fy = fiscalYearOfPeriod(p) ?? nowFy;
  const years = Array.from(new Set([nowFy, nowFy - 1, nowFy - 2, nowFy - 3, nowFy - 4, fy])).sort((a, b) => b - a);
  const today = todayInBangkok();
  const [from, setFrom] = useState(p.kind === "range" ? p.from : `${nowFy - 544}-10-01`);
  const [to, setTo] = useState(p.kind === "range" ? p.to : today);
  useEffect(() => {
    if (p.kind === "range") { setFrom(p.from); setTo(p.to); }
  }, [p.kind === "range" ? `${p.from}/${p.to}` : ""]);
  const set = (period: Period) => go({ ...view, period });

  function kindChanged(kind: string) {
    const months = fiscalMonths(fy).filter((m) => m <= today.slice(0, 7));
    if (kind === "fy") set({ kind: "fy", fy });
    else if (kind === "quarter") set({ kind: "quarter", fy, q: Math.max(1, Math.ceil(months.length / 3)) });
    else if (kind === "month") set({ kind: "month", month: months[months.length - 1] ?? fiscalMonths(fy)[0]! });
    else if (kind === "range") set({ kind: "range", from, to });
    else set({ kind: "all" });
  }
  function yearChanged(year: number) {
    if (p.kind === "quarter") set({ kind: "quarter", fy: year, q: p.q });
    else if (p.kind === "month") set({ kind: "month", month: fiscalMonths(year)[fiscalMonths(fy).indexOf(p.month)] ?? fiscalMonths(year)[0]! });
    else set({ kind: "fy", fy: year });
  }
  const rangeBad = from > to;
  const days = periodDays(p, lang.get());
  return (
    <form class="card dash-period" onSubmit={(e) => { e.preventDefault(); if (!rangeBad && from && to) set({ kind: "range", from, to }); }}>
      <fieldset>
        <legend>{t("dashPeriod")}</legend>
        <div class="dash-period-fields">
          <div class="field">
            <label for="dash-kind">{t("dashPeriodKind")}</label>
            <select id="dash-kind" value={p.kind} onChange={(e) => kindChanged(e.currentTarget.value)}>
              <option value="fy">{t("dashKindFy")}</option>
              <option value="quarter">{t("dashKindQuarter")}</option>
              <option value="month">{t("dashKindMonth")}</option>
              <option value="range">{t("dashKindRange")}</option>
              <option value="all">{t("dashKindAll")}</option>
            </select>
          </div>
          {(p.kind === "fy" || p.kind === "quarter" || p.kind === "month") && (
            <div class="field">
              <label for="dash-fy">{t("dashFiscalYear")}</label>
              <select id="dash-fy" value={String(fy)} onChange={(e) => yearChanged(Number(e.currentTarget.value))}>
                {years.map((y) => <option key={y} value={String(y)}>{y}</option>)}
              </select>
            </div>
          )}
          {p.kind === "quarter" && (
            <div class="field">
              <label for="dash-q">{t("dashQuarter")}</label>
              <select id="dash-q" value={String(p.q)} onChange={(e) => set({ kind: "quarter", fy, q: Number(e.currentTarget.value) })}>
                {[1, 2, 3, 4].map((q) => <option key={q} value={String(q)}>{t("dashQuarterN", { q, months: quarterMonths(fy, q) })}</option>)}
              </select>
            </div>
          )}
          {p.kind === "month" && (
            <div class="field">
              <label for="dash-month">{t("dashMonth")}</label>
              <select id="dash-month" value={p.month} onChange={(e) => set({ kind: "month", month: e.currentTarget.value })}>
                {fiscalMonths(fy).map((m) => <option key={m} value={m}>{monthName(m, lang.get())}</option>)}
              </select>
            </div>
          )}
          {p.kind === "range" && (
            <>
              <div class="field">
                <label for="dash-from">{t("dashFrom")}</label>
                <input id="dash-from" type="date" value={from} max={to} aria-invalid={rangeBad}
                       aria-describedby={rangeBad ? "dash-range-error" : undefined}
                       onInput={(e) => setFrom(e.currentTarget.value)} />
              </div>
              <div class="field">
                <label for="dash-to">{t("dashTo")}</label>
                <input id="dash-to" type="date" value={to} min={from} aria-invalid={rangeBad}
                       aria-describedby={rangeBad ? "dash-range-error" : undefined}
                       onInput={(e) => setTo(e.currentTarget.value)} />
              </div>
              <div class="field dash-apply">
                <button type="submit" class="btn primary" disabled={rangeBad || !from || !to}>{t("dashApply")}</button>
              </div>
            </>
          )}
        </div>
        {rangeBad && <p id="dash-range-error" class="error">{t("dashRangeInvalid")}</p>}
        <p class="muted small dash-showing">{t("dashShowing", { period: periodText(p) })}{days && p.kind !== "range" ? ` (${days})` : ""}</p>
      </fieldset>
    </form>
  );
}

function Breadcrumb({ stats, view, scope, href }: {
  stats: Stats; view: DashboardView; scope: string | null; href: (area: string | null) => string;
}) {
  const steps: { code: string | null; name: string }[] = [];
  if (!scope) steps.push({ code: null, name: t("wholeCountry") });
  for (const a of stats.trail) if (!scope || a.code.length >= scope.length) steps.push({ code: a.code, name: nameOf(a) });
  return (
    <nav class="crumbs" aria-label={t("dashBreadcrumb")}>
      <ol>
        {steps.map((s) => (
          <li key={s.code ?? "country"}>
            {s.code === view.area
              ? <span aria-current="page">{s.name}</span>
              : <a href={href(s.code)}>{s.name}</a>}
          </li>
        ))}
      </ol>
    </nav>
  );
}

interface Figure { key: string; label: string; value: string; sub: string; csv: Cell }

function figures(stats: Stats): Figure[] {
  const s = stats.totals;
  const days = (n: number | null) => (n === null ? t("dashNoValue") : dec(n));
  return [
    { key: "cases", label: t("dashCases"), value: num(s.cases), sub: t("dashCasesSub", { n: num(s.referrals) }), csv: s.cases },
    { key: "open", label: t("dashOpen"), value: num(s.open), sub: t("dashOpenSub"), csv: s.open },
    { key: "overdue", label: t("dashOverdue"), value: num(s.overdueReferrals), sub: t("dashOverdueSub"), csv: s.overdueReferrals },
    { key: "escalated", label: t("dashEscalated"), value: num(s.escalated), sub: t("dashEscalatedSub"), csv: s.escalated },
    { key: "recovered", label: t("dashRecovered"), value: t("dashBaht", { n: formatBaht(s.amountRecoveredThb) }), sub: "",
      csv: s.amountRecoveredThb },
    { key: "satisfaction", label: t("dashSatisfaction"),
      value: s.meanSatisfaction === null ? t("dashNoValue") : t("dashSatisfactionValue", { n: dec(s.meanSatisfaction) }),
      sub: t("dashSatisfactionSub", { n: num(s.satisfactionCount) }),
      csv: s.meanSatisfaction === null ? null : oneDecimal(s.meanSatisfaction) },
    { key: "resolve", label: t("dashResolve"),
      value: t("dashResolveValue", { median: days(s.medianDaysToResolve), p90: days(s.p90DaysToResolve) }),
      sub: t("dashResolveSub"), csv: null },
  ];
}

function Figures({ stats }: { stats: Stats }) {
  return (
    <ul class="dash-kpis" role="list">
      {figures(stats).map((f) => (
        <li key={f.key} class={`kpi kpi-${f.key}`} data-figure={f.key}>
          <span class="kpi-label">{f.label}</span>
          <strong class="kpi-n">{f.value}</strong>
          {f.sub && <span class="kpi-sub muted small">{f.sub}</span>}
        </li>
      ))}
    </ul>
  );
}

/** Horizontal bars: readable at 360 px, with the numbers written out for screen readers. */
function Bars({ title, note, total, rows, label, color }: {
  title: string; note?: string; total: string; rows: Count[]; label: (c: Count) => string; color: (c: Count) => string;
}) {
  const max = Math.max(1, ...rows.map((r) => r.count));
  return (
    <figure class="card chart">
      <figcaption><h2>{title}</h2><span class="muted">{total}</span>
        {note && <p class="chart-note muted small">{note}</p>}
      </figcaption>
      <table class="bars">
        <tbody>
          {rows.map((r) => (
            <tr key={r.key}>
              <th scope="row">{label(r)}</th>
              <td>
                <span class="track">
                  <span class="bar" style={{ width: `${(r.count / max) * 100}%`, background: color(r) }} />
                </span>
                <span class="bar-n">{num(r.count)}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

/** "Show all (77)"; its accessible name adds the list's title (two lists may have one). */
function ShowAll({ n, all, toggle, what }: { n: number; all: boolean; toggle: () => void; what: string }) {
  if (n <= TOP) return null;
  const text = all ? t("dashShowTop", { n: TOP }) : t("dashShowAll", { n });
  return (
    <button type="button" class="btn secondary small show-all" aria-expanded={all} onClick={toggle}
            aria-label={`${text}: ${what}`}>
      {text}
    </button>
  );
}

const AREA_TITLE: Record<string, Key> = {
  PROVINCE: "dashOpenByProvince", DISTRICT: "openByDistrict", SUBDISTRICT: "dashOpenBySubdistrict",
};

/** Child areas, most open cases first, the top ten then all; a name opens that area. */
function AreaTable({ rows, level, href }: { rows: AreaRow[]; level: string; href: (area: string) => string }) {
  const [all, setAll] = useState(false);
  useEffect(() => setAll(false), [rows]);
  const shown = all ? rows : rows.slice(0, TOP);
  const max = Math.max(1, ...rows.map((r) => r.open));
  return (
    <figure class="card chart wide dash-areas">
      <figcaption><h2 id="dash-areas-title">{t(AREA_TITLE[level]!)}</h2>
        <p class="chart-note muted small">{t("dashAreaHint")}</p>
      </figcaption>
      <table class="area-table" aria-labelledby="dash-areas-title">
        <thead>
          <tr>
            <th scope="col">{t("dashAreaName")}</th>
            <th scope="col" class="n">{t("dashAreaOpen")}</th>
            <th scope="col" class="area-bar-col"><span class="sr-only">{t("dashAreaOpen")}</span></th>
            <th scope="col" class="n">{t("dashAreaCases")}</th>
            <th scope="col" class="n">{t("dashAreaOverdue")}</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((r) => (
            <tr key={r.key} data-area={r.key}>
              <th scope="row">
                <a href={href(r.key)}>{nameOf(r)}</a>
              </th>
              <td class="n">{num(r.open)}</td>
              <td class="area-bar-col" aria-hidden="true">
                <span class="track"><span class="abar" style={{ width: `${(r.open / max) * 100}%` }} /></span>
              </td>
              <td class="n">{num(r.cases)}</td>
              <td class="n">{num(r.overdue)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted small">{t("dashAreaOverdueNote")}</p>
      <ShowAll n={rows.length} all={all} toggle={() => setAll(!all)} what={t(AREA_TITLE[level]!)} />
    </figure>
  );
}

function Compliance({ stats }: { stats: Stats }) {
  const language = lang.get();
  const max = Math.max(1, ...stats.compliance.map((m) => m.onTime + m.late));
  const month = (m: { month: string; labelTh?: string; labelEn?: string }) =>
    (language === "th" ? m.labelTh : m.labelEn) ?? monthName(m.month, language);
  return (
    <figure class="card chart">
      <figcaption><h2>{t("compliance")}</h2>
        <span class="legend"><i class="sw ontime" /> {t("onTime")} <i class="sw late" /> {t("late")}</span>
      </figcaption>
      {!stats.compliance.length && <p class="muted">{t("complianceNone")}</p>}
      <table class="bars">
        <tbody>
          {stats.compliance.map((m) => (
            <tr key={m.month}>
              <th scope="row">{month(m)}</th>
              <td>
                <span class="track">
                  <span class="bar ontime" style={{ width: `${(m.onTime / max) * 100}%` }} />
                  <span class="bar late" style={{ width: `${(m.late / max) * 100}%` }} />
                </span>
                <span class="bar-n">{m.onTime}/{m.onTime + m.late}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

function CoverageChart({ coverage }: { coverage: NonNullable<Stats["coverage"]> }) {
  const [all, setAll] = useState(false);
  const pct = (c: { covered: number; total: number }) => (c.total ? Math.round((c.covered / c.total) * 100) : 0);
  const shown = all ? coverage.areas : coverage.areas.slice(0, TOP);
  return (
    <figure class="card chart">
      <figcaption><h2>{t("coverage")}</h2>
        <span class="muted">{t("coverageTotal", { covered: coverage.total.covered, total: coverage.total.total, pct: pct(coverage.total) })}</span>
      </figcaption>
      <table class="bars">
        <tbody>
          {shown.map((a: Coverage) => (
            <tr key={a.key}>
              <th scope="row">{nameOf(a)}</th>
              <td>
                <span class="track"><span class="bar" style={{ width: `${pct(a)}%`, background: "#2b7a3d" }} /></span>
                <span class="bar-n">{a.covered}/{a.total}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ShowAll n={coverage.areas.length} all={all} toggle={() => setAll(!all)} what={t("coverage")} />
    </figure>
  );
}

function slug(p: Period): string {
  switch (p.kind) {
    case "all": return "all";
    case "fy": return `fy${p.fy}`;
    case "quarter": return `fy${p.fy}q${p.q}`;
    case "month": return p.month.replace("-", "");
    case "range": return `${p.from.replace(/-/g, "")}-${p.to.replace(/-/g, "")}`;
  }
}

/** The file: what the screen shows, every row of each list (also those behind "show all"). */
export function dashboardCsv(stats: Stats, view: DashboardView): Cell[][] {
  const where = stats.trail.length ? stats.trail.map(nameOf).join(" > ") : t("wholeCountry");
  const days = periodDays(view.period, lang.get());
  const s = stats.totals;
  const rows: Cell[][] = [
    [t("dashCsvTitle")],
    [t("dashCsvArea"), where, view.area ?? ""],
    [t("dashCsvPeriod"), periodText(view.period) + (days && view.period.kind !== "range" ? ` (${days})` : "")],
    [t("dashAsOf", { at: stats.asOf ? formatDateTime(stats.asOf, lang.get()) : "" })],
    [],
    [t("dashCsvSummary")],
    [t("dashCsvItem"), t("dashCsvValue")],
    ...figures(stats).filter((f) => f.key !== "resolve").map((f) => [f.label, f.csv]),
    [t("dashCsvReferrals"), s.referrals],
    [t("dashCsvSatisfactionCount"), s.satisfactionCount],
    [t("dashCsvMedian"), s.medianDaysToResolve === null ? null : oneDecimal(s.medianDaysToResolve)],
    [t("dashCsvP90"), s.p90DaysToResolve === null ? null : oneDecimal(s.p90DaysToResolve)],
    [],
    [t("byStatus")],
    [t("dashCsvCode"), t("dashCsvItem"), t("dashCsvValue")],
    ...stats.byStatus.map((c) => [c.key, term(c.key), c.count]),
    [],
    [`${t("dashByAgency")} (${t("dashByAgencyNote")})`],
    [t("dashCsvCode"), t("dashCsvItem"), t("dashCsvReferrals")],
    ...stats.byAgency.map((c) => [c.key, nameOf(c), c.count]),
  ];
  if (stats.areaLevel) {
    rows.push([], [t(AREA_TITLE[stats.areaLevel]!)],
      [t("dashCsvCode"), t("dashAreaName"), t("dashAreaOpen"), t("dashAreaCases"), t("dashOverdue"), t("dashEscalated")],
      ...stats.areas.map((a) => [a.key, nameOf(a), a.open, a.cases, a.overdue, a.escalated]));
  }
  if (stats.compliance.length) {
    rows.push([], [t("compliance")], [t("dashCsvItem"), t("onTime"), t("late")],
      ...stats.compliance.map((m) => [m.month, m.onTime, m.late]));
  }
  if (stats.coverage) {
    rows.push([], [t("coverage")], [t("dashCsvCode"), t("dashAreaName"), t("dashCsvValue"), t("total")],
      ["", t("total"), stats.coverage.total.covered, stats.coverage.total.total],
      ...stats.coverage.areas.map((a) => [a.key, nameOf(a), a.covered, a.total]));
  }
  return rows;
}

function loadError(e: unknown): string {
  if (e instanceof NetworkError) return "offline";
  if (e instanceof RequestError && e.messageTh) return errorText({ message: e.message, messageTh: e.messageTh });
  return t("dashLoadFailed");
}

export function Dashboard() {
  const me = useSignal(session)!.user;
  const path = useSignal(route);
  useSignal(lang);
  // A province supervisor's scope is their province; a national one's the whole country.
  const scope = me.role === "SUPERVISOR" || me.role === "COORDINATOR" ? (me.areaCode ? me.areaCode.slice(0, 2) : null) : null;
  const parsed = parseView(path.startsWith("/dashboard") ? path : "", new Date());
  const view: DashboardView = { ...parsed, area: clampArea(parsed.area ?? scope, scope) };
  const key = viewPath(view);
  const [shown, setShown] = useState<{ key: string; stats: Stats } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setError(null);
    fromCaseStats(view)
      .then((stats) => { if (live) setShown({ key, stats }); })
      .catch((e: unknown) => { if (live) setError(loadError(e)); });
    return () => { live = false; };
  }, [key, tick]);
  const stats = shown?.stats ?? null;
  const loading = shown?.key !== key && !error;
  const go = (v: DashboardView) => navigate(viewPath(v));
  const href = (area: string | null) => "#" + viewPath({ ...view, area });
  const here = stats?.trail[stats.trail.length - 1];
  const title = `${t("dashboard")} · ${here && shown?.key === key ? nameOf(here) : view.area ? "…" : t("wholeCountry")}`;

  function exportCsv() {
    if (!stats) return;
    const name = `khortor-dashboard-${view.area ?? "TH"}-${slug(view.period)}.csv`;
    download(toCsv(dashboardCsv(stats, view)), name);
    notice.set(t("dashExported", { name }));
  }

  return (
    <Page title={title} actions={
      <button type="button" class="btn secondary" onClick={exportCsv} disabled={!stats || loading}
              aria-describedby="dash-export-hint">
        {t("dashExport")}
      </button>
    }>
      <div class="dashboard" aria-busy={loading}>
        <p id="dash-export-hint" class="sr-only">{t("dashExportHint")}</p>
        {stats && <Breadcrumb stats={stats} view={view} scope={scope} href={href} />}
        <PeriodPicker view={view} go={go} />
        {!stats && !error && <Loading />}
        {error && <LoadError error={error} reload={() => setTick(tick + 1)} />}
        {stats && (
          <>
            {stats.asOf && <p class="muted small dash-asof">{t("dashAsOf", { at: formatDateTime(stats.asOf, lang.get()) })}</p>}
            <Figures stats={stats} />
            <div class="dash-grid">
              {stats.areaLevel
                ? <AreaTable rows={stats.areas} level={stats.areaLevel} href={href} />
                : <p class="card wide muted">{t("dashSubdistrictLeaf")}</p>}
              <Bars title={t("byStatus")} total={t("dashCasesTotal", { n: num(stats.totals.cases) })} rows={stats.byStatus}
                    label={(c) => term(c.key)} color={(c) => STATUS_COLORS[c.key] ?? "#555"} />
              <Bars title={t("dashByAgency")} note={t("dashByAgencyNote")}
                    total={t("dashReferralsTotal", { n: num(stats.byAgency.reduce((n, c) => n + c.count, 0)) })}
                    rows={stats.byAgency} label={(c) => `${c.key} ${nameOf(c)}`}
                    color={(c) => AGENCIES[c.key]?.color ?? "#555"} />
              <Compliance stats={stats} />
              {stats.coverage && <CoverageChart coverage={stats.coverage} />}
            </div>
          </>
        )}
      </div>
    </Page>
  );
}
