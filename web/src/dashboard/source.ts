/**
 * Where the supervisor's charts get their numbers.
 *
 * `fromCaseStats` reads the server's dashboard queries (`caseStats`, `networkCoverage`) in one
 * request. `fromCaseLists` derives the same figures from plain lists (`cases { totalCount }`
 * with filters, a few small aliased queries, and the first page of referrals for the deadline
 * chart); `activeSource` falls back to it when a server has no dashboard queries. The screen
 * depends only on the `Stats` shape.
 */
import { AGENCIES, FALLBACK_CATEGORIES } from "../categories";
import { gql, RequestError } from "../lib/graphql";

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
  /** True when the figures are derived from lists rather than the server's summaries. */
  provisional: boolean;
}

export interface Scope { provinceCode: string | null }
export type StatsSource = (scope: Scope) => Promise<Stats>;

export const STATUSES = ["NEW", "ROUTED", "IN_PROGRESS", "RESOLVED", "CLOSED"] as const;
const OPEN = ["NEW", "ROUTED", "IN_PROGRESS"];
const MAX_ALIASES = 20; // the server refuses more aliases in one query

type Filter = Record<string, unknown>;

/** One query counting the cases of each filter (at most 20: the server's alias limit). */
export function countQuery(filters: Filter[]): { query: string; variables: Record<string, Filter> } {
  const params = filters.map((_, i) => `$f${i}: CaseFilterInput`).join(", ");
  const fields = filters.map((_, i) => `c${i}: cases(filter: $f${i}, first: 1) { totalCount }`).join("\n");
  return {
    query: `query Counts(${params}) { ${fields} }`,
    variables: Object.fromEntries(filters.map((f, i) => [`f${i}`, f])),
  };
}

/** Counts for many filters: one aliased `cases { totalCount }` query per 20 filters. */
export async function countCases(filters: Filter[]): Promise<number[]> {
  const counts: number[] = [];
  for (let start = 0; start < filters.length; start += MAX_ALIASES) {
    const chunk = filters.slice(start, start + MAX_ALIASES);
    const { query, variables } = countQuery(chunk);
    const data = await gql<Record<string, { totalCount: number }>>(query, variables);
    chunk.forEach((_, i) => counts.push(data[`c${i}`]!.totalCount));
  }
  return counts;
}

/** "2026-04" of a timestamp, in Bangkok. */
export function bangkokMonth(iso: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Bangkok", year: "numeric", month: "2-digit" })
    .formatToParts(new Date(iso));
  return `${parts.find((p) => p.type === "year")!.value}-${parts.find((p) => p.type === "month")!.value}`;
}

export interface ReferralTimes { createdAt: string; acceptDueAt: string; acceptedAt: string | null }

/** Accepted on time or late, by the month the referral was made; open overdue ones count as late. */
export function complianceByMonth(rows: ReferralTimes[], now: Date): MonthCompliance[] {
  const months = new Map<string, MonthCompliance>();
  for (const r of rows) {
    const due = new Date(r.acceptDueAt).getTime();
    const accepted = r.acceptedAt ? new Date(r.acceptedAt).getTime() : null;
    if (accepted === null && now.getTime() <= due) continue; // still within its time
    const month = bangkokMonth(r.createdAt);
    const entry = months.get(month) ?? { month, onTime: 0, late: 0 };
    if (accepted !== null && accepted <= due) entry.onTime += 1;
    else entry.late += 1;
    months.set(month, entry);
  }
  return [...months.values()].sort((a, b) => a.month.localeCompare(b.month));
}

export const AREAS = `query Areas($parentCode: String) {
  areas(parentCode: $parentCode) { code nameTh nameEn province { nameTh nameEn } }
}`;
export const REFERRAL_TIMES = `query Times { referrals(first: 100, filter: { includeSuperseded: true }) {
  edges { node { createdAt acceptDueAt acceptedAt } } } }`;

export const fromCaseLists: StatsSource = async ({ provinceCode }) => {
  const scope: Filter = provinceCode ? { provinceCode } : {};
  const agencies = Object.keys(AGENCIES);
  const agencyFilter = (code: string): Filter => provinceCode
    ? { ...scope, orgUnitCode: `${code}-${provinceCode}` }
    : { categoryCode: FALLBACK_CATEGORIES.filter((c) => c.agencyCode === code).map((c) => c.code) };

  const [statusCounts, agencyCounts, areas, times] = await Promise.all([
    countCases(STATUSES.map((s) => ({ ...scope, status: [s] }))),
    countCases(agencies.map(agencyFilter)),
    gql<{ areas: { code: string; nameTh: string; nameEn: string; province: { nameTh: string; nameEn: string } | null }[] }>(AREAS, { parentCode: provinceCode ?? "" }),
    gql<{ referrals: { edges: { node: ReferralTimes }[] } }>(REFERRAL_TIMES),
  ]);
  const areaCounts = await countCases(areas.areas.map((a) => (
    provinceCode ? { districtCode: a.code, status: OPEN } : { provinceCode: a.code, status: OPEN })));

  return {
    byStatus: STATUSES.map((s, i) => ({ key: s, nameTh: s, nameEn: s, count: statusCounts[i]! })),
    byAgency: agencies.map((a, i) => ({ key: a, nameTh: AGENCIES[a]!.nameTh, nameEn: AGENCIES[a]!.nameEn, count: agencyCounts[i]! })),
    openByArea: areas.areas.map((a, i) => ({ key: a.code, nameTh: a.nameTh, nameEn: a.nameEn, count: areaCounts[i]! })),
    areaLevel: provinceCode ? "district" : "province",
    compliance: complianceByMonth(times.referrals.edges.map((e) => e.node), new Date()),
    scope: provinceCode ? areas.areas[0]?.province ?? null : null,
    provisional: true,
  };
};

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
    provisional: false,
  };
};

/**
 * The dashboard's source: the server's summaries, or the lists when this server has no
 * dashboard queries yet (a GraphQL validation error names the missing field).
 */
export const activeSource: StatsSource = async (scope) => {
  try {
    return await fromCaseStats(scope);
  } catch (error) {
    if (error instanceof RequestError && /caseStats|networkCoverage|CaseDimension/.test(error.message)) {
      return fromCaseLists(scope);
    }
    throw error;
  }
};
