/**
 * Amounts of baht as Thai staff type them: "18,000", "๑๘,๐๐๐", "฿18,000.50", "18000 บาท".
 * The API takes a plain decimal with at most two places, below ten thousand million
 * (domain: the case total's column); this turns what was typed into that, or says it cannot.
 */
import { asciiDigits } from "./personalNumbers";

const PLAIN = /^(\d+)(?:\.(\d{1,2}))?$/;
const GROUPED = /^\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?$/;
export const MAX_BAHT_DIGITS = 10; // below 10,000,000,000

/** The plain decimal ("18000", "18000.5") for what was typed, or null when it is not an
 * amount of baht. Empty text is not an amount either: the caller decides if one is needed. */
export function parseBaht(typed: string): string | null {
  let text = asciiDigits(typed).trim()
    .replace(/^฿\s*/, "").replace(/\s*(บาท|THB|baht)\.?$/i, "").replace(/\s+/g, "");
  if (text.includes(",")) {
    if (!GROUPED.test(text)) return null; // commas only as thousands separators
    text = text.replace(/,/g, "");
  }
  const match = PLAIN.exec(text);
  if (!match) return null;
  const whole = match[1]!.replace(/^0+(?=\d)/, "");
  if (whole.length > MAX_BAHT_DIGITS) return null;
  return match[2] ? `${whole}.${match[2]}` : whole;
}
