import { describe, expect, it } from "vitest";
import {
  DEFAULT_FILTERS, filtersQuery, looksLikeNationalId, parseFilters, referralFilter,
} from "../src/desk/filters";

describe("the desk's filters in the route", () => {
  it("an empty query is the open referrals by deadline, and writes nothing back", () => {
    expect(parseFilters("")).toEqual(DEFAULT_FILTERS);
    expect(filtersQuery(DEFAULT_FILTERS)).toBe("");
  });

  it("round-trips every filter", () => {
    const f = { ...DEFAULT_FILTERS, status: ["COMPLETED"], category: "UNPAID_WAGES", office: "DLPW-43",
                district: "4301", overdue: true, escalated: true, mine: true, q: "นายจ้าง", sort: "ESCALATION" as const };
    const query = filtersQuery(f);
    expect(query).toBe("status=COMPLETED&category=UNPAID_WAGES&office=DLPW-43&district=4301&overdue=1"
      + "&escalated=1&mine=1&q=%E0%B8%99%E0%B8%B2%E0%B8%A2%E0%B8%88%E0%B9%89%E0%B8%B2%E0%B8%87&sort=ESCALATION");
    expect(parseFilters(query)).toEqual({ ...f, unassigned: false });
    expect(parseFilters("status=all").status).toEqual([]);
    expect(filtersQuery({ ...DEFAULT_FILTERS, status: [] })).toBe("status=all");
  });

  it("ignores what it does not know, and never keeps a national ID", () => {
    const f = parseFilters("status=NOPE&sort=DROP&district=43%27&category=<b>&q=1-1017-00230-70-8");
    expect(f).toEqual(DEFAULT_FILTERS);
    expect(filtersQuery({ ...DEFAULT_FILTERS, q: "1101700230708" })).toBe("");
    expect(filtersQuery({ ...DEFAULT_FILTERS, q: "๑๑๐๑๗๐๐๒๓๐๗๐๘" })).toBe("");
    expect(looksLikeNationalId("1 1017 00230 70 8")).toBe(true);
    expect(looksLikeNationalId("NK-2570-000012")).toBe(false);
    expect(looksLikeNationalId("1101700230709")).toBe(false); // wrong check digit: a text search
  });

  it("'assigned to me' wins over 'unassigned'", () => {
    expect(parseFilters("mine=1&unassigned=1").unassigned).toBe(false);
    expect(referralFilter({ ...DEFAULT_FILTERS, mine: true, unassigned: true })).toEqual(
      { sort: "DEADLINE", status: ["PENDING", "ACCEPTED", "ON_HOLD"], assignedToMe: true });
  });

  it("an officer's queue stays their office whatever the route says", () => {
    const filter = referralFilter({ ...DEFAULT_FILTERS, office: "SSO-43" }, "DLPW-43");
    expect(filter.orgUnitCode).toBe("DLPW-43");
  });
});
