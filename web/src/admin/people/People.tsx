/**
 * `#/admin/people`: the people an admin (everyone) or a coordinator (their province's
 * volunteers and mentors) manages — search and filters in the route, a table on a desk and a
 * list on a phone; `?u=<username>` opens one person, `?new=1` the form for a new one.
 */
import { useEffect, useState } from "preact/hooks";
import { LoadError, Loading, Page, useQuery } from "../../components";
import { lang, t, term } from "../../i18n";
import { formatDateTime } from "../../lib/dates";
import { useSignal } from "../../lib/store";
import { PEOPLE } from "../../queries";
import { navigate, type Me } from "../../state";
import { NewPerson } from "./NewPerson";
import { PersonPage } from "./PersonPage";
import { exportPeople } from "../import/transfer";
import "../../desk/desk.css";

export interface PersonRow {
  username: string; displayName: string; role: string; areaCode: string | null; orgUnitCode: string | null;
  phone: string | null; email: string | null; isActive: boolean; mustChangePassword: boolean; hasOpenCode: boolean;
  isUnitHead?: boolean; isExtensionApprover?: boolean;
  lastSignInAt: string | null; deactivatedAt: string | null; createdAt: string;
  mentor: { username: string; displayName: string } | null;
}

export const ROLES = ["VOLUNTEER", "MENTOR", "COORDINATOR", "OFFICER", "SUPERVISOR", "ADMIN"];
export const rolesFor = (me: Me) => (me.role === "ADMIN" ? ROLES : ["VOLUNTEER", "MENTOR"]);
const BASE = "/admin/people";

export function People({ me, query }: { me: Me; query: string }) {
  const params = new URLSearchParams(query);
  const username = params.get("u");
  if (params.get("new") === "1") return <NewPerson me={me} />;
  if (username) return <PersonPage me={me} username={username} />;
  return <PeopleList me={me} params={params} />;
}

function PeopleList({ me, params }: { me: Me; params: URLSearchParams }) {
  const language = useSignal(lang);
  const text = params.get("q") ?? "";
  const role = ROLES.includes(params.get("role") ?? "") ? params.get("role") : null;
  const active = params.get("active") === "0" ? false : params.get("active") === "all" ? null : true;
  const [search, setSearch] = useState(text);
  useEffect(() => setSearch(text), [text]);
  const filter = { ...(text ? { text } : {}), ...(role ? { role } : {}), ...(active === null ? {} : { active }) };
  const q = useQuery<{ users: { totalCount: number; people: PersonRow[] } }>(PEOPLE, { filter, first: 100 });

  function show(next: Record<string, string | null>) {
    const merged = new URLSearchParams(params);
    for (const [k, v] of Object.entries(next)) {
      if (v === null || v === "") merged.delete(k);
      else merged.set(k, v);
    }
    const qs = merged.toString();
    navigate(`${BASE}${qs ? "?" + qs : ""}`);
  }

  const rows = q.data?.users.people ?? [];
  return (
    <Page title={t("peopleTitle")} actions={
      <><a class="btn primary" href={`#${BASE}?new=1`}>+ {t("addPerson")}</a>
        <button type="button" class="btn secondary" onClick={() => void exportPeople().catch(() => alert(t("importFailed")))}>{t("exportPeople")}</button></>}>
      <div class="desk">
        <form class="desk-search" role="search" onSubmit={(e) => { e.preventDefault(); show({ q: search.trim() }); }}>
          <label for="people-q">{t("peopleSearch")}</label>
          <div class="desk-search-row">
            <input id="people-q" type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
            <button class="btn primary" type="submit">{t("deskSearch")}</button>
          </div>
        </form>
        <fieldset class="desk-filters">
          <legend>{t("deskFilters")}</legend>
          <label>{t("role")}
            <select value={role ?? ""} onChange={(e) => show({ role: e.currentTarget.value || null })}>
              <option value="">{t("anyRole")}</option>
              {rolesFor(me).map((r) => <option key={r} value={r}>{term(r)}</option>)}
            </select>
          </label>
          <label>{t("deskStatus")}
            <select value={active === null ? "all" : active ? "1" : "0"}
                    onChange={(e) => show({ active: e.currentTarget.value === "1" ? null : e.currentTarget.value })}>
              <option value="1">{t("activeOnly")}</option>
              <option value="0">{t("inactiveOnly")}</option>
              <option value="all">{t("anyStatus")}</option>
            </select>
          </label>
        </fieldset>
        {q.loading && !q.data && <Loading />}
        {q.error && <LoadError error={q.error} reload={q.reload} />}
        {q.data && !rows.length && <p class="muted" role="status">{t("peopleNone")}</p>}
        {rows.length > 0 && (
          <div class="desk-scroll">
            <table class="desk-table">
              <caption>{t("peopleCount", { n: q.data!.users.totalCount })}</caption>
              <thead><tr>
                <th scope="col">{t("displayName")}</th><th scope="col">{t("username")}</th>
                <th scope="col">{t("role")}</th><th scope="col">{t("area")}</th>
                <th scope="col">{t("phoneLabel")}</th><th scope="col">{t("lastSignIn")}</th>
                <th scope="col">{t("deskStatus")}</th>
              </tr></thead>
              <tbody>
                {rows.map((p) => (
                  <tr key={p.username}>
                    <th scope="row"><a href={`#${BASE}?u=${encodeURIComponent(p.username)}`}>{p.displayName}</a></th>
                    <td>{p.username}</td><td>{term(p.role)}</td><td>{p.areaCode ?? p.orgUnitCode ?? "–"}</td>
                    <td class="nowrap">{p.phone ?? "–"}</td>
                    <td class="nowrap">{p.lastSignInAt ? formatDateTime(p.lastSignInAt, language) : t("never")}</td>
                    <td>{p.isActive ? t("statusActive") : <strong>{t("statusInactive")}</strong>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </Page>
  );
}
