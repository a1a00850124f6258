/**
 * Where the supervisor's charts get their numbers.
 *
 * `fromCaseStats` reads the server's dashboard queries (`caseStats`, `networkCoverage`, `areas`)
 * in one request, for one area (the whole country, a province, a district or a sub-district)
 * and one period of filing. The screen depends only on the `Stats` shape.
 */
import { AGENCIES } from "../categories";
import { gql } from "../lib/graphql";
import { childLevel, parentAreas, periodBounds, type DashboardView } from "./period";

export interface Count { key: string; nameTh: string; nameEn: string; count: number }
export interface MonthCompliance { month: string; onTime: number; late: number; labelTh?: string; labelEn?: string }
export interface Coverage { key: string; nameTh: string; nameEn: string; covered: number; total: number }
export interface Named { code: string; nameTh: string; nameEn: string }

/** The headline figures of the area and period. */
export interface Totals {
  cases: number;
  /** Legs of those cases (every office a case was sent to, redirected ones too). */
  referrals: number;
  open: number;
  /** Referrals (current legs) past their running deadline now. */
  overdueReferrals: number;
  /** Open cases at escalation level 1 or more. */
  escalated: number;
  /** Plain decimal string, as the API sends it. */
  amountRecoveredThb: string;
  satisfactionCount: number;
  meanSatisfaction: number | null;
  /** Business days from referral to completion, over completed referrals. */
  medianDaysToResolve: number | null;
  p90DaysToResolve: number | null;
}

/** One row of the area list: a child area of the one looked at. */
export interface AreaRow { key: string; nameTh: string; nameEn: string; cases: number; open: number; overdue: number; escalated: number }

export interface Stats {
  totals: Totals;
  byStatus: Count[];
  /** Referrals (not cases) to each agency. */
  byAgency: Count[];
  /** Child areas, largest (most open cases) first; empty below the sub-district. */
  areas: AreaRow[];
  areaLevel: "PROVINCE" | "DISTRICT" | "SUBDISTRICT" | null;
  compliance: MonthCompliance[];
  /** Sub-districts with an active volunteer: the area, then its child areas (when known). */
  coverage?: { total: Coverage; areas: Coverage[] } | null;
  /** The area looked at and those above it, top first (empty for the whole country). */
  trail: Named[];
  asOf: string | null;
}

export type StatsSource = (view: DashboardView) => Promise<Stats>;

export const STATUSES = ["NEW", "ROUTED", "IN_PROGRESS", "RESOLVED", "CLOSED"] as const;
const AGE = "openByAge { days0To7 days8To30 days31To60 over60Days }";
const KEYS = "keys { code labelTh labelEn }";
export const DASHBOARD = `query Dashboard($filter: CaseFilterInput, $from: DateTime, $to: DateTime,
    $childDim: [CaseDimension!]!, $withChildren: Boolean!, $province: String, $withCoverage: Boolean!,
    $parent: String, $a1: String, $a2: String, $a3: String, $withA1: Boolean!, $withA2: Boolean!, $withA3: Boolean!) {
  total: caseStats(groupBy: [], filter: $filter, filedFrom: $from, filedTo: $to) {
    asOf
    rows { caseCount referralCount overdueReferralCount escalatedOpenCaseCount ${AGE}
           amountRecoveredThb satisfactionCount meanSatisfaction
           medianBusinessDaysToResolve p90BusinessDaysToResolve }
  }
  byStatus: caseStats(groupBy: [STATUS], filter: $filter, filedFrom: $from, filedTo: $to) { rows { ${KEYS} caseCount } }
  byAgency: caseStats(groupBy: [AGENCY], filter: $filter, filedFrom: $from, filedTo: $to) { rows { ${KEYS} referralCount } }
  byArea: caseStats(groupBy: $childDim, filter: $filter, filedFrom: $from, filedTo: $to) @include(if: $withChildren) {
    rows { ${KEYS} caseCount overdueReferralCount escalatedOpenCaseCount ${AGE} }
  }
  byMonth: caseStats(groupBy: [MONTH], filter: $filter, filedFrom: $from, filedTo: $to) {
    rows { ${KEYS} acceptedWithinDeadline acceptanceCounted }
  }
  coverage: networkCoverage(provinceCode: $province) @include(if: $withCoverage) {
    total { code nameTh nameEn subdistrictCount coveredCount }
    provinces { code nameTh nameEn subdistrictCount coveredCount }
    districts { code nameTh nameEn subdistrictCount coveredCount }
  }
  children: areas(parentCode: $parent) @include(if: $withChildren) { code nameTh nameEn }
  a1: areas(search: $a1) @include(if: $withA1) { code nameTh nameEn }
  a2: areas(search: $a2) @include(if: $withA2) { code nameTh nameEn }
  a3: areas(search: $a3) @include(if: $withA3) { code nameTh nameEn }
}`;

interface StatsKey { code: string | null; labelTh: string; labelEn: string }
interface Age { days0To7: number; days8To30: number; days31To60: number; over60Days: number }
interface Row {
  keys: StatsKey[]; caseCount?: number; referralCount?: number; overdueReferralCount?: number;
  escalatedOpenCaseCount?: number; openByAge?: Age; amountRecoveredThb?: string; satisfactionCount?: number;
  meanSatisfaction?: number | null; medianBusinessDaysToResolve?: number | null;
  p90BusinessDaysToResolve?: number | null; acceptedWithinDeadline?: number; acceptanceCounted?: number;
}
interface AreaCov { code: string; nameTh: string; nameEn: string; subdistrictCount: number; coveredCount: number }
interface DashboardData {
  total: { asOf: string; rows: Row[] }; byStatus: { rows: Row[] }; byAgency: { rows: Row[] };
  byArea?: { rows: Row[] }; byMonth: { rows: Row[] };
  coverage?: { total: AreaCov; provinces: AreaCov[]; districts: AreaCov[] } | null;
  children?: Named[]; a1?: Named[]; a2?: Named[]; a3?: Named[];
}

const open = (a?: Age) => (a ? a.days0To7 + a.days8To30 + a.days31To60 + a.over60Days : 0);
const rowOf = (rows: Row[], code: string) => rows.find((r) => r.keys[0]?.code === code);
const cov = (a: AreaCov): Coverage => ({ key: a.code, nameTh: a.nameTh, nameEn: a.nameEn, covered: a.coveredCount, total: a.subdistrictCount });

/** Largest first: open cases, then all cases, then by code (a stable order for equal rows). */
export function byLargest(a: AreaRow, b: AreaRow): number {
  return b.open - a.open || b.cases - a.cases || b.overdue - a.overdue || a.key.localeCompare(b.key);
}

/** The figures from `caseStats`, `networkCoverage` and `areas`. */
export const fromCaseStats: StatsSource = async ({ area, period }) => {
  const level = childLevel(area);
  const filter = !area ? null
    : area.length === 2 ? { provinceCode: area } : area.length === 4 ? { districtCode: area } : { subdistrictCode: area };
  const { from, to } = periodBounds(period);
  const lookups = [...parentAreas(area), ...(area ? [area] : [])];
  const data = await gql<DashboardData>(DASHBOARD, {
    filter, from, to, childDim: level ? [level] : [], withChildren: level !== null,
    province: area ? area.slice(0, 2) : null, withCoverage: !area || area.length === 2,
    parent: area ?? "", a1: lookups[0] ?? null, a2: lookups[1] ?? null, a3: lookups[2] ?? null,
    withA1: lookups.length > 0, withA2: lookups.length > 1, withA3: lookups.length > 2,
  });
  const t = data.total.rows[0];
  const totals: Totals = {
    cases: t?.caseCount ?? 0, referrals: t?.referralCount ?? 0, open: open(t?.openByAge),
    overdueReferrals: t?.overdueReferralCount ?? 0, escalated: t?.escalatedOpenCaseCount ?? 0,
    amountRecoveredThb: t?.amountRecoveredThb ?? "0", satisfactionCount: t?.satisfactionCount ?? 0,
    meanSatisfaction: t?.meanSatisfaction ?? null, medianDaysToResolve: t?.medianBusinessDaysToResolve ?? null,
    p90DaysToResolve: t?.p90BusinessDaysToResolve ?? null,
  };
  const counted = data.byArea?.rows ?? [];
  const known = new Map((data.children ?? []).map((a) => [a.code, a]));
  for (const r of counted) {
    const k = r.keys[0];
    if (k?.code && !known.has(k.code)) known.set(k.code, { code: k.code, nameTh: k.labelTh, nameEn: k.labelEn });
  }
  const areas: AreaRow[] = level === null ? [] : [...known.values()].map((a) => {
    const r = rowOf(counted, a.code);
    return { key: a.code, nameTh: a.nameTh, nameEn: a.nameEn, cases: r?.caseCount ?? 0, open: open(r?.openByAge),
             overdue: r?.overdueReferralCount ?? 0, escalated: r?.escalatedOpenCaseCount ?? 0 };
  }).sort(byLargest);
  const trail = lookups.map((code, i) => {
    const found = [data.a1, data.a2, data.a3][i]?.find((a) => a.code === code);
    return found ?? { code, nameTh: code, nameEn: code };
  });
  const coverageAreas = !data.coverage ? [] : area ? data.coverage.districts : data.coverage.provinces;
  return {
    totals,
    byStatus: STATUSES.map((s) => ({ key: s, nameTh: s, nameEn: s, count: rowOf(data.byStatus.rows, s)?.caseCount ?? 0 })),
    byAgency: Object.keys(AGENCIES).map((a) => ({
      key: a, nameTh: AGENCIES[a]!.nameTh, nameEn: AGENCIES[a]!.nameEn, count: rowOf(data.byAgency.rows, a)?.referralCount ?? 0,
    })).sort((x, y) => y.count - x.count),
    areas, areaLevel: level,
    compliance: data.byMonth.rows.slice(-12).map((r) => ({
      month: r.keys[0]?.code ?? "", labelTh: r.keys[0]?.labelTh, labelEn: r.keys[0]?.labelEn,
      onTime: r.acceptedWithinDeadline ?? 0, late: (r.acceptanceCounted ?? 0) - (r.acceptedWithinDeadline ?? 0),
    })).filter((m) => m.onTime + m.late > 0),
    coverage: data.coverage
      ? { total: cov(data.coverage.total), areas: coverageAreas.map(cov).sort((a, b) => b.covered - a.covered || b.total - a.total) }
      : null,
    trail, asOf: data.total.asOf,
  };
};
