/** Dates on screen: Buddhist Era in Thai (Intl's th-TH calendar does it), Asia/Bangkok time. */

export type Lang = "th" | "en";

const TZ = "Asia/Bangkok";
const cache = new Map<string, Intl.DateTimeFormat>();

function formatter(lang: Lang, withTime: boolean): Intl.DateTimeFormat {
  const key = lang + (withTime ? "t" : "d");
  let f = cache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(lang === "th" ? "th-TH" : "en-GB", {
      timeZone: TZ,
      day: "numeric",
      month: "short",
      year: "numeric",
      ...(withTime ? { hour: "2-digit", minute: "2-digit", hourCycle: "h23" } : {}),
    });
    cache.set(key, f);
  }
  return f;
}

function toDate(value: string | Date): Date {
  return typeof value === "string" ? new Date(value) : value;
}

/** "17 เม.ย. 2569 16:30" in Thai, "17 Apr 2026, 16:30" in English. */
export function formatDateTime(value: string | Date, lang: Lang): string {
  return formatter(lang, true).format(toDate(value));
}

/** "17 เม.ย. 2569" in Thai, "17 Apr 2026" in English. */
export function formatDate(value: string | Date, lang: Lang): string {
  return formatter(lang, false).format(toDate(value));
}

/** The Buddhist Era year of a date in Bangkok (C.E. + 543). */
export function buddhistYear(value: string | Date): number {
  const year = Number(
    new Intl.DateTimeFormat("en-US", { timeZone: TZ, year: "numeric" }).format(toDate(value)),
  );
  return year + 543;
}

/** The Thai fiscal year (B.E.): 1 October starts the next one. */
export function fiscalYear(value: string | Date): number {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone: TZ, year: "numeric", month: "numeric" })
    .formatToParts(toDate(value));
  const year = Number(parts.find((p) => p.type === "year")!.value);
  const month = Number(parts.find((p) => p.type === "month")!.value);
  return year + 543 + (month >= 10 ? 1 : 0);
}

/** "in 3 days" / "2 days overdue", rounded to whole days (hours when under a day). */
export function relativeDue(due: string | Date, now: Date, lang: Lang): string {
  const ms = toDate(due).getTime() - now.getTime();
  const rtf = new Intl.RelativeTimeFormat(lang === "th" ? "th-TH" : "en-GB", { numeric: "auto" });
  const hours = ms / 3_600_000;
  if (Math.abs(hours) < 24) return rtf.format(Math.round(hours), "hour");
  return rtf.format(Math.round(hours / 24), "day");
}
