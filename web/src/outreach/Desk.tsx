/** Outreach at the desk (issue 16): the coordinator's events and the needs table per district
 * and sub-district, planning an event from needs, moving it along (announce, held, report,
 * cancel with a reason), the event's report with CSV and a printable A4 PDF; supervisors' and
 * mentors' figures for a fiscal year (B.E.). */
import { useState } from "preact/hooks";
import { Field, LoadError, Loading, Page, refusalText, StatusBadge, useQuery } from "../components";
import { download, toCsv, type Cell } from "../dashboard/csv";
import { FALLBACK_CATEGORIES } from "../categories";
import { errorText, nameOf, t, term } from "../i18n";
import { fiscalYear } from "../lib/dates";
import { fetchFile, saveBlob } from "../lib/download";
import { gql, isUserError, type UserError } from "../lib/graphql";
import { newClientId } from "../lib/outbox";
import {
  ANNOUNCE_EVENT, AREA_NEED_TABLE, CANCEL_EVENT, MARK_EVENT_HELD, OUTREACH_EVENT, OUTREACH_EVENTS, OUTREACH_FIGURES,
  OUTREACH_REPORT, PLAN_EVENT, REPORT_EVENT, VOLUNTEER_PARTICIPATION,
} from "../queries";
import { navigate } from "../state";
import type { DeskProps } from "./lazy";
import {
  EventBadge, EventWhen, kindLabel, named, parseCount, useAreaNames, useOffices, useServices, type OEvent,
} from "./common";

export function DeskOutreach({ me, section, part, query }: DeskProps) {
  const manager = me.role === "COORDINATOR" || me.role === "ADMIN";
  if (section === "plan" && manager) return <PlanEvent me={me} query={query} />;
  if (section === "event" && part) return <DeskEvent me={me} id={part} manager={manager} />;
  if (section === "report" && part) return <Report me={me} id={part} />;
  if (section === "figures" || me.role === "SUPERVISOR" || me.role === "MENTOR") return <Figures me={me} />;
  return <Overview me={me} manager={manager} />;
}

interface NeedRow { subdistrictCode: string; districtCode: string; serviceCode: string; records: number; people: number }

function Overview({ me, manager }: { me: DeskProps["me"]; manager: boolean }) {
  const events = useQuery<{ outreachEvents: OEvent[] }>(OUTREACH_EVENTS, { first: 100 });
  const needs = useQuery<{ areaNeedTable: NeedRow[] }>(AREA_NEED_TABLE, {}, !manager);
  const services = useServices();
  const rows = needs.data?.areaNeedTable ?? [];
  const list = events.data?.outreachEvents ?? [];
  const places = useAreaNames([...rows.map((r) => r.districtCode), ...list.map((e) => e.subdistrictCode.slice(0, 4)),
                               ...rows.map((r) => r.districtCode.slice(0, 2))]);
  const bySub = new Map<string, NeedRow[]>();
  for (const r of rows) bySub.set(r.subdistrictCode, [...(bySub.get(r.subdistrictCode) ?? []), r]);
  return (
    <Page title={t("outreach")} actions={manager && (
      <span class="actions">
        <button type="button" class="btn primary" onClick={() => navigate("/outreach/plan")}>+ {t("planEvent")}</button>
        <a class="btn secondary" href="#/outreach/figures">{t("overview")}</a>
      </span>)}>
      <div class="outreach-desk">
        <section class="card" aria-labelledby="ev-title">
          <h2 id="ev-title">{t("outreach")}</h2>
          {events.loading && !events.data && <Loading />}
          {events.error && <LoadError error={events.error} reload={events.reload} />}
          {events.data && !list.length && <p class="muted">{t("noEvents")}</p>}
          {list.length > 0 && (
            <table class="area-table">
              <thead><tr><th scope="col">{t("eventTitle")}</th><th scope="col">{t("when")}</th>
                <th scope="col">{t("subdistrict")}</th><th scope="col">{t("status")}</th></tr></thead>
              <tbody>{list.map((e) => (
                <tr key={e.id}>
                  <th scope="row"><a href={`#/outreach/event/${e.id}`}>{e.title}</a><br /><span class="muted small">{kindLabel(e.kind)}</span></th>
                  <td><EventWhen e={e} /></td>
                  <td>{nameOf(places[e.subdistrictCode]) || e.subdistrictCode}</td>
                  <td><EventBadge status={e.status} /></td>
                </tr>))}</tbody>
            </table>
          )}
        </section>
        {manager && (
          <section class="card" aria-labelledby="needs-title">
            <h2 id="needs-title">{t("areaNeeds")}</h2>
            {needs.error && <LoadError error={needs.error} reload={needs.reload} />}
            {needs.data && !rows.length && <p class="muted">—</p>}
            {rows.length > 0 && (
              <table class="area-table needs-table">
                <thead><tr><th scope="col">{t("district")}</th><th scope="col">{t("subdistrict")}</th>
                  <th scope="col">{t("needService")}</th><th scope="col" class="n">{t("headcount")}</th><th scope="col" /></tr></thead>
                <tbody>{[...bySub.entries()].map(([sub, group]) => (
                  <tr key={sub}>
                    <td>{nameOf(places[group[0]!.districtCode]) || group[0]!.districtCode}</td>
                    <th scope="row">{nameOf(places[sub]) || sub}</th>
                    <td>{group.map((r) => <div key={r.serviceCode}>{named(services, r.serviceCode)}: {r.people} {t("headcount")} ({r.records} {t("records")})</div>)}</td>
                    <td class="n">{group.reduce((n, r) => n + r.people, 0)}</td>
                    <td><button type="button" class="btn secondary small"
                                aria-label={`${t("planFromNeeds")} ${nameOf(places[sub]) || sub}`}
                                onClick={() => navigate(`/outreach/plan?subdistrict=${sub}&services=${group.map((r) => r.serviceCode).join(",")}`)}>
                      {t("planFromNeeds")}</button></td>
                  </tr>))}</tbody>
              </table>
            )}
          </section>
        )}
      </div>
    </Page>
  );
}

const KINDS = ["MOBILE_UNIT", "NETWORK_MEETING", "TRAINING"];

/** "2026-12-04" in Bangkok, a day from now. */
function tomorrow(): string {
  return new Date(Date.now() + 86_400_000 + 7 * 3_600_000).toISOString().slice(0, 10);
}

function PlanEvent({ me, query }: { me: DeskProps["me"]; query: string }) {
  const params = new URLSearchParams(query);
  const province = (me.areaCode ?? "").slice(0, 2);
  const services = useServices();
  const offices = useOffices(me);
  const wanted = (params.get("services") ?? "").split(",").filter(Boolean);
  const [sub, setSub] = useState(params.get("subdistrict") ?? "");
  const [district, setDistrict] = useState(sub.slice(0, 4));
  const places = useAreaNames(district ? [province, district] : [province]);
  const [kind, setKind] = useState("MOBILE_UNIT");
  const [title, setTitle] = useState("");
  const [day, setDay] = useState(tomorrow());
  const [start, setStart] = useState("09:00");
  const [end, setEnd] = useState("15:00");
  const [venue, setVenue] = useState("");
  const [capacity, setCapacity] = useState("");
  const [volunteers, setVolunteers] = useState("");
  // offices and their services: from the needs, each service to the office of its agency
  const [offers, setOffers] = useState<Record<string, string[]>>({});
  const [seeded, setSeeded] = useState(false);
  if (!seeded && offices.length && services.length) {
    const start: Record<string, string[]> = {};
    for (const code of wanted) {
      const agency = services.find((s) => s.code === code)?.agencyCode;
      const unit = offices.find((o) => o.agency.code === agency);
      if (unit) start[unit.code] = [...(start[unit.code] ?? []), code];
    }
    setOffers(start);
    setSeeded(true);
  }
  const [clientId] = useState(newClientId);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const districts = Object.values(places).filter((a) => a.code.length === 4);
  const subs = Object.values(places).filter((a) => a.code.length === 6 && a.code.startsWith(district));

  function toggle(unit: string, code: string | null, on: boolean) {
    const next = { ...offers };
    if (code === null) { if (on) next[unit] = next[unit] ?? []; else delete next[unit]; }
    else next[unit] = on ? [...(next[unit] ?? []), code] : (next[unit] ?? []).filter((c) => c !== code);
    setOffers(next);
  }

  async function submit(event: Event) {
    event.preventDefault();
    const cap = parseCount(capacity);
    if (cap === null) return setError(`${t("capacity")}: ${t("countInvalid")}`);
    setBusy(true);
    setError(null);
    const input = {
      clientId, kind, title: title.trim() || `${kindLabel(kind)} ${nameOf(places[sub])}`.trim(), subdistrictCode: sub,
      venue, startsAt: `${day}T${start}:00+07:00`, endsAt: `${day}T${end}:00+07:00`, capacity: cap ?? null,
      offices: Object.entries(offers).map(([orgUnitCode, serviceCodes]) => ({ orgUnitCode, serviceCodes })),
      volunteerUsernames: volunteers.trim() ? volunteers.split(/[\s,]+/).filter(Boolean) : null,
    };
    try {
      const data = await gql<{ planEvent: { __typename: string; event?: { id: string } } & Partial<UserError> }>(PLAN_EVENT, { input });
      if (isUserError(data.planEvent as never)) setError(errorText(data.planEvent as UserError));
      else navigate(`/outreach/event/${data.planEvent.event!.id}`);
    } catch (e) {
      setError(refusalText(e));
    }
    setBusy(false);
  }

  return (
    <Page title={t("planEvent")}>
      <form class="card plan-form" onSubmit={submit} noValidate>
        {error && <p class="alert" role="alert">{error}</p>}
        <fieldset class="field">
          <legend>{t("eventKind")}</legend>
          {KINDS.map((k) => (
            <label key={k} class="inline-choice"><input type="radio" name="kind" checked={kind === k}
                                                        onChange={() => setKind(k)} /> {kindLabel(k)}</label>
          ))}
        </fieldset>
        <Field id="ev-title" label={t("eventTitle")}>
          <input id="ev-title" value={title} placeholder={`${kindLabel(kind)} ${nameOf(places[sub])}`}
                 onInput={(e) => setTitle(e.currentTarget.value)} />
        </Field>
        <div class="plan-row">
          <Field id="ev-day" label={t("eventDate")}>
            <input id="ev-day" type="date" value={day} onInput={(e) => setDay(e.currentTarget.value)} />
          </Field>
          <Field id="ev-start" label={t("startTime")}>
            <input id="ev-start" type="time" value={start} onInput={(e) => setStart(e.currentTarget.value)} />
          </Field>
          <Field id="ev-end" label={t("endTime")}>
            <input id="ev-end" type="time" value={end} onInput={(e) => setEnd(e.currentTarget.value)} />
          </Field>
        </div>
        <div class="plan-row">
          <Field id="ev-district" label={t("district")}>
            <select id="ev-district" value={district} onChange={(e) => { setDistrict(e.currentTarget.value); setSub(""); }}>
              <option value="">—</option>
              {districts.map((a) => <option key={a.code} value={a.code}>{nameOf(a)}</option>)}
            </select>
          </Field>
          <Field id="ev-sub" label={t("subdistrict")}>
            <select id="ev-sub" value={sub} onChange={(e) => setSub(e.currentTarget.value)}>
              <option value="">—</option>
              {subs.map((a) => <option key={a.code} value={a.code}>{nameOf(a)}</option>)}
            </select>
          </Field>
        </div>
        <Field id="ev-venue" label={t("venue")}>
          <input id="ev-venue" value={venue} onInput={(e) => setVenue(e.currentTarget.value)} />
        </Field>
        <fieldset class="field">
          <legend>{t("offices")}</legend>
          <ul class="offer-list" role="list">
            {offices.map((o) => (
              <li key={o.code}>
                <label><input type="checkbox" checked={o.code in offers}
                              onChange={(e) => toggle(o.code, null, e.currentTarget.checked)} /> {nameOf(o)}</label>
                {o.code in offers && (
                  <div class="offer-services">
                    {services.filter((s) => !s.agencyCode || s.agencyCode === o.agency.code).map((s) => (
                      <label key={s.code}><input type="checkbox" checked={offers[o.code]!.includes(s.code)}
                                                 onChange={(e) => toggle(o.code, s.code, e.currentTarget.checked)} /> {nameOf(s)}</label>
                    ))}
                  </div>
                )}
              </li>
            ))}
          </ul>
        </fieldset>
        <div class="plan-row">
          <Field id="ev-capacity" label={t("capacity")}>
            <input id="ev-capacity" inputMode="numeric" value={capacity} onInput={(e) => setCapacity(e.currentTarget.value)} />
          </Field>
          <Field id="ev-volunteers" label={t("volunteersField")} hint={t("volunteersHint")}>
            <input id="ev-volunteers" value={volunteers} aria-describedby="ev-volunteers-hint"
                   onInput={(e) => setVolunteers(e.currentTarget.value)} />
          </Field>
        </div>
        <button class="btn primary" type="submit" disabled={busy}>{busy ? t("sending") : t("planEvent")}</button>
      </form>
    </Page>
  );
}

const ACTIONS: Record<string, [string, "announce" | "markHeld" | "reportEvent"]> = {
  PLANNED: [ANNOUNCE_EVENT, "announce"], ANNOUNCED: [MARK_EVENT_HELD, "markHeld"], HELD: [REPORT_EVENT, "reportEvent"],
};

function DeskEvent({ me, id, manager }: { me: DeskProps["me"]; id: string; manager: boolean }) {
  const q = useQuery<{ outreachEvent: OEvent | null }>(OUTREACH_EVENT, { id });
  const services = useServices();
  const offices = useOffices(me);
  const e = q.data?.outreachEvent;
  const places = useAreaNames(e ? [e.subdistrictCode.slice(0, 4)] : []);
  const [text, setText] = useState("");
  const [cancelling, setCancelling] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!e) return q.loading ? <Loading /> : q.error ? <LoadError error={q.error} reload={q.reload} /> : <p>{t("notFound")}</p>;

  async function act(document: string, extra: Record<string, unknown> = {}) {
    setError(null);
    try {
      const data = await gql<Record<string, { __typename: string } & Partial<UserError>>>(document, { id, v: e!.version, ...extra });
      const answer = Object.values(data)[0]!;
      if (isUserError(answer as never)) return setError(errorText(answer as UserError));
      setText("");
      setCancelling(false);
      q.reload();
    } catch (err) {
      setError(refusalText(err));
    }
  }
  const next = ACTIONS[e.status];
  const canCancel = e.status === "PLANNED" || e.status === "ANNOUNCED";
  return (
    <Page title={e.title} actions={e.status !== "PLANNED" && (
      <a class="btn secondary" href={`#/outreach/report/${e.id}`}>{t("openReport")}</a>)}>
      <div class="outreach-desk">
        <section class="card">
          <p><EventBadge status={e.status} /> {kindLabel(e.kind)}</p>
          <p><EventWhen e={e} /> · {e.venue} · {nameOf(places[e.subdistrictCode]) || e.subdistrictCode}</p>
          {e.capacity !== null && <p>{t("capacity")}: {e.capacity}</p>}
          {e.cancelReason && <p>{t("cancelReason")}: {e.cancelReason}</p>}
          {e.reportNote && <p>{t("reportNote")}: {e.reportNote}</p>}
          <h2>{t("offices")}</h2>
          <ul>{e.offices.map((o) => (
            <li key={o.orgUnitCode}>{named(offices, o.orgUnitCode)}: {o.serviceCodes.map((c) => named(services, c)).join(", ")}</li>
          ))}</ul>
          {error && <p class="alert" role="alert">{error}</p>}
          {manager && (next || canCancel) && (
            <div class="actions">
              {next && e.status === "HELD" && (
                <Field id="report-note" label={t("reportNote")}>
                  <textarea id="report-note" rows={2} value={text} onInput={(ev) => setText(ev.currentTarget.value)} />
                </Field>
              )}
              {next && !cancelling && (
                <button type="button" class="btn primary"
                        onClick={() => void act(next[0], e.status === "HELD" ? { note: text.trim() || null } : {})}>
                  {t(next[1])}
                </button>
              )}
              {canCancel && (cancelling ? (
                <>
                  <Field id="cancel-reason" label={t("cancelReason")}>
                    <textarea id="cancel-reason" rows={2} value={text} onInput={(ev) => setText(ev.currentTarget.value)} />
                  </Field>
                  <button type="button" class="btn danger" onClick={() => void act(CANCEL_EVENT, { reason: text })}>
                    {t("cancelEvent")}
                  </button>
                  <button type="button" class="btn secondary" onClick={() => setCancelling(false)}>{t("back")}</button>
                </>
              ) : (
                <button type="button" class="btn danger" onClick={() => { setText(""); setCancelling(true); }}>{t("cancelEvent")}</button>
              ))}
            </div>
          )}
        </section>
        <section class="card">
          <h2>{t("volunteers2")} ({e.volunteers.length})</h2>
          <table class="area-table">
            <thead><tr><th scope="col">{t("volunteers2")}</th><th scope="col">{t("venueReady")}</th>
              <th scope="col" class="n">{t("invited")}</th><th scope="col">{t("attended")}</th></tr></thead>
            <tbody>{e.volunteers.map((v) => (
              <tr key={v.username}><th scope="row">{v.displayName}</th><td>{v.venueReady ? "✓" : "–"}</td>
                <td class="n">{v.peopleInvited ?? "–"}</td><td>{v.attendedAt ? "✓" : "–"}</td></tr>))}</tbody>
          </table>
        </section>
      </div>
    </Page>
  );
}

interface ReportData {
  outreachEventReport: {
    status: string; peopleServed: number; satisfactionCount: number; satisfactionAverage: string | null;
    volunteersAssigned: number; volunteersPrepared: number; volunteersAttended: number; peopleInvited: number;
    served: { orgUnitCode: string; serviceCode: string; peopleServed: number; men: number; women: number;
              otherGender: number; ageUnder25: number; age25To59: number; age60Plus: number }[];
    cases: { caseId: string; reference: string; categoryCode: string; status: string; satisfaction: number | null }[];
    casesByStatus: { status: string; count: number }[];
  } | null;
}
const SERVED_KEYS = ["peopleServed", "men", "women", "otherGender", "ageUnder25", "age25To59", "age60Plus"] as const;
const SERVED_LABELS = ["peopleServed", "men", "women", "otherGender", "age0", "age1", "age2"] as const;

function Report({ me, id }: { me: DeskProps["me"]; id: string }) {
  const q = useQuery<ReportData>(OUTREACH_REPORT, { id });
  const ev = useQuery<{ outreachEvent: OEvent | null }>(OUTREACH_EVENT, { id });
  const services = useServices();
  const offices = useOffices(me);
  const [error, setError] = useState<string | null>(null);
  const r = q.data?.outreachEventReport;
  const e = ev.data?.outreachEvent;
  if (!r || !e) return q.loading || ev.loading ? <Loading /> : q.error ? <LoadError error={q.error} reload={q.reload} /> : <p>{t("notFound")}</p>;
  const category = (code: string) => named(FALLBACK_CATEGORIES, code);
  const figures: [string, Cell][] = [
    [t("peopleServed"), r.peopleServed], [t("casesFromEvent"), r.cases.length],
    [t("satisfaction"), r.satisfactionAverage === null ? "–" : `${Number(r.satisfactionAverage).toFixed(2)} / 5 (${r.satisfactionCount})`],
    [t("volunteers2"), r.volunteersAssigned], [t("prepared"), r.volunteersPrepared], [t("attended"), r.volunteersAttended],
    [t("peopleInvited"), r.peopleInvited]];
  const servedHeader = [t("office"), t("service"), ...SERVED_LABELS.map((k) => t(k))];
  const servedRows = r.served.map((s) => [named(offices, s.orgUnitCode), named(services, s.serviceCode), ...SERVED_KEYS.map((k) => s[k])]);
  const caseHeader = [t("deskReference"), t("category"), t("status"), t("satisfaction")];
  const caseRows = r.cases.map((c) => [c.reference, category(c.categoryCode), term(c.status), c.satisfaction]);

  function csv() {
    const rows: Cell[][] = [[t("report"), e!.title], [t("eventKind"), kindLabel(e!.kind)], [t("when"), `${e!.startsAt} – ${e!.endsAt}`],
      [t("venue"), e!.venue], [], ...figures, [], servedHeader, ...servedRows, [], caseHeader, ...caseRows];
    download(toCsv(rows), `khortor-outreach-${e!.startsAt.slice(0, 10)}.csv`);
  }
  async function pdf() {
    setError(null);
    try {
      saveBlob(await fetchFile(`/outreach/events/${encodeURIComponent(id)}/report.pdf`),
               `khortor-outreach-${e!.startsAt.slice(0, 10)}.pdf`);
    } catch (err) {
      setError(refusalText(err));
    }
  }
  return (
    <Page title={`${t("report")}: ${e.title}`} actions={
      <span class="actions">
        <button type="button" class="btn secondary" onClick={csv}>{t("exportCsv")}</button>
        <button type="button" class="btn primary" onClick={() => void pdf()}>{t("downloadPdf")}</button>
      </span>}>
      {error && <p class="alert" role="alert">{error}</p>}
      <p><EventBadge status={e.status} /> {kindLabel(e.kind)} · <EventWhen e={e} /> · {e.venue}</p>
      <ul class="dash-kpis" role="list">
        {figures.map(([label, value]) => (
          <li key={label} class="kpi"><span class="kpi-label">{label}</span><strong class="kpi-n">{value}</strong></li>))}
      </ul>
      <div class="outreach-desk">
        <section class="card wide">
          <h2>{t("peopleServed")}</h2>
          <table class="area-table">
            <thead><tr>{servedHeader.map((h, i) => <th key={h} scope="col" class={i > 1 ? "n" : undefined}>{h}</th>)}</tr></thead>
            <tbody>{servedRows.map((row, i) => (
              <tr key={i}>{row.map((c, j) => j === 0 ? <th key={j} scope="row">{c}</th> : <td key={j} class={j > 1 ? "n" : undefined}>{c}</td>)}</tr>))}
              <tr><th scope="row">{t("total")}</th><td />{SERVED_KEYS.map((k) => (
                <td key={k} class="n"><strong>{r.served.reduce((n, s) => n + s[k], 0)}</strong></td>))}</tr>
            </tbody>
          </table>
        </section>
        <section class="card">
          <h2>{t("casesFromEvent")} ({r.cases.length})</h2>
          <p>{r.casesByStatus.map((s) => `${term(s.status)} ${s.count}`).join(" · ")}</p>
          <table class="area-table">
            <thead><tr>{caseHeader.map((h) => <th key={h} scope="col">{h}</th>)}</tr></thead>
            <tbody>{r.cases.map((c) => (
              <tr key={c.caseId}><th scope="row"><a href={`#/case/${c.caseId}`}>{c.reference}</a></th>
                <td>{category(c.categoryCode)}</td><td><StatusBadge status={c.status} /></td>
                <td>{c.satisfaction === null ? "–" : `${c.satisfaction} / 5`}</td></tr>))}</tbody>
          </table>
        </section>
      </div>
    </Page>
  );
}

interface FiguresData {
  outreachFigures: {
    provinces: { provinceCode: string; nameTh: string; nameEn: string; planned: number; held: number; reported: number;
                 cancelled: number; peopleServed: number; casesFiled: number }[];
    districts: { districtCode: string; nameTh: string; nameEn: string; needsRecorded: number; peopleInNeed: number;
                 eventsHeld: number }[];
  } | null;
}
interface Participation {
  volunteerParticipation: { userId: string; displayName: string; areaCode: string | null; eventsAssigned: number;
                            eventsPrepared: number; meetingsAssigned: number; meetingsAttended: number }[];
}

function Figures({ me }: { me: DeskProps["me"] }) {
  const current = fiscalYear(new Date());
  const [year, setYear] = useState(current);
  const f = useQuery<FiguresData>(OUTREACH_FIGURES, { fiscalYear: year }, me.role === "MENTOR" || me.role === "OFFICER");
  const p = useQuery<Participation>(VOLUNTEER_PARTICIPATION, { fiscalYear: year, first: 100 }, me.role === "OFFICER");
  const data = f.data?.outreachFigures;
  const table = (head: string[], rows: (string | number)[][]) => (
    <table class="area-table">
      <thead><tr>{head.map((h, i) => <th key={h} scope="col" class={i ? "n" : undefined}>{h}</th>)}</tr></thead>
      <tbody>{rows.map((row, i) => (
        <tr key={i}>{row.map((c, j) => j ? <td key={j} class="n">{c}</td> : <th key={j} scope="row">{c}</th>)}</tr>))}</tbody>
    </table>
  );
  return (
    <Page title={t("overview")}>
      <div class="card">
        <Field id="fy" label={t("dashFiscalYear")}>
          <select id="fy" value={year} onChange={(e) => setYear(Number(e.currentTarget.value))}>
            {[current, current - 1, current - 2].map((y) => <option key={y} value={y}>{y}</option>)}
          </select>
        </Field>
      </div>
      {(f.error || p.error) && <LoadError error={(f.error ?? p.error)!} reload={() => { f.reload(); p.reload(); }} />}
      <div class="outreach-desk">
        {data && (
          <section class="card">
            <h2>{t("outreach")}</h2>
            {table([t("province"), t("planned"), t("held"), t("cancelled"), t("peopleServed"), t("casesFromEvent")],
                   data.provinces.map((r) => [nameOf(r), r.planned, r.held, r.cancelled, r.peopleServed,
                                               r.casesFiled]))}
            <h2>{t("needsVsEvents")}</h2>
            {table([t("district"), t("needsRecorded"), t("headcount"), t("held")],
                   data.districts.map((r) => [nameOf(r), r.needsRecorded, r.peopleInNeed, r.eventsHeld]))}
          </section>
        )}
        {p.data && (
          <section class="card">
            <h2>{t("participation")}</h2>
            {table([t("volunteers2"), t("eventsPrepared"), t("meetingsAttended")],
                   p.data.volunteerParticipation.map((v) => [v.displayName, `${v.eventsPrepared} / ${v.eventsAssigned}`,
                                                             `${v.meetingsAttended} / ${v.meetingsAssigned}`]))}
          </section>
        )}
      </div>
    </Page>
  );
}
