import { describe, expect, it } from "vitest";
import {
  checkDigit, formatNationalId, isValidNationalId, nationalIdState,
} from "../src/lib/nationalId";

describe("national ID check digit", () => {
  it.each([
    ["110170023070", 8],
    ["310010012345", 1],
    ["123456789012", 1],
  ])("check digit of %s is %i", (first12, digit) => {
    expect(checkDigit(first12)).toBe(digit);
  });

  it("follows the formula (11 - Σ d[i]·(13-i) mod 11) mod 10 for many numbers", () => {
    for (let n = 0; n < 500; n++) {
      const first12 = String(100000000000 + n * 7919 * 104729).slice(0, 12).padStart(12, "1");
      let sum = 0;
      for (let i = 0; i < 12; i++) sum += Number(first12[i]) * (13 - i);
      const expected = (11 - (sum % 11)) % 10;
      expect(checkDigit(first12)).toBe(expected);
      expect(isValidNationalId(first12 + expected)).toBe(true);
      expect(isValidNationalId(first12 + ((expected + 1) % 10))).toBe(false);
    }
  });

  it("accepts valid IDs with or without dashes", () => {
    expect(isValidNationalId("1101700230708")).toBe(true);
    expect(isValidNationalId("1-1017-00230-70-8")).toBe(true);
    expect(isValidNationalId(" 3 1001 00123 45 1 ")).toBe(true);
  });

  it("refuses a wrong check digit, the wrong length and letters", () => {
    expect(isValidNationalId("1101700230709")).toBe(false);
    expect(isValidNationalId("110170023070")).toBe(false);
    expect(isValidNationalId("11017002307080")).toBe(false);
    expect(isValidNationalId("110170023070a")).toBe(false);
    expect(isValidNationalId("")).toBe(false);
  });

  it("tells the form what to say while the volunteer types", () => {
    expect(nationalIdState("")).toBe("empty");
    expect(nationalIdState("1101")).toBe("incomplete");
    expect(nationalIdState("1-1017-00230-70-8")).toBe("valid");
    expect(nationalIdState("1101700230709")).toBe("invalid");
    expect(nationalIdState("11017002307080")).toBe("invalid");
    expect(nationalIdState("1101x")).toBe("invalid");
  });

  it("formats as printed on the card", () => {
    expect(formatNationalId("1101700230708")).toBe("1-1017-00230-70-8");
    expect(formatNationalId("11017")).toBe("1-1017");
  });
});
