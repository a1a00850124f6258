import { useEffect, useState } from "preact/hooks";
import { LoadError, Loading, Page } from "../components";
import { AGENCIES } from "../categories";
import { fromCaseStats, type Count, type Stats } from "../dashboard/source";
import { lang, nameOf, t, term } from "../i18n";
import { NetworkError } from "../lib/graphql";
import { useSignal } from "../lib/store";
import { session } from "../state";

const STATUS_COLORS: Record<string, string> = {
  NEW: "#8a5a00", ROUTED: "#1f5fa8", IN_PROGRESS: "#6a3d9a", RESOLVED: "#2b7a3d", CLOSED: "#555e68",
};

/** Horizontal bars: readable at 360 px, with the numbers written out for screen readers. */
function Bars({ title, rows, label, color }: {
  title: string; rows: Count[]; label: (c: Count) => string; color: (c: Count) => string;
}) {
  const max = Math.max(1, ...rows.map((r) => r.count));
  const total = rows.reduce((s, r) => s + r.count, 0);
  return (
    <figure class="card chart">
      <figcaption><h2>{title}</h2><span class="muted">{t("total")} {total}</span></figcaption>
      <table class="bars">
        <tbody>
          {rows.map((r) => (
            <tr key={r.key}>
              <th scope="row">{label(r)}</th>
              <td>
                <span class="track">
                  <span class="bar" style={{ width: `${(r.count / max) * 100}%`, background: color(r) }} />
                </span>
                <span class="bar-n">{r.count}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

/** Areas as tiles, darker for more open cases (a grid stands in for a map). */
function AreaGrid({ rows, level }: { rows: Count[]; level: Stats["areaLevel"] }) {
  const max = Math.max(1, ...rows.map((r) => r.count));
  return (
    <figure class="card chart">
      <figcaption><h2>{t(level === "district" ? "openByDistrict" : "openByProvince")}</h2></figcaption>
      <ul class="tiles" role="list">
        {rows.map((r) => {
          const level = r.count === 0 ? 0 : Math.ceil((r.count / max) * 4);
          return (
            <li key={r.key} class={`tile l${level}`} title={`${nameOf(r)}: ${r.count}`}>
              <span class="tile-n">{r.count}</span>
              <span class="tile-name">{nameOf(r)}</span>
            </li>
          );
        })}
      </ul>
    </figure>
  );
}

function Compliance({ stats }: { stats: Stats }) {
  const language = useSignal(lang);
  const max = Math.max(1, ...stats.compliance.map((m) => m.onTime + m.late));
  const month = (m: { month: string; labelTh?: string; labelEn?: string }) =>
    (language === "th" ? m.labelTh : m.labelEn) ?? monthOf(m.month);
  const monthOf = (ym: string) => new Intl.DateTimeFormat(language === "th" ? "th-TH" : "en-GB",
    { month: "short", year: "2-digit", timeZone: "UTC" }).format(new Date(`${ym}-15T00:00:00Z`));
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
  const pct = (c: { covered: number; total: number }) => (c.total ? Math.round((c.covered / c.total) * 100) : 0);
  return (
    <figure class="card chart">
      <figcaption><h2>{t("coverage")}</h2>
        <span class="muted">{t("coverageTotal", { covered: coverage.total.covered, total: coverage.total.total, pct: pct(coverage.total) })}</span>
      </figcaption>
      <table class="bars">
        <tbody>
          {coverage.areas.map((a) => (
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
    </figure>
  );
}

export function Dashboard() {
  const me = useSignal(session)!.user;
  useSignal(lang);
  const province = me.areaCode ? me.areaCode.slice(0, 2) : null;
  const [stats, setStats] = useState<Stats | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    setError(null);
    fromCaseStats({ provinceCode: province })
      .then(setStats)
      .catch((e: Error) => setError(e instanceof NetworkError ? "offline" : e.message));
  }, [province, tick]);
  return (
    <Page title={`${t("dashboard")} · ${stats?.scope ? nameOf(stats.scope) : province ? `${t("province")} ${province}` : t("wholeCountry")}`}>
      {!stats && !error && <Loading />}
      {error && <LoadError error={error} reload={() => setTick(tick + 1)} />}
      {stats && (
        <>
          <Bars title={t("byStatus")} rows={stats.byStatus} label={(c) => term(c.key)}
                color={(c) => STATUS_COLORS[c.key] ?? "#555"} />
          <Bars title={t("byAgency")} rows={stats.byAgency} label={(c) => `${c.key} ${nameOf(c)}`}
                color={(c) => AGENCIES[c.key]?.color ?? "#555"} />
          <AreaGrid rows={stats.openByArea} level={stats.areaLevel} />
          <Compliance stats={stats} />
          {stats.coverage && <CoverageChart coverage={stats.coverage} />}
        </>
      )}
    </Page>
  );
}
