import { describe, expect, it } from "vitest";
import { csvCell, toCsv } from "../src/dashboard/csv";
import {
  childLevel, clampArea, currentFiscalYear, fiscalMonths, parentAreas, parseView, periodBounds, periodDays,
  viewPath,
} from "../src/dashboard/period";

describe("Thai fiscal year periods", () => {
  it("runs a fiscal year from 1 October to 30 September, named by its B.E. year", () => {
    expect(periodBounds({ kind: "fy", fy: 2570 })).toEqual({
      from: "2026-10-01T00:00:00+07:00", to: "2027-10-01T00:00:00+07:00" });
    expect(periodDays({ kind: "fy", fy: 2570 }, "th")).toBe("1 ต.ค. 2569 – 30 ก.ย. 2570");
    expect(periodDays({ kind: "fy", fy: 2570 }, "en")).toBe("1 Oct 2026 – 30 Sept 2027");
  });

  it("starts the fiscal year in Bangkok on 1 October", () => {
    expect(currentFiscalYear(new Date("2026-09-30T16:59:59Z"))).toBe(2569); // 23:59:59 in Bangkok
    expect(currentFiscalYear(new Date("2026-09-30T17:00:00Z"))).toBe(2570); // midnight, 1 Oct
    expect(currentFiscalYear(new Date("2027-01-15T00:00:00Z"))).toBe(2570);
  });

  it("has quarters of three months from October, the last one ending in September", () => {
    expect(periodBounds({ kind: "quarter", fy: 2570, q: 1 })).toEqual({
      from: "2026-10-01T00:00:00+07:00", to: "2027-01-01T00:00:00+07:00" });
    expect(periodBounds({ kind: "quarter", fy: 2570, q: 2 })).toEqual({
      from: "2027-01-01T00:00:00+07:00", to: "2027-04-01T00:00:00+07:00" });
    expect(periodBounds({ kind: "quarter", fy: 2570, q: 4 })).toEqual({
      from: "2027-07-01T00:00:00+07:00", to: "2027-10-01T00:00:00+07:00" });
    expect(fiscalMonths(2570)).toEqual(["2026-10", "2026-11", "2026-12", "2027-01", "2027-02", "2027-03",
                                        "2027-04", "2027-05", "2027-06", "2027-07", "2027-08", "2027-09"]);
  });

  it("takes months and custom ranges as whole Bangkok days, the last day included", () => {
    expect(periodBounds({ kind: "month", month: "2026-12" })).toEqual({
      from: "2026-12-01T00:00:00+07:00", to: "2027-01-01T00:00:00+07:00" });
    expect(periodBounds({ kind: "range", from: "2026-10-01", to: "2027-02-28" })).toEqual({
      from: "2026-10-01T00:00:00+07:00", to: "2027-03-01T00:00:00+07:00" });
    expect(periodBounds({ kind: "all" })).toEqual({ from: null, to: null });
  });
});

describe("the dashboard's route", () => {
  const now = new Date("2026-12-02T06:00:00Z");

  it("defaults to the whole scope in the current fiscal year", () => {
    expect(parseView("/dashboard", now)).toEqual({ area: null, period: { kind: "fy", fy: 2570 } });
    expect(parseView("/", now)).toEqual({ area: null, period: { kind: "fy", fy: 2570 } });
  });

  it("reads back what it writes", () => {
    for (const view of [
      { area: "43", period: { kind: "fy", fy: 2569 } },
      { area: "4301", period: { kind: "quarter", fy: 2570, q: 1 } },
      { area: "430101", period: { kind: "month", month: "2026-11" } },
      { area: null, period: { kind: "range", from: "2026-10-01", to: "2026-12-31" } },
      { area: "43", period: { kind: "all" } },
    ] as const) {
      expect(parseView(viewPath(view), now)).toEqual(view);
    }
    expect(viewPath({ area: "4301", period: { kind: "quarter", fy: 2570, q: 1 } }))
      .toBe("/dashboard?area=4301&fy=2570&q=1");
  });

  it("ignores what is not a period or an area code", () => {
    expect(parseView("/dashboard?area=43x&fy=abc&m=2026-13&from=2026-12-31&to=2026-10-01", now))
      .toEqual({ area: null, period: { kind: "fy", fy: 2570 } });
    expect(parseView("/dashboard?fy=2570&q=7", now).period).toEqual({ kind: "fy", fy: 2570 });
  });

  it("drills from the country to a sub-district, never out of the reader's scope", () => {
    expect(childLevel(null)).toBe("PROVINCE");
    expect(childLevel("43")).toBe("DISTRICT");
    expect(childLevel("4301")).toBe("SUBDISTRICT");
    expect(childLevel("430101")).toBeNull();
    expect(parentAreas("430101")).toEqual(["43", "4301"]);
    expect(parentAreas("43")).toEqual([]);
    expect(clampArea("4301", "43")).toBe("4301");
    expect(clampArea("10", "43")).toBe("43");
    expect(clampArea(null, "43")).toBe("43");
    expect(clampArea("10", null)).toBe("10");
  });
});

describe("the dashboard's CSV", () => {
  it("starts with a byte-order mark for Excel and quotes what needs it", () => {
    const text = toCsv([["หัวข้อ", "ค่า"], ["เงินที่ได้คืน, บาท", "20000.50"], ['He said "hi"', 3]]);
    expect(text.charCodeAt(0)).toBe(0xfeff);
    expect(text).toBe('\uFEFFหัวข้อ,ค่า\r\n"เงินที่ได้คืน, บาท",20000.50\r\n"He said ""hi""",3\r\n');
  });

  it("does not let a spreadsheet run a cell as a formula", () => {
    expect(csvCell("=1+1")).toBe("'=1+1");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell(-5)).toBe("-5");
    expect(csvCell(null)).toBe("");
  });
});
