import { describe, expect, it } from "vitest";
import { parseBaht } from "../src/lib/amounts";

describe("parseBaht", () => {
  it.each([
    ["18000", "18000"],
    ["18,000", "18000"],
    ["๑๘,๐๐๐", "18000"],
    ["฿18,000.50", "18000.50"],
    ["฿ 1,234,567.5", "1234567.5"],
    ["18000 บาท", "18000"],
    ["  ๒๕๐.๗๕  ", "250.75"],
    ["0", "0"],
    ["007", "7"],
  ])("reads %j as %j", (typed, plain) => {
    expect(parseBaht(typed)).toBe(plain);
  });

  it.each([
    "", "abc", "18.000,00", "1,80,00", "12.345", "-5", "1e5", "18,000.", "12345678901",
  ])("refuses %j", (typed) => {
    expect(parseBaht(typed)).toBeNull();
  });
});
