/** What the outreach screens share: the services and events kept for offline use (no personal
 * data: names of services, offices and places; a volunteer's own events with their own
 * checklist only), labels, counts. */
import { useEffect, useState } from "preact/hooks";
import { formatDateTime } from "../lib/dates";
import { gql } from "../lib/graphql";
import { useSignal } from "../lib/store";
import { lang, nameOf, t, type Key } from "../i18n";
import { AREAS, ORG_UNITS, OUTREACH_EVENTS, OUTREACH_SERVICES } from "../queries";
import { online, outreachSent, route, type Me } from "../state";
import "./outreach.css";

export interface Named { code: string; nameTh: string; nameEn: string }
export interface Service extends Named { agencyCode: string | null }
export interface Office extends Named { agency: { code: string } }
export interface EventVolunteer {
  username: string; displayName: string; venueReady: boolean; peopleInvited: number | null; attendedAt: string | null;
}
export interface OEvent {
  id: string; kind: string; status: string; title: string; subdistrictCode: string; venue: string;
  startsAt: string; endsAt: string; capacity: number | null; version: number; cancelReason: string | null;
  reportNote: string | null; offices: { orgUnitCode: string; serviceCodes: string[] }[]; volunteers: EventVolunteer[];
}

export function readCache<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : fallback;
  } catch {
    return fallback;
  }
}

export async function refreshCache<T>(key: string, query: string, variables: Record<string, unknown>,
                                      pick: (data: any) => T): Promise<T> {
  const fresh = pick(await gql(query, variables));
  localStorage.setItem(key, JSON.stringify(fresh));
  return fresh;
}

/** Kept on the device, refreshed whenever there is a signal (on each visit, and when it returns). */
export function useCached<T>(key: string, query: string, variables: Record<string, unknown>,
                             pick: (data: any) => T, fallback: T, skip = false): T {
  const [value, setValue] = useState<T>(() => readCache(key, fallback));
  const isOnline = useSignal(online);
  const path = useSignal(route);
  const sent = useSignal(outreachSent);  // what the outbox just sent shows at once
  useEffect(() => {
    setValue(readCache(key, fallback));
    if (!skip && isOnline) refreshCache(key, query, variables, pick).then(setValue).catch(() => { /* offline: keep */ });
  }, [key, skip, isOnline, path, sent]);
  return value;
}

const province = (me: Me) => (me.areaCode ?? "").slice(0, 2);
export const eventsKey = (me: Me) => `khortor.outreach.events.${me.username}`;

/** A volunteer's copy of their events keeps only their own checklist line. */
export const ownEvents = (me: Me) => (d: { outreachEvents: OEvent[] }) =>
  d.outreachEvents.map((e) => ({ ...e, volunteers: e.volunteers.filter((v) => v.username === me.username) }));

export function useServices(): Service[] {
  return useCached("khortor.ref.outreachServices", OUTREACH_SERVICES, {}, (d) => d.outreachServices, []);
}

export function useOffices(me: Me): Office[] {
  const code = province(me);
  return useCached(`khortor.ref.orgUnits.${code}`, ORG_UNITS, { provinceCode: code || null }, (d) => d.orgUnits, []);
}

/** Names of the areas under each parent (the same keys the new-case form keeps). */
export function useAreaNames(parents: string[]): Record<string, Named> {
  const [names, setNames] = useState<Record<string, Named>>({});
  const key = [...new Set(parents)].sort().join(",");
  useEffect(() => {
    let live = true;
    const merge = (list: Named[]) => live && setNames((n) => ({ ...n, ...Object.fromEntries(list.map((a) => [a.code, a])) }));
    for (const parent of key ? key.split(",") : []) {
      const cacheKey = `khortor.ref.areas.${parent}`;
      merge(readCache<Named[]>(cacheKey, []));
      refreshCache<Named[]>(cacheKey, AREAS, { parentCode: parent }, (d) => d.areas).then(merge).catch(() => {});
    }
    return () => { live = false; };
  }, [key]);
  return names;
}

/** Fetched while there is a signal (after sign-in), for the venue without one. */
export function prefetchOutreach(me: Me): void {
  const quiet = () => {};
  void refreshCache("khortor.ref.outreachServices", OUTREACH_SERVICES, {}, (d) => d.outreachServices).catch(quiet);
  void refreshCache(`khortor.ref.orgUnits.${province(me)}`, ORG_UNITS, { provinceCode: province(me) || null },
                    (d) => d.orgUnits).catch(quiet);
  if (me.role === "VOLUNTEER") void refreshCache(eventsKey(me), OUTREACH_EVENTS, { first: 50 }, ownEvents(me)).catch(quiet);
}

export function named(list: Named[], code: string): string {
  return nameOf(list.find((x) => x.code === code)) || code;
}

export const kindLabel = (kind: string) => t(`kind.${kind}` as Key);

export function EventBadge({ status }: { status: string }) {
  return <span class={`badge ev-${status.toLowerCase()}`}>{t(`ev.${status}` as Key)}</span>;
}

/** "3 ธ.ค. 2569 09:00–15:00" (B.E. in Thai). */
export function EventWhen({ e }: { e: { startsAt: string; endsAt: string } }) {
  const language = useSignal(lang);
  const start = formatDateTime(e.startsAt, language);
  const end = formatDateTime(e.endsAt, language);
  const sameDay = start.slice(0, -5) === end.slice(0, -5);
  return <time dateTime={e.startsAt}>{start}–{sameDay ? end.slice(-5) : end}</time>;
}

/** A count typed by hand: undefined when empty, null when not a count of 0..100,000. */
export function parseCount(text: string): number | null | undefined {
  const plain = text.trim().replace(/,/g, "").replace(/[๐-๙]/g, (d) => String(d.charCodeAt(0) - 0x0e50));
  if (!plain) return undefined;
  if (!/^\d+$/.test(plain)) return null;
  const n = Number(plain);
  return n <= 100_000 ? n : null;
}
