import { describe, expect, it } from "vitest";
import { buddhistYear, fiscalYear, formatDate, formatDateTime, relativeDue } from "../src/lib/dates";

describe("Buddhist Era dates", () => {
  it("shows the B.E. year in Thai and the C.E. year in English", () => {
    const at = "2026-04-17T09:30:00Z"; // 16:30 in Bangkok
    expect(formatDateTime(at, "th")).toContain("2569");
    expect(formatDateTime(at, "th")).toContain("16:30");
    expect(formatDateTime(at, "th")).toContain("เม.ย.");
    expect(formatDateTime(at, "en")).toContain("2026");
    expect(formatDateTime(at, "en")).toContain("16:30");
    expect(formatDate(at, "th")).toBe("17 เม.ย. 2569");
  });

  it("uses Bangkok time to decide the day and the year", () => {
    // 31 Dec 2025 20:00 UTC is already 1 Jan 2026 (B.E. 2569) in Bangkok.
    expect(buddhistYear("2025-12-31T20:00:00Z")).toBe(2569);
    expect(formatDate("2025-12-31T20:00:00Z", "th")).toBe("1 ม.ค. 2569");
    expect(buddhistYear("2025-12-31T16:00:00Z")).toBe(2568);
  });

  it("knows the fiscal year starts on 1 October", () => {
    expect(fiscalYear("2026-09-30T10:00:00Z")).toBe(2569);
    expect(fiscalYear("2026-10-01T10:00:00Z")).toBe(2570);
    expect(fiscalYear("2026-09-30T17:30:00Z")).toBe(2570); // 1 Oct 00:30 in Bangkok
  });

  it("says how far a deadline is", () => {
    const now = new Date("2026-04-10T03:00:00Z");
    expect(relativeDue("2026-04-13T03:00:00Z", now, "en")).toBe("in 3 days");
    expect(relativeDue("2026-04-08T03:00:00Z", now, "en")).toBe("2 days ago");
    expect(relativeDue("2026-04-10T06:00:00Z", now, "en")).toBe("in 3 hours");
    expect(relativeDue("2026-04-13T03:00:00Z", now, "th")).toContain("3");
  });
});
