import { describe, expect, it } from "vitest";
import { formatBaht } from "../src/lib/money";

describe("formatBaht", () => {
  it("groups thousands and keeps satang", () => {
    expect(formatBaht("18000.50")).toBe("18,000.50");
    expect(formatBaht("18000.5")).toBe("18,000.50");
    expect(formatBaht("1234567.05")).toBe("1,234,567.05");
  });
  it("drops a zero fraction", () => {
    expect(formatBaht("18000")).toBe("18,000");
    expect(formatBaht("18000.00")).toBe("18,000");
    expect(formatBaht("0")).toBe("0");
    expect(formatBaht("950")).toBe("950");
  });
  it("never goes through a float", () => {
    expect(formatBaht("12345678901234567.89")).toBe("12,345,678,901,234,567.89");
  });
});
