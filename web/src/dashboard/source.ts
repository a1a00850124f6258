/**
 * Where the supervisor's charts get their numbers.
 *
 * The dashboard queries (`caseStats` and friends) are being built in another issue. Until they
 * land, `fromCaseLists` derives the same figures from what exists: `cases(...) { totalCount }`
 * with filters (a few small aliased queries, one per chart) and the first page of referrals for
 * the deadline chart. When `caseStats` exists, add a source that reads it and make `activeSource`
 * return it: the screen only depends on the `Stats` shape.
 */
import { AGENCIES, FALLBACK_CATEGORIES } from "../categories";
import { gql } from "../lib/graphql";

export interface Count { key: string; nameTh: string; nameEn: string; count: number }
export interface MonthCompliance { month: string; onTime: number; late: number }

export interface Stats {
  byStatus: Count[];
  byAgency: Count[];
  openByArea: Count[];
  /** Whether `openByArea` is districts of a province or provinces of the country. */
  areaLevel: "district" | "province";
  compliance: MonthCompliance[];
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

export const AREAS = `query Areas($parentCode: String) { areas(parentCode: $parentCode) { code nameTh nameEn } }`;
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
    gql<{ areas: { code: string; nameTh: string; nameEn: string }[] }>(AREAS, { parentCode: provinceCode ?? "" }),
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
    provisional: true,
  };
};

/** The source the dashboard uses; switch to a `caseStats` source once that query exists. */
export const activeSource: StatsSource = fromCaseLists;
