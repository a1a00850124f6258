/** A volunteer's outreach work on the phone, offline-first: needs of the area, their events
 * with the checklist, people served (or "I am here" at a meeting) at the venue, and cases
 * filed from an event. Everything recorded goes through the outbox (lib/outbox.ts). */
import { useEffect, useState } from "preact/hooks";
import { describedBy, Field, LoadError, Page, useQuery, When } from "../components";
import { errorText, nameOf, t } from "../i18n";
import { newClientId, type OutreachItem } from "../lib/outbox";
import { useSignal } from "../lib/store";
import { AREA_NEEDS, OUTREACH_EVENT, OUTREACH_EVENTS } from "../queries";
import { flushOutbox, navigate, notice, online, outbox, outboxItems, outreachSent, session, type Me } from "../state";
import { OutboxList } from "../screens/OutboxList";
import {
  EventBadge, EventWhen, eventsKey, kindLabel, named, ownEvents, parseCount, readCache, useAreaNames, useCached,
  useOffices, useServices, type OEvent,
} from "./common";

function useMyEvents(me: Me): OEvent[] {
  return useCached(eventsKey(me), OUTREACH_EVENTS, { first: 50 }, ownEvents(me), []);
}

/** Queue it, send it now if there is a signal, and say which happened. */
async function record(me: Me, item: Pick<OutreachItem, "op" | "eventId" | "title" | "variables">,
                      clientId = newClientId()): Promise<string | null> {
  await outbox.enqueueOutreach(me.username, item, clientId);
  if (online.get()) await flushOutbox();
  const left = (await outbox.items(me.username)).find((i) => i.clientId === clientId);
  if (left?.error) {
    await outbox.discard(clientId);
    return errorText(left.error);
  }
  notice.set(left ? t("savedQueued") : t("savedSent"));
  return null;
}

export function VolunteerOutreach() {
  const me = useSignal(session)!.user;
  const events = useMyEvents(me);
  const services = useServices();
  const sent = useSignal(outreachSent);
  const needs = useQuery<{ areaNeeds: { id: string; serviceCode: string; peopleCount: number; capturedAt: string }[] }>(
    AREA_NEEDS, { first: 20 });
  useEffect(() => { if (sent) needs.reload(); }, [sent]);
  return (
    <Page title={t("outreach")} actions={
      <button type="button" class="btn primary" onClick={() => navigate("/outreach/need")}>+ {t("recordNeed")}</button>}>
      <OutboxList />
      <h2 class="section">{t("myEvents")}</h2>
      {events.length ? (
        <ul class="list card" role="list">
          {events.map((e) => (
            <li key={e.id}>
              <a class="row" href={`#/outreach/event/${e.id}`}>
                <span class="row-main">
                  <span class="row-title">{e.title}</span>
                  <span class="row-sub">{kindLabel(e.kind)} · <EventWhen e={e} /></span>
                  <span class="row-sub">{e.venue}</span>
                </span>
                <EventBadge status={e.status} />
              </a>
            </li>
          ))}
        </ul>
      ) : <p class="muted">{t("noEvents")}</p>}
      <h2 class="section">{t("myNeeds")}</h2>
      {needs.error && needs.error !== "offline" && <LoadError error={needs.error} reload={needs.reload} />}
      {needs.data && (
        <ul class="list card" role="list">
          {needs.data.areaNeeds.map((n) => (
            <li key={n.id} class="row">
              <span class="row-main">
                <span class="row-title">{named(services, n.serviceCode)}</span>
                <span class="row-sub">{n.peopleCount} {t("headcount")} · <When at={n.capturedAt} /></span>
              </span>
            </li>
          ))}
        </ul>
      )}
    </Page>
  );
}

export function NeedForm() {
  const me = useSignal(session)!.user;
  const services = useServices();
  const area = me.areaCode ?? "";
  const areas = useAreaNames(area.length === 4 ? [area] : []);
  const [service, setService] = useState("");
  const [people, setPeople] = useState("");
  const [subdistrict, setSubdistrict] = useState(area.length === 6 ? area : "");
  const [note, setNote] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    const count = parseCount(people);
    const found: Record<string, string> = {};
    if (!service) found.service = t("required", { field: t("needService") });
    if (count === undefined) found.people = t("required", { field: t("needPeople") });
    else if (count === null) found.people = t("countInvalid");
    if (!subdistrict) found.subdistrict = t("required", { field: t("subdistrict") });
    setErrors(found);
    if (Object.keys(found).length) return;
    setBusy(true);
    const clientId = newClientId();
    const refused = await record(me, {
      op: "need", eventId: null, title: `${t("areaNeeds")}: ${named(services, service)} (${count})`,
      variables: { input: { clientId, serviceCode: service, peopleCount: count, subdistrictCode: subdistrict,
                            note: note.trim() || null, capturedAt: new Date().toISOString() } },
    }, clientId);
    setBusy(false);
    if (refused) setErrors({ form: refused });
    else navigate("/outreach");
  }

  return (
    <Page title={t("recordNeed")}>
      <form class="card" onSubmit={submit} noValidate>
        {errors.form && <p class="alert" role="alert">{errors.form}</p>}
        <Field id="need-service" label={t("needService")} error={errors.service}>
          <select id="need-service" value={service} aria-describedby={describedBy("need-service")}
                  onChange={(e) => setService(e.currentTarget.value)}>
            <option value="">—</option>
            {services.map((s) => <option key={s.code} value={s.code}>{nameOf(s)}</option>)}
          </select>
        </Field>
        <Field id="need-people" label={t("needPeople")} error={errors.people}>
          <input id="need-people" class="narrow" inputMode="numeric" autocomplete="off" value={people}
                 aria-describedby={describedBy("need-people")} onInput={(e) => setPeople(e.currentTarget.value)} />
        </Field>
        {area.length === 4 && (
          <Field id="need-subdistrict" label={t("subdistrict")} error={errors.subdistrict}>
            <select id="need-subdistrict" value={subdistrict} onChange={(e) => setSubdistrict(e.currentTarget.value)}>
              <option value="">—</option>
              {Object.values(areas).map((a) => <option key={a.code} value={a.code}>{nameOf(a)}</option>)}
            </select>
          </Field>
        )}
        <Field id="need-note" label={t("note")}>
          <textarea id="need-note" rows={3} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
        </Field>
        <button class="btn primary block" type="submit" disabled={busy}>{busy ? t("sending") : t("save")}</button>
      </form>
    </Page>
  );
}

export function VolunteerEvent({ id }: { id: string }) {
  const me = useSignal(session)!.user;
  const items = useSignal(outboxItems);
  const cached = readCache<OEvent[]>(eventsKey(me), []).find((e) => e.id === id) ?? null;
  const q = useQuery<{ outreachEvent: OEvent | null }>(OUTREACH_EVENT, { id });
  const fresh = q.data?.outreachEvent;
  const e = fresh ? ownEvents(me)({ outreachEvents: [fresh] })[0]! : cached;
  const services = useServices();
  const offices = useOffices(me);
  const places = useAreaNames(e ? [e.subdistrictCode.slice(0, 4)] : []);
  if (!e) return q.error ? <LoadError error={q.error} reload={q.reload} /> : null;
  const mine = e.volunteers[0];
  const open = e.status === "ANNOUNCED" || e.status === "HELD";
  const waiting = items.filter((i): i is OutreachItem => i.kind === "outreach" && i.eventId === e.id);
  return (
    <Page title={e.title}>
      <div class="card">
        <p><EventBadge status={e.status} /> {kindLabel(e.kind)}</p>
        <p><EventWhen e={e} /></p>
        <p>{e.venue} · {nameOf(places[e.subdistrictCode]) || e.subdistrictCode}</p>
        {e.cancelReason && <p class="muted">{e.cancelReason}</p>}
      </div>
      {waiting.length > 0 && (
        <ul class="list card" role="list" aria-label={t("outreachWaiting")}>
          {waiting.map((i) => (
            <li key={i.clientId} class="row queued"><span class="row-main">
              <span class="row-title">{t("outreachWaiting")}: {i.title}</span>
              {i.error && <span class="error">{t("refusedInOutbox", { msg: errorText(i.error) })}</span>}
            </span></li>
          ))}
        </ul>
      )}
      {(e.status === "PLANNED" || e.status === "ANNOUNCED") && mine && <Checklist me={me} e={e} mine={mine} />}
      {open && e.kind === "MOBILE_UNIT" && <ServiceAttendance me={me} e={e} services={services} offices={offices} />}
      {open && e.kind !== "MOBILE_UNIT" && <MeetingAttendance me={me} e={e} came={!!mine?.attendedAt} />}
      {open && (
        <button type="button" class="btn secondary block" onClick={() => navigate(`/new?event=${e.id}`)}>
          + {t("fileFromEvent")}
        </button>
      )}
    </Page>
  );
}

function Checklist({ me, e, mine }: { me: Me; e: OEvent; mine: OEvent["volunteers"][0] }) {
  const [ready, setReady] = useState(mine.venueReady);
  const [invited, setInvited] = useState(mine.peopleInvited === null ? "" : String(mine.peopleInvited));
  const [error, setError] = useState<string | null>(null);
  async function save(event: Event) {
    event.preventDefault();
    const n = parseCount(invited);
    if (n === null) return setError(t("countInvalid"));
    setError(await record(me, { op: "checklist", eventId: e.id, title: t("checklist"),
                                variables: { id: e.id, input: { venueReady: ready, peopleInvited: n ?? null } } }));
  }
  return (
    <form class="card" onSubmit={save} noValidate aria-labelledby="checklist-title">
      <h2 id="checklist-title">{t("checklist")}</h2>
      <div class="field check">
        <input id="venue-ready" type="checkbox" checked={ready} onChange={(ev) => setReady(ev.currentTarget.checked)} />
        <label for="venue-ready">{t("venueReady")}</label>
      </div>
      <Field id="people-invited" label={t("peopleInvited")} error={error}>
        <input id="people-invited" class="narrow" inputMode="numeric" value={invited}
               aria-describedby={describedBy("people-invited")} onInput={(ev) => setInvited(ev.currentTarget.value)} />
      </Field>
      <button class="btn primary" type="submit">{t("save")}</button>
    </form>
  );
}

const BREAKDOWN = [["men", "men"], ["women", "women"], ["otherGender", "otherGender"], ["ageUnder25", "age0"],
                   ["age25To59", "age1"], ["age60Plus", "age2"]] as const;

function ServiceAttendance({ me, e, services, offices }: {
  me: Me; e: OEvent; services: ReturnType<typeof useServices>; offices: ReturnType<typeof useOffices>;
}) {
  const pairs = e.offices.flatMap((o) => o.serviceCodes.map((s) => `${o.orgUnitCode}|${s}`));
  const [pair, setPair] = useState(pairs.length === 1 ? pairs[0]! : "");
  const [served, setServed] = useState("");
  const [parts, setParts] = useState<Record<string, string>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  async function save(event: Event) {
    event.preventDefault();
    const n = parseCount(served);
    const found: Record<string, string> = {};
    if (!pair) found.pair = t("required", { field: t("officeService") });
    if (n === undefined) found.served = t("required", { field: t("peopleServed") });
    else if (n === null) found.served = t("countInvalid");
    const counts: Record<string, number | null> = {};
    for (const [key] of BREAKDOWN) {
      const v = parseCount(parts[key] ?? "");
      if (v === null) found[key] = t("countInvalid");
      counts[key] = v ?? null;
    }
    setErrors(found);
    if (Object.keys(found).length) return;
    const [orgUnitCode, serviceCode] = pair.split("|") as [string, string];
    const clientId = newClientId();
    const refused = await record(me, {
      op: "service", eventId: e.id, title: `${named(services, serviceCode)} ${n} ${t("headcount")}`,
      variables: { id: e.id, input: { clientId, orgUnitCode, serviceCode, peopleServed: n, ...counts,
                                       capturedAt: new Date().toISOString() } },
    }, clientId);
    if (refused) setErrors({ form: refused });
    else { setServed(""); setParts({}); }
  }
  return (
    <form class="card" onSubmit={save} noValidate aria-labelledby="attendance-title">
      <h2 id="attendance-title">{t("attendance")}</h2>
      {errors.form && <p class="alert" role="alert">{errors.form}</p>}
      <Field id="att-pair" label={t("officeService")} error={errors.pair}>
        <select id="att-pair" value={pair} aria-describedby={describedBy("att-pair")}
                onChange={(ev) => setPair(ev.currentTarget.value)}>
          {pairs.length !== 1 && <option value="">—</option>}
          {pairs.map((p) => {
            const [unit, code] = p.split("|") as [string, string];
            return <option key={p} value={p}>{named(services, code)} · {named(offices, unit)}</option>;
          })}
        </select>
      </Field>
      <Field id="att-served" label={t("peopleServed")} error={errors.served}>
        <input id="att-served" class="narrow" inputMode="numeric" autocomplete="off" value={served}
               aria-describedby={describedBy("att-served")} onInput={(ev) => setServed(ev.currentTarget.value)} />
      </Field>
      <details class="field">
        <summary>{t("breakdown")}</summary>
        <div class="att-grid">
          {BREAKDOWN.map(([key, label]) => (
            <Field key={key} id={`att-${key}`} label={t(label)} error={errors[key]}>
              <input id={`att-${key}`} inputMode="numeric" value={parts[key] ?? ""}
                     onInput={(ev) => setParts({ ...parts, [key]: ev.currentTarget.value })} />
            </Field>
          ))}
        </div>
      </details>
      <button class="btn primary" type="submit">{t("save")}</button>
    </form>
  );
}

function MeetingAttendance({ me, e, came }: { me: Me; e: OEvent; came: boolean }) {
  const [topics, setTopics] = useState("");
  const [error, setError] = useState<string | null>(null);
  async function save(event: Event) {
    event.preventDefault();
    const clientId = newClientId();
    setError(await record(me, { op: "meeting", eventId: e.id, title: t("iCame"),
                                variables: { id: e.id, input: { clientId, topics: topics.trim() || null,
                                                                capturedAt: new Date().toISOString() } } }, clientId));
  }
  return (
    <form class="card" onSubmit={save} noValidate>
      {error && <p class="alert" role="alert">{error}</p>}
      {came && <p>✓ {t("attended")}</p>}
      <Field id="topics" label={t("topics")}>
        <textarea id="topics" rows={2} value={topics} onInput={(ev) => setTopics(ev.currentTarget.value)} />
      </Field>
      <button class="btn primary" type="submit">{t("iCame")}</button>
    </form>
  );
}
