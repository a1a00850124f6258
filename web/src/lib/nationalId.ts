/** Thai national ID (เลขประจำตัวประชาชน): 13 digits, the last a mod-11 check digit. */

export type NationalIdState = "empty" | "incomplete" | "valid" | "invalid";

/** Keep only the digits the user typed (dashes and spaces are allowed while typing). */
export function digitsOf(value: string): string {
  return value.replace(/\D/g, "");
}

/** The check digit of the first 12 digits: (11 - Σ d[i]·(13-i) mod 11) mod 10. */
export function checkDigit(first12: string): number {
  if (!/^\d{12}$/.test(first12)) throw new Error("twelve digits expected");
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(first12[i]) * (13 - i);
  return (11 - (sum % 11)) % 10;
}

export function isValidNationalId(value: string): boolean {
  const digits = digitsOf(value);
  if (digits.length !== 13 || /[^\d\s-]/.test(value)) return false;
  return checkDigit(digits.slice(0, 12)) === Number(digits[12]);
}

/** What the form should say while the volunteer types. */
export function nationalIdState(value: string): NationalIdState {
  const trimmed = value.trim();
  if (trimmed === "") return "empty";
  if (/[^\d\s-]/.test(trimmed)) return "invalid";
  const digits = digitsOf(trimmed);
  if (digits.length < 13) return "incomplete";
  return isValidNationalId(trimmed) ? "valid" : "invalid";
}

/** 1-2345-67890-12-3, the way it is printed on the card. */
export function formatNationalId(value: string): string {
  const d = digitsOf(value).slice(0, 13);
  const parts = [d.slice(0, 1), d.slice(1, 5), d.slice(5, 10), d.slice(10, 12), d.slice(12, 13)];
  return parts.filter((p) => p !== "").join("-");
}
