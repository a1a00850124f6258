/**
 * `#/admin/people?new=1`: a new person. They get a one-time code, shown here once, to sign in
 * and choose a password; nobody ever sets a password for someone else.
 */
import { useState } from "preact/hooks";
import { Field, Page, refusalText, useQuery } from "../../components";
import { errorText, lang, nameOf, t, term } from "../../i18n";
import { formatDateTime } from "../../lib/dates";
import { gql, isUserError, type UserError } from "../../lib/graphql";
import { CREATE_USER, ORG_UNITS, PEOPLE } from "../../queries";
import type { Me } from "../../state";
import { provinceOf } from "../../desk/Desk";
import { AreaPicker } from "./AreaPicker";
import { rolesFor, type PersonRow } from "./People";

type Created = { __typename: string; oneTimeCode?: string; codeExpiresAt?: string; person?: PersonRow } & Partial<UserError>;
const FIELDS = ["username", "displayName", "role", "areaCode", "orgUnitCode", "mentorUsername", "phone", "email"] as const;

export function NewPerson({ me }: { me: Me }) {
  const province = me.role === "ADMIN" ? null : provinceOf(me);
  const [values, setValues] = useState<Record<string, string>>({ role: "VOLUNTEER", areaCode: province ?? "" });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [made, setMade] = useState<{ person: PersonRow; code: string; until: string } | null>(null);
  const set = (k: string, v: string) => { setValues({ ...values, [k]: v }); setErrors({}); };
  const scope = (values.areaCode ?? "").slice(0, 2);
  const mentors = useQuery<{ users: { people: PersonRow[] } }>(PEOPLE,
    { filter: { role: "MENTOR", active: true, areaCode: scope }, first: 100 }, values.role !== "VOLUNTEER" || !scope);
  const offices = useQuery<{ orgUnits: { code: string; nameTh: string; nameEn: string }[] }>(ORG_UNITS,
    { provinceCode: scope }, !["OFFICER", "COORDINATOR"].includes(values.role ?? "") || !scope);

  async function submit(event: Event) {
    event.preventDefault();
    const found: Record<string, string> = {};
    if (!values.username?.trim()) found.username = t("required", { field: t("username") });
    if (!values.displayName?.trim()) found.displayName = t("required", { field: t("displayName") });
    if (["VOLUNTEER", "MENTOR", "COORDINATOR"].includes(values.role!) && !values.areaCode)
      found.areaCode = t("required", { field: t("area") });
    if (values.role === "VOLUNTEER" && (values.areaCode ?? "").length !== 6)
      found.areaCode = t("required", { field: t("subdistrict") });
    setErrors(found);
    if (Object.keys(found).length) return;
    setBusy(true);
    try {
      const input = Object.fromEntries(FIELDS.filter((k) => values[k]?.trim()).map((k) => [k, values[k]!.trim()]));
      const data = await gql<{ createUser: Created }>(CREATE_USER, { input });
      const answer = data.createUser;
      if (isUserError(answer)) {
        const error = answer as UserError;
        setErrors({ [error.field ?? "form"]: errorText(error) });
        return;
      }
      setMade({ person: answer.person!, code: answer.oneTimeCode!, until: answer.codeExpiresAt! });
    } catch (error) {
      setErrors({ form: refusalText(error) });
    } finally {
      setBusy(false);
    }
  }

  if (made) {
    return (
      <Page title={t("created", { name: made.person.displayName })}>
        <div class="card code-card" role="status">
          <h2>{t("oneTimeCode")}</h2>
          <p class="one-time-code" lang="en">{made.code}</p>
          <p>{t("oneTimeCodeHow", { name: made.person.displayName, username: made.person.username,
                                    until: formatDateTime(made.until, lang.get()) })}</p>
          <div class="actions">
            <a class="btn primary" href={`#/admin/people?u=${encodeURIComponent(made.person.username)}`}>{made.person.displayName}</a>
            <a class="btn secondary" href="#/admin/people?new=1" onClick={() => setMade(null)}>+ {t("addPerson")}</a>
          </div>
        </div>
      </Page>
    );
  }

  const text = (key: string, label: string, type: "text" | "tel" | "email" = "text", hint?: string) => (
    <Field id={`p-${key}`} label={label} error={errors[key]} hint={hint}>
      <input id={`p-${key}`} type={type as "text"} value={values[key] ?? ""} autoComplete="off"
             aria-describedby={`p-${key}-msg`} aria-invalid={errors[key] ? "true" : undefined}
             onInput={(e) => set(key, e.currentTarget.value)} />
    </Field>
  );
  return (
    <Page title={t("addPerson")}>
      <form class="card" onSubmit={submit} noValidate>
        {text("displayName", t("displayName"))}
        {text("username", t("username"), "text", "a–z 0–9 . _ -")}
        <Field id="p-role" label={t("role")} error={errors.role}>
          <select id="p-role" value={values.role} onChange={(e) => set("role", e.currentTarget.value)}>
            {rolesFor(me).map((r) => <option key={r} value={r}>{term(r)}</option>)}
          </select>
        </Field>
        <AreaPicker province={province} value={values.areaCode ?? ""} error={errors.areaCode}
                    onChange={(code) => set("areaCode", code)} />
        {(values.role === "OFFICER" || values.role === "COORDINATOR") && (
          <Field id="p-orgUnitCode" label={t("officeLabel")} error={errors.orgUnitCode}>
            <select id="p-orgUnitCode" value={values.orgUnitCode ?? ""} onChange={(e) => set("orgUnitCode", e.currentTarget.value)}>
              <option value="">–</option>
              {(offices.data?.orgUnits ?? []).map((o) => <option key={o.code} value={o.code}>{o.code} {nameOf(o)}</option>)}
            </select>
          </Field>
        )}
        {values.role === "VOLUNTEER" && (
          <Field id="p-mentorUsername" label={t("mentorLabel")} error={errors.mentorUsername}>
            <select id="p-mentorUsername" value={values.mentorUsername ?? ""} onChange={(e) => set("mentorUsername", e.currentTarget.value)}>
              <option value="">{t("noMentor")}</option>
              {(mentors.data?.users.people ?? []).map((m) => <option key={m.username} value={m.username}>{m.displayName}</option>)}
            </select>
          </Field>
        )}
        {text("phone", t("phoneLabel"), "tel")}
        {text("email", t("emailLabel"), "email")}
        {errors.form && <p class="error" role="alert">{errors.form}</p>}
        <button class="btn primary block" type="submit" disabled={busy}>{busy ? t("loading") : t("create")}</button>
      </form>
    </Page>
  );
}
