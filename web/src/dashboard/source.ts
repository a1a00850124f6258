/**
 * Where the supervisor's charts get their numbers.
 *
 * `fromCaseStats` reads the server's dashboard queries (`caseStats`, `networkCoverage`) in one
 * request. The screen depends only on the `Stats` shape.
 */
import { AGENCIES } from "../categories";
import { gql } from "../lib/graphql";

export interface Count { key: string; nameTh: string; nameEn: string; count: number }
export interface MonthCompliance { month: string; onTime: number; late: number; labelTh?: string; labelEn?: string }
export interface Coverage { key: string; nameTh: string; nameEn: string; covered: number; total: number }

export interface Stats {
  byStatus: Count[];
  byAgency: Count[];
  openByArea: Count[];
  /** Whether `openByArea` is districts of a province or provinces of the country. */
  areaLevel: "district" | "province";
  compliance: MonthCompliance[];
  /** Sub-districts with an active volunteer: the whole scope, then by area (when known). */
  coverage?: { total: Coverage; areas: Coverage[] } | null;
  /** The province in scope, when there is one. */
  scope?: { nameTh: string; nameEn: string } | null;
}

export interface Scope { provinceCode: string | null }
export type StatsSource = (scope: Scope) => Promise<Stats>;

export const STATUSES = ["NEW", "ROUTED", "IN_PROGRESS", "RESOLVED", "CLOSED"] as const;
const OPEN = ["NEW", "ROUTED", "IN_PROGRESS"];
export const DASHBOARD = `query Dashboard($filter: CaseFilterInput, $open: CaseFilterInput,
                                  $areaDim: [CaseDimension!]!, $province: String, $inProvince: Boolean!) {
  byStatus: caseStats(groupBy: [STATUS], filter: $filter) { rows { keys { code labelTh labelEn } caseCount } }
  byAgency: caseStats(groupBy: [AGENCY], filter: $filter) { rows { keys { code labelTh labelEn } caseCount } }
  byArea: caseStats(groupBy: $areaDim, filter: $open) { rows { keys { code labelTh labelEn } caseCount } }
  byMonth: caseStats(groupBy: [MONTH], filter: $filter) {
    rows { keys { code labelTh labelEn } acceptedWithinDeadline acceptanceCounted }
  }
  coverage: networkCoverage(provinceCode: $province) {
    total { code nameTh nameEn subdistrictCount coveredCount }
    provinces { code nameTh nameEn subdistrictCount coveredCount }
    districts { code nameTh nameEn subdistrictCount coveredCount }
  }
  scope: areas(search: $province) @include(if: $inProvince) { code nameTh nameEn level }
}`;

interface StatsKey { code: string | null; labelTh: string; labelEn: string }
interface Row { keys: StatsKey[]; caseCount: number; acceptedWithinDeadline?: number; acceptanceCounted?: number }
interface AreaCov { code: string; nameTh: string; nameEn: string; subdistrictCount: number; coveredCount: number }
interface DashboardData {
  byStatus: { rows: Row[] }; byAgency: { rows: Row[] }; byArea: { rows: Row[] }; byMonth: { rows: Row[] };
  coverage: { total: AreaCov; provinces: AreaCov[]; districts: AreaCov[] } | null;
  scope?: { code: string; nameTh: string; nameEn: string; level: string }[];
}

const countOf = (rows: Row[], code: string) => rows.find((r) => r.keys[0]?.code === code)?.caseCount ?? 0;
const cov = (a: AreaCov): Coverage => ({ key: a.code, nameTh: a.nameTh, nameEn: a.nameEn, covered: a.coveredCount, total: a.subdistrictCount });

/** The figures from `caseStats` and `networkCoverage`. */
export const fromCaseStats: StatsSource = async ({ provinceCode }) => {
  const filter = provinceCode ? { provinceCode } : null;
  const data = await gql<DashboardData>(DASHBOARD, {
    filter, open: { ...(filter ?? {}), status: OPEN }, areaDim: [provinceCode ? "DISTRICT" : "PROVINCE"],
    province: provinceCode, inProvince: provinceCode !== null,
  });
  const areaList = provinceCode ? data.coverage?.districts : data.coverage?.provinces;
  const areaRows: Count[] = areaList?.length
    ? areaList.map((a) => ({ key: a.code, nameTh: a.nameTh, nameEn: a.nameEn, count: countOf(data.byArea.rows, a.code) }))
    : data.byArea.rows.map((r) => ({ key: r.keys[0]?.code ?? "", nameTh: r.keys[0]!.labelTh, nameEn: r.keys[0]!.labelEn, count: r.caseCount }));
  const agencies = Object.keys(AGENCIES);
  return {
    byStatus: STATUSES.map((s) => ({ key: s, nameTh: s, nameEn: s, count: countOf(data.byStatus.rows, s) })),
    byAgency: agencies.map((a) => ({ key: a, nameTh: AGENCIES[a]!.nameTh, nameEn: AGENCIES[a]!.nameEn, count: countOf(data.byAgency.rows, a) })),
    openByArea: areaRows,
    areaLevel: provinceCode ? "district" : "province",
    compliance: data.byMonth.rows.slice(-12).map((r) => ({
      month: r.keys[0]?.code ?? "", labelTh: r.keys[0]?.labelTh, labelEn: r.keys[0]?.labelEn,
      onTime: r.acceptedWithinDeadline ?? 0, late: (r.acceptanceCounted ?? 0) - (r.acceptedWithinDeadline ?? 0),
    })).filter((m) => m.onTime + m.late > 0),
    coverage: data.coverage ? { total: cov(data.coverage.total), areas: (areaList ?? []).map(cov) } : null,
    scope: data.scope?.find((a) => a.code === provinceCode) ?? null,
  };
};
