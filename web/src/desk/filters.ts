/**
 * The desk table's filters, kept in the route after "?" so a view can be bookmarked and
 * shared: `#/referrals?status=all&category=UNPAID_WAGES&overdue=1&sort=ESCALATION`.
 * A national ID is never put there (PDPA: no personal data in URLs); it is searched apart.
 */
import { isValidNationalId } from "../lib/nationalId";

export const OPEN_STATUSES = ["PENDING", "ACCEPTED", "ON_HOLD"] as const;
export const ALL_STATUSES = ["PENDING", "ACCEPTED", "ON_HOLD", "COMPLETED", "REJECTED", "REDIRECTED"] as const;
export const SORTS = ["DEADLINE", "ESCALATION", "NEWEST", "OLDEST"] as const;
export type Sort = (typeof SORTS)[number];

export interface DeskFilters {
  /** Referral statuses; empty = any. Default: the open ones. */
  status: string[];
  category: string | null;
  office: string | null;
  district: string | null;
  overdue: boolean;
  escalated: boolean;
  mine: boolean;
  unassigned: boolean;
  /** Text in the description, or a reference. */
  q: string;
  sort: Sort;
}

export const DEFAULT_FILTERS: DeskFilters = {
  status: [...OPEN_STATUSES], category: null, office: null, district: null,
  overdue: false, escalated: false, mine: false, unassigned: false, q: "", sort: "DEADLINE",
};

const CODE = /^[A-Z0-9_-]{1,40}$/;

function codeOr(value: string | null): string | null {
  const v = (value ?? "").trim().toUpperCase();
  return CODE.test(v) ? v : null;
}

/** The filters in a route's query (what follows "?"); anything unknown or malformed is ignored. */
export function parseFilters(query: string): DeskFilters {
  const p = new URLSearchParams(query);
  const status = p.get("status");
  const statuses = status === null ? [...OPEN_STATUSES]
    : status === "all" ? []
    : status.split(",").filter((s) => (ALL_STATUSES as readonly string[]).includes(s));
  const sort = p.get("sort") as Sort;
  const q = (p.get("q") ?? "").slice(0, 200);
  return {
    status: statuses.length || status === "all" ? statuses : [...OPEN_STATUSES],
    category: codeOr(p.get("category")),
    office: codeOr(p.get("office")),
    district: /^\d{4}$/.test(p.get("district") ?? "") ? p.get("district") : null,
    overdue: p.get("overdue") === "1",
    escalated: p.get("escalated") === "1",
    mine: p.get("mine") === "1",
    unassigned: p.get("unassigned") === "1" && p.get("mine") !== "1",
    q: looksLikeNationalId(q) ? "" : q,
    sort: SORTS.includes(sort) ? sort : "DEADLINE",
  };
}

/** The query for the route: only what differs from the defaults, in a fixed order. */
export function filtersQuery(f: DeskFilters): string {
  const p = new URLSearchParams();
  const open = f.status.length === OPEN_STATUSES.length && OPEN_STATUSES.every((s) => f.status.includes(s));
  if (!open) p.set("status", f.status.length ? f.status.join(",") : "all");
  if (f.category) p.set("category", f.category);
  if (f.office) p.set("office", f.office);
  if (f.district) p.set("district", f.district);
  if (f.overdue) p.set("overdue", "1");
  if (f.escalated) p.set("escalated", "1");
  if (f.mine) p.set("mine", "1");
  if (f.unassigned && !f.mine) p.set("unassigned", "1");
  if (f.q.trim() && !looksLikeNationalId(f.q)) p.set("q", f.q.trim());
  if (f.sort !== "DEADLINE") p.set("sort", f.sort);
  return p.toString();
}

/** `referrals(filter:)` for these filters; `office` fixed for an officer's own queue. */
export function referralFilter(f: DeskFilters, fixedOffice?: string | null): Record<string, unknown> {
  const filter: Record<string, unknown> = { sort: f.sort };
  if (f.status.length) filter.status = f.status;
  const office = fixedOffice ?? f.office;
  if (office) filter.orgUnitCode = office;
  if (f.category) filter.categoryCode = [f.category];
  if (f.district) filter.districtCode = f.district;
  if (f.overdue) filter.overdue = true;
  if (f.escalated) filter.escalated = true;
  if (f.mine) filter.assignedToMe = true;
  else if (f.unassigned) filter.unassigned = true;
  if (f.q.trim()) filter.text = f.q.trim();
  return filter;
}

/** Thai digits typed on a Thai keyboard count as digits. */
export function westernDigits(value: string): string {
  return value.replace(/[๐-๙]/g, (d) => String(d.charCodeAt(0) - 0x0e50));
}

/** A search that is a national ID (13 digits with a valid check digit, dashes or spaces allowed). */
export function looksLikeNationalId(value: string): boolean {
  return isValidNationalId(westernDigits(value.trim()));
}
