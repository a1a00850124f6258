/**
 * What the dashboard shows, as a value and as the query of its hash route: the area drilled
 * into and the period of filing. Government reporting runs on the Thai fiscal year
 * (1 October – 30 September, named by its B.E. year: FY 2570 = 1 Oct 2026 – 30 Sep 2027).
 *
 * `#/dashboard?area=4301&fy=2570&q=1`: district 4301, first quarter (Oct–Dec) of FY 2570.
 * Periods are whole Bangkok days (UTC+7 all year), sent as instants with their offset.
 */

export type Period =
  | { kind: "all" }
  | { kind: "fy"; fy: number }
  | { kind: "quarter"; fy: number; q: number }
  | { kind: "month"; month: string } // "2026-12" (C.E., as the API's MONTH keys)
  | { kind: "range"; from: string; to: string }; // "2026-10-01".."2026-12-31", both days included

export interface DashboardView {
  /** Province (2 digits), district (4) or sub-district (6); null for the whole country. */
  area: string | null;
  period: Period;
}

const BE = 543;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const AREA = /^(\d{2}|\d{4}|\d{6})$/;

/** The fiscal year (B.E.) a Bangkok calendar day or month falls in. */
export function fiscalYearOf(yearCe: number, month: number): number {
  return yearCe + BE + (month >= 10 ? 1 : 0);
}

/** The fiscal year (B.E.) of an instant, in Bangkok. */
export function currentFiscalYear(now: Date): number {
  const bangkok = new Date(now.getTime() + 7 * 3_600_000);
  return fiscalYearOf(bangkok.getUTCFullYear(), bangkok.getUTCMonth() + 1);
}

const pad = (n: number) => String(n).padStart(2, "0");
/** "2026-10" → the first instant of that Bangkok month. */
const monthStart = (year: number, month: number) =>
  `${year + Math.floor((month - 1) / 12)}-${pad(((month - 1) % 12) + 1)}-01T00:00:00+07:00`;

/** The months (C.E. "YYYY-MM") of a fiscal year, October first. */
export function fiscalMonths(fy: number): string[] {
  const start = fy - BE - 1;
  return Array.from({ length: 12 }, (_, i) => {
    const m = 10 + i;
    return `${start + Math.floor((m - 1) / 12)}-${pad(((m - 1) % 12) + 1)}`;
  });
}

function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** The instants the API filters on: from (inclusive) and to (exclusive); null for open ends. */
export function periodBounds(p: Period): { from: string | null; to: string | null } {
  switch (p.kind) {
    case "all":
      return { from: null, to: null };
    case "fy": {
      const y = p.fy - BE - 1;
      return { from: monthStart(y, 10), to: monthStart(y + 1, 10) };
    }
    case "quarter": {
      const y = p.fy - BE - 1;
      const first = 10 + 3 * (p.q - 1);
      return { from: monthStart(y, first), to: monthStart(y, first + 3) };
    }
    case "month": {
      const [y, m] = p.month.split("-").map(Number) as [number, number];
      return { from: monthStart(y, m), to: monthStart(y, m + 1) };
    }
    case "range":
      return { from: `${p.from}T00:00:00+07:00`, to: `${nextDay(p.to)}T00:00:00+07:00` };
  }
}

/** The fiscal year a period sits in (for the year picker); null when it has none. */
export function fiscalYearOfPeriod(p: Period): number | null {
  if (p.kind === "fy" || p.kind === "quarter") return p.fy;
  if (p.kind === "month") {
    const [y, m] = p.month.split("-").map(Number) as [number, number];
    return fiscalYearOf(y, m);
  }
  return null;
}

/** Read the view from a route such as "/dashboard?area=43&fy=2570"; `now` gives the default year. */
export function parseView(path: string, now: Date): DashboardView {
  const query = new URLSearchParams(path.includes("?") ? path.slice(path.indexOf("?") + 1) : "");
  const areaRaw = query.get("area") ?? "";
  const area = AREA.test(areaRaw) ? areaRaw : null;
  const fy = Number(query.get("fy"));
  const q = Number(query.get("q"));
  const month = query.get("m") ?? "";
  const from = query.get("from") ?? "";
  const to = query.get("to") ?? "";
  let period: Period = { kind: "fy", fy: currentFiscalYear(now) };
  if (query.get("all") === "1") period = { kind: "all" };
  else if (DAY.test(from) && DAY.test(to) && from <= to) period = { kind: "range", from, to };
  else if (MONTH.test(month)) period = { kind: "month", month };
  else if (Number.isInteger(fy) && fy >= 2500 && fy <= 2700) {
    period = Number.isInteger(q) && q >= 1 && q <= 4 ? { kind: "quarter", fy, q } : { kind: "fy", fy };
  }
  return { area, period };
}

/** The route of a view: "/dashboard?area=43&fy=2570". */
export function viewPath(view: DashboardView): string {
  const query = new URLSearchParams();
  if (view.area) query.set("area", view.area);
  const p = view.period;
  if (p.kind === "all") query.set("all", "1");
  else if (p.kind === "fy") query.set("fy", String(p.fy));
  else if (p.kind === "quarter") { query.set("fy", String(p.fy)); query.set("q", String(p.q)); }
  else if (p.kind === "month") query.set("m", p.month);
  else { query.set("from", p.from); query.set("to", p.to); }
  return `/dashboard?${query.toString()}`;
}

/** The parent areas of a code, top first: "430101" → ["43", "4301"]. */
export function parentAreas(code: string | null): string[] {
  if (!code) return [];
  return [2, 4].filter((n) => n < code.length).map((n) => code.slice(0, n));
}

/** The level a code names, and the level of its children (null below the sub-district). */
export function childLevel(code: string | null): "PROVINCE" | "DISTRICT" | "SUBDISTRICT" | null {
  if (!code) return "PROVINCE";
  return code.length === 2 ? "DISTRICT" : code.length === 4 ? "SUBDISTRICT" : null;
}

/** The area a reader may look at: inside their scope (a province code, say), else the scope. */
export function clampArea(area: string | null, scope: string | null): string | null {
  if (!scope) return area;
  return area && area.startsWith(scope) ? area : scope;
}

/** "1 ต.ค. 2569 – 31 ธ.ค. 2569": a period's first and last day in the reader's language. */
export function periodDays(p: Period, lang: "th" | "en"): string | null {
  const { from, to } = periodBounds(p);
  if (!from || !to) return null;
  const f = new Intl.DateTimeFormat(lang === "th" ? "th-TH" : "en-GB",
    { day: "numeric", month: "short", year: "numeric", timeZone: "Asia/Bangkok" });
  const last = new Date(new Date(to).getTime() - 1);
  return `${f.format(new Date(from))} – ${f.format(last)}`;
}

/** "ธันวาคม 2569" / "December 2026". */
export function monthName(month: string, lang: "th" | "en"): string {
  return new Intl.DateTimeFormat(lang === "th" ? "th-TH" : "en-GB",
    { month: "long", year: "numeric", timeZone: "UTC" }).format(new Date(`${month}-15T00:00:00Z`));
}
