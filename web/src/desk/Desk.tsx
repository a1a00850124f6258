/**
 * The desk table (≥ 1024 px) of an office's or a province's referrals: search (reference and
 * text; a national ID through the audited lookup), filters kept in the route, sort, cursor
 * paging, and for the office's own people "assign to" a colleague. Phones keep the list.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { LoadError, Loading, Page, StatusBadge, useQuery } from "../components";
import { FALLBACK_CATEGORIES, type CategoryInfo } from "../categories";
import { errorText, lang, nameOf, t, term, type Key } from "../i18n";
import { formatDate, formatDateTime } from "../lib/dates";
import { gql, isUserError, type UserError } from "../lib/graphql";
import { useSignal } from "../lib/store";
import { AREAS, ASSIGN_TO, CATEGORIES, COLLEAGUES, DESK_REFERRALS, ORG_UNITS } from "../queries";
import { refusalText } from "../screens/CaseView";
import { navigate, notice, type Me } from "../state";
import { CitizenLookup } from "./CitizenLookup";
import {
  ALL_STATUSES, DEFAULT_FILTERS, OPEN_STATUSES, SORTS, filtersQuery, looksLikeNationalId, parseFilters,
  referralFilter, type DeskFilters,
} from "./filters";
import { OutboxList } from "../screens/OutboxList";
import "./desk.css";

export const PAGE_SIZE = 25;

interface Named { code: string; nameTh: string; nameEn: string }
export interface DeskRow {
  id: string; status: string; version: number; nextDueAt: string | null; overdue: boolean;
  escalationLevel: number; legalDueAt: string | null; createdAt: string;
  orgUnit: Named;
  assignedTo: { username: string; displayName: string } | null;
  extension: { status: string; days: number } | null;
  case: { id: string; reference: string; category: Named; subdistrict: Named;
          citizen: { fullName: string; masked: boolean } };
}
interface DeskPage {
  referrals: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null };
               edges: { node: DeskRow }[] };
}
interface Colleague { username: string; displayName: string }

const OPEN = new Set<string>(OPEN_STATUSES);

/** The province of a user's scope: their area, or the office code's suffix (DLPW-43). */
export function provinceOf(me: Me): string | null {
  if (me.areaCode) return me.areaCode.slice(0, 2);
  const m = /-(\d{2})$/.exec(me.orgUnitCode ?? "");
  return m ? m[1] : null;
}

/** Whether the screen is a desk's (the same breakpoint as the CSS). */
export function useWide(): boolean {
  const query = typeof matchMedia === "undefined" ? null : matchMedia("(min-width: 64rem)");
  const [wide, setWide] = useState(query?.matches ?? false);
  useEffect(() => {
    if (!query) return;
    const changed = () => setWide(query.matches);
    query.addEventListener("change", changed);
    return () => query.removeEventListener("change", changed);
  }, []);
  return wide;
}

export function Desk({ me, base, query, title, ownOffice }: {
  me: Me; base: string; query: string; title: string; ownOffice: boolean;
}) {
  useSignal(lang);
  const filters = parseFilters(query);
  const fixedOffice = ownOffice ? me.orgUnitCode : null;
  const province = provinceOf(me);
  const [search, setSearch] = useState(filters.q);
  const [citizenId, setCitizenId] = useState<string | null>(null);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const page = cursors.length - 1;
  // The box shows the route's search (back, a bookmark, a search sent), but not over what is
  // being typed: a filter cleared just before typing changes the route after the typing began.
  const typing = useRef(false);
  useEffect(() => {
    setCursors([null]);
    if (!typing.current) setSearch(parseFilters(query).q);
  }, [query]);

  const variables = { filter: referralFilter(filters, fixedOffice), first: PAGE_SIZE, after: cursors[page] };
  const q = useQuery<DeskPage>(DESK_REFERRALS, variables);
  const categories = useQuery<{ categories: CategoryInfo[] }>(CATEGORIES);
  const districts = useQuery<{ areas: Named[] }>(AREAS, { parentCode: province }, !province);
  const offices = useQuery<{ orgUnits: Named[] }>(ORG_UNITS, { provinceCode: province }, !province || !!fixedOffice);
  const mayAssign = (me.role === "OFFICER" || me.role === "COORDINATOR") && !!me.orgUnitCode;
  const colleagues = useQuery<{ colleagues: Colleague[] }>(COLLEAGUES, {}, !mayAssign);

  function show(next: DeskFilters) {
    const qs = filtersQuery(next);
    navigate(`${base}${qs ? "?" + qs : ""}`);
  }
  const set = <K extends keyof DeskFilters>(key: K, value: DeskFilters[K]) => show({ ...filters, [key]: value });

  function onSearch(event: Event) {
    event.preventDefault();
    typing.current = false;
    if (looksLikeNationalId(search)) {
      setCitizenId(search);  // looked up apart: never in the route
      setSearch("");
      return;
    }
    setCitizenId(null);
    set("q", search.trim());
  }

  const rows = q.data?.referrals.edges.map((e) => e.node) ?? [];
  const total = q.data?.referrals.totalCount ?? 0;
  const statusValue = filters.status.length === 0 ? "all"
    : filters.status.length === OPEN_STATUSES.length && OPEN_STATUSES.every((s) => filters.status.includes(s))
      ? "open" : filters.status.join(",");
  const categoryList = categories.data?.categories ?? FALLBACK_CATEGORIES;

  return (
    <Page title={title}>
      {ownOffice && <OutboxList />}
      <div class="desk">
        <form class="desk-search" role="search" onSubmit={onSearch}>
          <label for="desk-q">{t("deskSearchLabel")}</label>
          <div class="desk-search-row">
            <input id="desk-q" type="search" value={search} autoComplete="off" aria-describedby="desk-q-hint"
                   onInput={(e) => { typing.current = true; setSearch(e.currentTarget.value); }} />
            <button class="btn primary" type="submit">{t("deskSearch")}</button>
          </div>
          <p class="hint" id="desk-q-hint">{t("deskSearchHint")}</p>
        </form>

        {citizenId && <CitizenLookup nationalId={citizenId} onClose={() => setCitizenId(null)} />}

        <fieldset class="desk-filters">
          <legend>{t("deskFilters")}</legend>
          <label>{t("deskStatus")}
            <select value={statusValue} onChange={(e) => {
              const v = e.currentTarget.value;
              set("status", v === "all" ? [] : v === "open" ? [...OPEN_STATUSES] : v.split(","));
            }}>
              <option value="open">{t("deskStatusOpen")}</option>
              <option value="all">{t("deskStatusAll")}</option>
              {ALL_STATUSES.map((s) => <option key={s} value={s}>{term(s)}</option>)}
            </select>
          </label>
          <label>{t("category")}
            <select value={filters.category ?? ""} onChange={(e) => set("category", e.currentTarget.value || null)}>
              <option value="">{t("deskAnyCategory")}</option>
              {categoryList.map((c) => <option key={c.code} value={c.code}>{nameOf(c)}</option>)}
            </select>
          </label>
          {!fixedOffice && province && (
            <label>{t("deskOffice")}
              <select value={filters.office ?? ""} onChange={(e) => set("office", e.currentTarget.value || null)}>
                <option value="">{t("deskAnyOffice")}</option>
                {(offices.data?.orgUnits ?? []).map((o) => <option key={o.code} value={o.code}>{o.code} {nameOf(o)}</option>)}
              </select>
            </label>
          )}
          {province && (
            <label>{t("deskDistrict")}
              <select value={filters.district ?? ""} onChange={(e) => set("district", e.currentTarget.value || null)}>
                <option value="">{t("deskAnyDistrict")}</option>
                {(districts.data?.areas ?? []).map((a) => <option key={a.code} value={a.code}>{nameOf(a)}</option>)}
              </select>
            </label>
          )}
          <label>{t("deskSort")}
            <select value={filters.sort} onChange={(e) => set("sort", e.currentTarget.value as DeskFilters["sort"])}>
              {SORTS.map((s) => <option key={s} value={s}>{t(`sort.${s}` as Key)}</option>)}
            </select>
          </label>
          <div class="desk-checks">
            <Check label={t("deskOverdue")} on={filters.overdue} set={(v) => set("overdue", v)} />
            <Check label={t("deskEscalated")} on={filters.escalated} set={(v) => set("escalated", v)} />
            {mayAssign && <Check label={t("deskMine")} on={filters.mine}
                                 set={(v) => show({ ...filters, mine: v, unassigned: v ? false : filters.unassigned })} />}
            <Check label={t("deskUnassigned")} on={filters.unassigned}
                   set={(v) => show({ ...filters, unassigned: v, mine: v ? false : filters.mine })} />
          </div>
          {filtersQuery(filters) !== "" && (
            <button type="button" class="btn link" onClick={() => show(DEFAULT_FILTERS)}>{t("deskClear")}</button>
          )}
        </fieldset>

        {q.loading && !q.data && <Loading />}
        {q.error && <LoadError error={q.error} reload={q.reload} />}
        {q.data && !rows.length && <p class="muted" role="status">{t("deskNone")}</p>}
        {rows.length > 0 && (
          <DeskTable rows={rows} me={me} showOffice={!fixedOffice}
                     colleagues={mayAssign ? colleagues.data?.colleagues ?? [] : null}
                     caption={t("deskCaption", { from: page * PAGE_SIZE + 1, to: page * PAGE_SIZE + rows.length, total })}
                     onAssigned={q.reload} />
        )}
        {(page > 0 || q.data?.referrals.pageInfo.hasNextPage) && (
          <nav class="desk-pages" aria-label={t("deskCaption", { from: page * PAGE_SIZE + 1, to: page * PAGE_SIZE + rows.length, total })}>
            <button type="button" class="btn secondary" disabled={page === 0}
                    onClick={() => setCursors(cursors.slice(0, -1))}>{t("deskPrev")}</button>
            <button type="button" class="btn secondary" disabled={!q.data?.referrals.pageInfo.hasNextPage}
                    onClick={() => setCursors([...cursors, q.data!.referrals.pageInfo.endCursor])}>{t("deskNext")}</button>
          </nav>
        )}
      </div>
    </Page>
  );
}

function Check({ label, on, set }: { label: string; on: boolean; set: (v: boolean) => void }) {
  return (
    <label class="check">
      <input type="checkbox" checked={on} onChange={(e) => set(e.currentTarget.checked)} /> {label}
    </label>
  );
}

function DeskTable({ rows, me, showOffice, colleagues, caption, onAssigned }: {
  rows: DeskRow[]; me: Me; showOffice: boolean; colleagues: Colleague[] | null; caption: string;
  onAssigned: () => void;
}) {
  const language = lang.get();
  return (
    <div class="desk-scroll">
      <table class="desk-table">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t("deskReference")}</th>
            <th scope="col">{t("category")}</th>
            <th scope="col">{t("deskCitizen")}</th>
            <th scope="col">{t("subdistrict")}</th>
            {showOffice && <th scope="col">{t("deskOffice")}</th>}
            <th scope="col">{t("deskStatus")}</th>
            <th scope="col">{t("deskDeadline")}</th>
            <th scope="col">{t("deskEscalation")}</th>
            <th scope="col">{t("deskLegal")}</th>
            <th scope="col">{t("deskAssigned")}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} class={r.overdue ? "overdue-row" : ""}>
              <th scope="row"><a href={`#/referral/${r.id}`}>{r.case.reference}</a></th>
              <td>{nameOf(r.case.category)}</td>
              <td class={r.case.citizen.masked ? "muted" : ""}>{r.case.citizen.fullName}</td>
              <td>{nameOf(r.case.subdistrict)}</td>
              {showOffice && <td>{r.orgUnit.code}</td>}
              <td><StatusBadge status={r.status} /></td>
              <td class={r.overdue ? "overdue nowrap" : "nowrap"}>
                {r.nextDueAt ? <>{r.overdue && <strong>{t("overdue")} </strong>}
                  <time dateTime={r.nextDueAt}>{formatDateTime(r.nextDueAt, language)}</time></> : "–"}
              </td>
              <td>{r.escalationLevel > 0 ? <span class="level">{t("deskLevel", { n: r.escalationLevel })}</span> : "–"}</td>
              <td class="nowrap">
                {r.legalDueAt && OPEN.has(r.status)
                  ? <time dateTime={r.legalDueAt}>{formatDate(r.legalDueAt, language)}</time> : "–"}
                {r.extension && <><br /><span class="small">{t(`ext.${r.extension.status}` as Key, { n: r.extension.days })}</span></>}
              </td>
              <td>
                {colleagues && OPEN.has(r.status) && r.orgUnit.code === me.orgUnitCode
                  ? <AssignSelect row={r} colleagues={colleagues} onAssigned={onAssigned} />
                  : r.assignedTo?.displayName ?? <span class="muted">{t("notAssigned")}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

type AssignAnswer = { __typename: string; referral?: { assignedTo: Colleague | null } } & Partial<UserError>;

function AssignSelect({ row, colleagues, onAssigned }: {
  row: DeskRow; colleagues: Colleague[]; onAssigned: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const current = row.assignedTo?.username ?? "";
  const people = current && !colleagues.some((c) => c.username === current)
    ? [...colleagues, row.assignedTo!] : colleagues;
  async function assign(username: string) {
    if (!username || username === current) return;
    setBusy(true);
    try {
      const data = await gql<{ assignReferral: AssignAnswer }>(ASSIGN_TO, { id: row.id, to: username, v: row.version });
      const answer = data.assignReferral;
      if (isUserError(answer)) notice.set(errorText(answer as UserError));
      else notice.set(t("deskAssignedOk", { ref: row.case.reference,
        name: answer.referral?.assignedTo?.displayName ?? username }));
    } catch (error) {
      notice.set(refusalText(error));
    } finally {
      setBusy(false);
      onAssigned();
    }
  }
  return (
    <select value={current} disabled={busy} aria-label={t("deskAssignLabel", { ref: row.case.reference })}
            onChange={(e) => void assign(e.currentTarget.value)}>
      {!current && <option value="">{t("notAssigned")}</option>}
      {people.map((c) => <option key={c.username} value={c.username}>{c.displayName}</option>)}
    </select>
  );
}
