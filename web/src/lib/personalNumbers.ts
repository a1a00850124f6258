/**
 * National IDs and phone numbers written into free text (a description, a note). The server
 * masks them for viewers who may not see the citizen (domain/cases/citizen.py `masked_text`,
 * the same patterns as the log redaction in domain/logs.py); the form says so before filing,
 * so the volunteer can move them to the citizen's own fields.
 */

/** Thai digits (๐–๙) as ASCII digits. */
export function asciiDigits(text: string): string {
  return text.replace(/[๐-๙]/g, (d) => String(d.charCodeAt(0) - 0x0e50));
}

// 13 digits, a dash, dot or space allowed between any two.
const NATIONAL_ID = /(?<![0-9A-Za-z])\d(?:[ .-]?\d){12}(?![0-9A-Za-z])/;
// 0 + 8 or 9 digits, or +66 / 66 without the 0; dashes, dots, spaces, brackets around the area code.
const PHONE = /(?<![0-9A-Za-z+(])(?:\+66[ .-]?|66[ .-]?|\(?0)\d(?:\)?[ .-]?\d){7,8}(?![0-9A-Za-z])/;

export function hasPersonalNumbers(text: string): boolean {
  const ascii = asciiDigits(text);
  return NATIONAL_ID.test(ascii) || PHONE.test(ascii);
}
