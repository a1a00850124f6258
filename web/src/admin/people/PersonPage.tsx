/**
 * `#/admin/people?u=<username>`: one person — edit their details, issue a one-time code,
 * deactivate them with a handover of their open work (all of it moves, or nothing), reactivate.
 */
import { useState } from "preact/hooks";
import { Field, LoadError, Loading, Page, refusalText, useQuery } from "../../components";
import { errorText, lang, t, term } from "../../i18n";
import { formatDateTime } from "../../lib/dates";
import { gql, isUserError, type UserError } from "../../lib/graphql";
import { DEACTIVATE_USER, ISSUE_RESET_CODE, MOVE_USER, PEOPLE, PERSON_DETAIL, REACTIVATE_USER, UPDATE_USER } from "../../queries";
import { AreaPicker } from "./AreaPicker";
import { notice, type Me } from "../../state";
import type { PersonRow } from "./People";

type Answer = { __typename: string; [key: string]: unknown } & Partial<UserError>;

async function send(document: string, variables: Record<string, unknown>, name: string): Promise<Answer> {
  const data = await gql<Record<string, Answer>>(document, variables);
  return data[name]!;
}

export function PersonPage({ me, username }: { me: Me; username: string }) {
  const q = useQuery<{ person: PersonRow | null }>(PERSON_DETAIL, { username });
  const p = q.data?.person;
  return (
    <Page title={p ? p.displayName : t("people")}>
      <p><a href="#/admin/people">← {t("peopleTitle")}</a></p>
      {q.loading && !q.data && <Loading />}
      {q.error && <LoadError error={q.error} reload={q.reload} />}
      {q.data && !p && <p class="muted">{t("notFound")}</p>}
      {p && <PersonCard p={p} />}
      {p && <EditDetails key={p.username + p.displayName} p={p} onDone={q.reload} />}
      {p && p.isActive && (p.role === "VOLUNTEER" || me.role === "ADMIN") && (
        <Duties key={`${p.username}:${p.mentor?.username}:${p.isUnitHead}:${p.isExtensionApprover}`} me={me} p={p} onDone={q.reload} />
      )}
      {p && p.isActive && (p.role === "VOLUNTEER" || p.role === "MENTOR") && <Move me={me} p={p} onDone={q.reload} />}
      {p && p.isActive && <ResetCode p={p} onDone={q.reload} />}
      {p && p.isActive && p.username !== me.username && <Deactivate me={me} p={p} onDone={q.reload} />}
      {p && !p.isActive && <Reactivate p={p} onDone={q.reload} />}
    </Page>
  );
}

function PersonCard({ p }: { p: PersonRow }) {
  const language = lang.get();
  return (
    <dl class="card facts">
      <dt>{t("username")}</dt><dd>{p.username}</dd>
      <dt>{t("role")}</dt><dd>{term(p.role)}</dd>
      <dt>{t("area")}</dt><dd>{p.areaCode ?? "–"}{p.orgUnitCode && ` · ${p.orgUnitCode}`}</dd>
      {p.mentor && <><dt>{t("mentorLabel")}</dt><dd>{p.mentor.displayName}</dd></>}
      <dt>{t("deskStatus")}</dt>
      <dd>{p.isActive ? t("statusActive") : <strong>{t("statusInactive")}</strong>}
        {p.deactivatedAt && <> · {formatDateTime(p.deactivatedAt, language)}</>}</dd>
      <dt>{t("lastSignIn")}</dt><dd>{p.lastSignInAt ? formatDateTime(p.lastSignInAt, language) : t("never")}</dd>
    </dl>
  );
}

function EditDetails({ p, onDone }: { p: PersonRow; onDone: () => void }) {
  const [values, setValues] = useState({ displayName: p.displayName, phone: p.phone ?? "", email: p.email ?? "" });
  const [error, setError] = useState<{ field?: string; text: string } | null>(null);
  async function save(event: Event) {
    event.preventDefault();
    setError(null);
    try {
      const answer = await send(UPDATE_USER, { username: p.username, input: values }, "updateUser");
      if (isUserError(answer)) setError({ field: answer.field ?? undefined, text: errorText(answer as UserError) });
      else { notice.set(t("saved")); onDone(); }
    } catch (e) {
      setError({ text: refusalText(e) });
    }
  }
  const input = (key: keyof typeof values, label: string, type: "text" | "tel" | "email" = "text") => (
    <Field id={`e-${key}`} label={label} error={error?.field === key ? error.text : null}>
      <input id={`e-${key}`} type={type as "text"} value={values[key]} aria-describedby={`e-${key}-msg`}
             onInput={(e) => setValues({ ...values, [key]: e.currentTarget.value })} />
    </Field>
  );
  return (
    <form class="card" onSubmit={save} noValidate aria-labelledby="edit-title">
      <h2 id="edit-title">{t("edit")}</h2>
      {input("displayName", t("displayName"))}
      {input("phone", t("phoneLabel"), "tel")}
      {input("email", t("emailLabel"), "email")}
      {error && !error.field && <p class="error" role="alert">{error.text}</p>}
      <button class="btn secondary" type="submit">{t("saveChanges")}</button>
    </form>
  );
}

function ResetCode({ p, onDone }: { p: PersonRow; onDone: () => void }) {
  const [code, setCode] = useState<{ code: string; until: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  async function issue() {
    setError(null);
    try {
      const answer = await send(ISSUE_RESET_CODE, { username: p.username }, "issueResetCode");
      if (isUserError(answer)) setError(errorText(answer as UserError));
      else { setCode({ code: String(answer.oneTimeCode), until: String(answer.codeExpiresAt) }); onDone(); }
    } catch (e) {
      setError(refusalText(e));
    }
  }
  return (
    <section class="card" aria-labelledby="code-title">
      <h2 id="code-title">{t("oneTimeCode")}</h2>
      {code ? (
        <div role="status">
          <p class="one-time-code" lang="en">{code.code}</p>
          <p>{t("oneTimeCodeHow", { name: p.displayName, username: p.username, until: formatDateTime(code.until, lang.get()) })}</p>
        </div>
      ) : <button type="button" class="btn secondary" onClick={() => void issue()}>{t("issueCode")}</button>}
      {error && <p class="error" role="alert">{error}</p>}
    </section>
  );
}

function Deactivate({ me, p, onDone }: { me: Me; p: PersonRow; onDone: () => void }) {
  const [open, setOpen] = useState(false);
  const [to, setTo] = useState("");
  const [error, setError] = useState<string | null>(null);
  const mentor = p.role === "MENTOR";
  const needsHandover = p.role === "VOLUNTEER" || p.role === "COORDINATOR" || mentor;
  const province = (p.areaCode ?? "").slice(0, 2);
  const candidates = useQuery<{ users: { people: PersonRow[] } }>(PEOPLE,
    { filter: { areaCode: province, active: true, role: mentor ? "MENTOR" : "VOLUNTEER" }, first: 100 },
    !open || !needsHandover || !province);
  const people = (candidates.data?.users.people ?? []).filter((c) => c.username !== p.username);
  async function confirm(event: Event) {
    event.preventDefault();
    setError(null);
    try {
      const answer = await send(DEACTIVATE_USER, { username: p.username, handoverTo: to || null }, "deactivateUser");
      if (isUserError(answer)) { setError(errorText(answer as UserError)); return; }
      notice.set(t("deactivated", { name: p.displayName, cases: Number(answer.casesMoved),
                                    referrals: Number(answer.referralsUnassigned), mentees: Number(answer.menteesMoved) }));
      setOpen(false);
      onDone();
    } catch (e) {
      setError(refusalText(e));
    }
  }
  if (!open) {
    return <p><button type="button" class="btn danger" onClick={() => setOpen(true)}>{t("deactivate")}</button></p>;
  }
  return (
    <form class="card subform" onSubmit={confirm} noValidate aria-labelledby="deactivate-title">
      <h2 id="deactivate-title">{t("deactivateTitle", { name: p.displayName })}</h2>
      {needsHandover && (
        <Field id="handover-to" label={mentor ? t("handoverMentees") : t("handoverTo")} hint={t("handoverHint")} error={error}>
          <select id="handover-to" value={to} aria-describedby="handover-to-hint handover-to-msg"
                  aria-invalid={error ? "true" : undefined} onChange={(e) => { setTo(e.currentTarget.value); setError(null); }}>
            <option value="">{t("handoverNone")}</option>
            {!mentor && me.role === "COORDINATOR" && <option value={me.username}>{me.displayName} ({term(me.role)})</option>}
            {people.map((c) => <option key={c.username} value={c.username}>{c.displayName} · {c.areaCode}</option>)}
          </select>
        </Field>
      )}
      {!needsHandover && error && <p class="error" role="alert">{error}</p>}
      <div class="actions">
        <button type="submit" class="btn danger">{t("deactivateConfirm")}</button>
        <button type="button" class="btn link" onClick={() => setOpen(false)}>{t("cancel")}</button>
      </div>
    </form>
  );
}

function Reactivate({ p, onDone }: { p: PersonRow; onDone: () => void }) {
  const [error, setError] = useState<string | null>(null);
  async function go() {
    try {
      const answer = await send(REACTIVATE_USER, { username: p.username }, "reactivateUser");
      if (isUserError(answer)) setError(errorText(answer as UserError));
      else { notice.set(t("reactivated", { name: p.displayName })); onDone(); }
    } catch (e) {
      setError(refusalText(e));
    }
  }
  return (
    <p>
      <button type="button" class="btn primary" onClick={() => void go()}>{t("reactivate")}</button>
      {error && <span class="error" role="alert"> {error}</span>}
    </p>
  );
}

/** A volunteer's mentor; for admins, an officer's duties (head of office, approver). */
function Duties({ me, p, onDone }: { me: Me; p: PersonRow; onDone: () => void }) {
  const province = (p.areaCode ?? "").slice(0, 2);
  const [mentor, setMentor] = useState(p.mentor?.username ?? "");
  const [head, setHead] = useState(!!p.isUnitHead);
  const [approver, setApprover] = useState(!!p.isExtensionApprover);
  const [error, setError] = useState<string | null>(null);
  const mentors = useQuery<{ users: { people: PersonRow[] } }>(PEOPLE,
    { filter: { role: "MENTOR", active: true, areaCode: province }, first: 100 }, p.role !== "VOLUNTEER" || !province);
  const staff = me.role === "ADMIN" && (p.role === "OFFICER" || p.role === "SUPERVISOR" || p.role === "COORDINATOR");
  async function save(event: Event) {
    event.preventDefault();
    setError(null);
    const input: Record<string, unknown> = {};
    if (p.role === "VOLUNTEER") input.mentorUsername = mentor;
    if (staff) { input.isUnitHead = head; input.isExtensionApprover = approver; }
    try {
      const answer = await send(UPDATE_USER, { username: p.username, input }, "updateUser");
      if (isUserError(answer)) setError(errorText(answer as UserError));
      else { notice.set(t("saved")); onDone(); }
    } catch (e) {
      setError(refusalText(e));
    }
  }
  if (p.role !== "VOLUNTEER" && !staff) return null;
  return (
    <form class="card" onSubmit={save} noValidate aria-labelledby="duties-title">
      <h2 id="duties-title">{p.role === "VOLUNTEER" ? t("mentorLabel") : t("duties")}</h2>
      {p.role === "VOLUNTEER" && (
        <Field id="d-mentor" label={t("mentorLabel")} error={error}>
          <select id="d-mentor" value={mentor} aria-describedby="d-mentor-msg" onChange={(e) => setMentor(e.currentTarget.value)}>
            <option value="">{t("noMentor")}</option>
            {(mentors.data?.users.people ?? []).map((m) => <option key={m.username} value={m.username}>{m.displayName}</option>)}
          </select>
        </Field>
      )}
      {staff && (
        <div class="field">
          <label class="check"><input type="checkbox" checked={head} onChange={(e) => setHead(e.currentTarget.checked)} /> {t("isUnitHead")}</label>
          <label class="check"><input type="checkbox" checked={approver} onChange={(e) => setApprover(e.currentTarget.checked)} /> {t("isApprover")}</label>
          {error && <p class="error" role="alert">{error}</p>}
        </div>
      )}
      <button class="btn secondary" type="submit">{t("saveChanges")}</button>
    </form>
  );
}

/** Appointed to another area: their open cases (a mentor: their volunteers) stay behind with
 * someone of the old area, chosen here; all move or nothing does. */
function Move({ me, p, onDone }: { me: Me; p: PersonRow; onDone: () => void }) {
  const [open, setOpen] = useState(false);
  const [area, setArea] = useState(p.areaCode ?? "");
  const [to, setTo] = useState("");
  const [error, setError] = useState<string | null>(null);
  const mentor = p.role === "MENTOR";
  const province = (p.areaCode ?? "").slice(0, 2);
  const candidates = useQuery<{ users: { people: PersonRow[] } }>(PEOPLE,
    { filter: { areaCode: province, active: true, role: mentor ? "MENTOR" : "VOLUNTEER" }, first: 100 }, !open || !province);
  async function confirm(event: Event) {
    event.preventDefault();
    setError(null);
    try {
      const answer = await send(MOVE_USER, { username: p.username, areaCode: area, handoverTo: to || null }, "moveUser");
      if (isUserError(answer)) { setError(errorText(answer as UserError)); return; }
      notice.set(t("moved", { name: p.displayName, area, cases: Number(answer.casesMoved), mentees: Number(answer.menteesMoved) }));
      setOpen(false);
      onDone();
    } catch (e) {
      setError(refusalText(e));
    }
  }
  if (!open) return <p><button type="button" class="btn secondary" onClick={() => setOpen(true)}>{t("moveArea")}</button></p>;
  return (
    <form class="card subform" onSubmit={confirm} noValidate aria-labelledby="move-title">
      <h2 id="move-title">{t("moveTitle", { name: p.displayName })}</h2>
      <AreaPicker province={me.role === "ADMIN" ? null : province} value={area} onChange={setArea} />
      <Field id="move-to" label={mentor ? t("handoverMentees") : t("handoverTo")} hint={t("handoverHint")} error={error}>
        <select id="move-to" value={to} aria-describedby="move-to-hint move-to-msg" aria-invalid={error ? "true" : undefined}
                onChange={(e) => { setTo(e.currentTarget.value); setError(null); }}>
          <option value="">{t("handoverNone")}</option>
          {!mentor && me.role === "COORDINATOR" && <option value={me.username}>{me.displayName} ({term(me.role)})</option>}
          {(candidates.data?.users.people ?? []).filter((c) => c.username !== p.username)
            .map((c) => <option key={c.username} value={c.username}>{c.displayName} · {c.areaCode}</option>)}
        </select>
      </Field>
      <div class="actions">
        <button type="submit" class="btn primary">{t("moveConfirm")}</button>
        <button type="button" class="btn link" onClick={() => setOpen(false)}>{t("cancel")}</button>
      </div>
    </form>
  );
}
