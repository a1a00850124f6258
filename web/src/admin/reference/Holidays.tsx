/** `#/admin/holidays`: the year's calendar with weekends and holidays; add a day the cabinet
 * announced, make a day a working day again (issue 13, part 6). Open deadlines move at once. */
import { useState } from "preact/hooks";
import { Field, LoadError, Loading, Page, useQuery } from "../../components";
import { lang, t } from "../../i18n";
import { formatDate } from "../../lib/dates";
import { useSignal } from "../../lib/store";
import { ADD_HOLIDAY, HOLIDAYS_OF_YEAR, REMOVE_HOLIDAY } from "../../queries";
import { change, SaidLine, useSaid } from "./common";
import "./reference.css";

interface Holiday { day: string; name: string; source: string }

function thisYear(): number {
  return Number(new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Bangkok", year: "numeric" }).format(new Date()));
}

const iso = (y: number, m: number, d: number) =>
  `${y}-${String(m + 1).padStart(2, "0")}-${String(d).padStart(2, "0")}`;

function Month({ year, month, holidays }: { year: number; month: number; holidays: Map<string, Holiday> }) {
  const locale = lang.get() === "en" ? "en-GB" : "th-TH";
  const caption = new Intl.DateTimeFormat(locale, { month: "long", year: "numeric", timeZone: "UTC" })
    .format(new Date(Date.UTC(year, month, 1)));
  const first = (new Date(Date.UTC(year, month, 1)).getUTCDay() + 6) % 7; // Monday first
  const days = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const cells: (number | null)[] = [...Array(first).fill(null), ...Array.from({ length: days }, (_, i) => i + 1)];
  while (cells.length % 7) cells.push(null);
  const weeks = Array.from({ length: cells.length / 7 }, (_, w) => cells.slice(w * 7, w * 7 + 7));
  const names = t("refWeekdays").split(",");
  return (
    <table class="ref-month">
      <caption>{caption}</caption>
      <thead><tr>{names.map((n) => <th key={n} scope="col">{n}</th>)}</tr></thead>
      <tbody>
        {weeks.map((week, w) => (
          <tr key={w}>
            {week.map((d, i) => {
              if (d === null) return <td key={i} />;
              const h = holidays.get(iso(year, month, d));
              const cls = h ? (h.source === "ADDED" ? "hol added" : "hol") : i >= 5 ? "we" : "";
              return <td key={i} class={cls} title={h?.name}>{h ? <abbr title={h.name}>{d}</abbr> : d}</td>;
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function Holidays() {
  useSignal(lang);
  const [year, setYear] = useState(thisYear());
  const q = useQuery<{ holidays: Holiday[] }>(HOLIDAYS_OF_YEAR, { year });
  const [day, setDay] = useState("");
  const [name, setName] = useState("");
  const [said, setSaid] = useSaid();
  const shownYear = lang.get() === "en" ? year : year + 543;
  const byDay = new Map((q.data?.holidays ?? []).map((h) => [h.day, h]));
  const err = (f: string) => (said && "error" in said && said.field === f ? said.error : null);

  async function add(e: Event) {
    e.preventDefault();
    const answer = await change<{ day: string; referralsMoved: number }>(ADD_HOLIDAY, { day, name });
    if ("error" in answer) { setSaid(answer); return; }
    setSaid({ ok: t("refHolidayAdded", { day: formatDate(answer.ok.day, lang.get()), n: answer.ok.referralsMoved }) });
    setName("");
    const added = Number(answer.ok.day.slice(0, 4));
    if (added !== year) setYear(added); else q.reload();
  }

  async function makeWorkingDay(h: Holiday) {
    const answer = await change<{ day: string; referralsMoved: number }>(REMOVE_HOLIDAY, { day: h.day });
    setSaid("error" in answer ? answer
      : { ok: t("refWorkingDayAgain", { day: formatDate(h.day, lang.get()), n: answer.ok.referralsMoved }) });
    q.reload();
  }

  return (
    <Page title={t("refHolidays")}>
      <div class="ref-year">
        <button type="button" class="btn small secondary" onClick={() => setYear(year - 1)}
                aria-label={t("refPrevYear")}>‹</button>
        <strong aria-live="polite">{t("refYear")} {shownYear}</strong>
        <button type="button" class="btn small secondary" onClick={() => setYear(year + 1)}
                aria-label={t("refNextYear")}>›</button>
      </div>
      <ul class="ref-legend" role="list">
        <li><span class="wd" aria-hidden="true" />{t("refWorkday")}</li>
        <li><span class="we" aria-hidden="true" />{t("refWeekend")}</li>
        <li><span class="hol" aria-hidden="true" />{t("refHolidayKey")}</li>
      </ul>
      <SaidLine said={said} id="holiday-said" />
      {q.loading && !q.data && <Loading />}
      {q.error && <LoadError error={q.error} reload={q.reload} />}
      <div class="ref-holidays">
      <section class="ref-months" aria-label={t("refHolidays")}>
        {Array.from({ length: 12 }, (_, m) => <Month key={m} year={year} month={m} holidays={byDay} />)}
      </section>
      <div class="ref-grid ref-wide">
        <form class="card" onSubmit={add} aria-labelledby="holiday-add-h">
          <h2 id="holiday-add-h">{t("refAddHoliday")}</h2>
          <Field id="holiday-day" label={t("refDay")} error={err("day")}>
            <input id="holiday-day" type="date" value={day} required aria-describedby="holiday-day-msg"
                   onInput={(e) => setDay((e.target as HTMLInputElement).value)} />
          </Field>
          <Field id="holiday-name" label={t("refHolidayName")} error={err("name")}>
            <input id="holiday-name" value={name} maxLength={200} aria-describedby="holiday-name-msg"
                   onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          </Field>
          <button class="btn primary" type="submit" disabled={!day}>{t("refAdd")}</button>
        </form>
        <section aria-labelledby="holiday-list-h">
          <h2 id="holiday-list-h">{t("refHolidayList", { year: String(shownYear) })}</h2>
          <ul class="list ref-holiday-list" role="list" tabIndex={0} aria-labelledby="holiday-list-h">
            {q.data?.holidays.map((h) => (
              <li key={h.day} class="row">
                <span class="row-main">
                  <span class="row-title"><time dateTime={h.day}>{formatDate(h.day, lang.get())}</time> · {h.name}</span>
                  <span class="row-sub">{h.source === "ADDED" ? t("refAdded") : t("refSeeded")}</span>
                </span>
                <button type="button" class="btn small secondary" onClick={() => makeWorkingDay(h)}
                        aria-label={`${t("refMakeWorkingDay")}: ${formatDate(h.day, lang.get())}`}>{t("refMakeWorkingDay")}</button>
              </li>
            ))}
          </ul>
        </section>
      </div>
      </div>
    </Page>
  );
}
