import { Fragment } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { describedBy, Field, Page } from "../components";
import { FALLBACK_CATEGORIES, ICONS, type CategoryInfo } from "../categories";
import { errorText, nameOf, t } from "../i18n";
import { gql } from "../lib/graphql";
import { parseBaht } from "../lib/amounts";
import { digitsOf, formatNationalId, nationalIdState } from "../lib/nationalId";
import { asciiDigits, hasPersonalNumbers } from "../lib/personalNumbers";
import { useSignal } from "../lib/store";
import { AREAS, CATEGORIES } from "../queries";
import type { DuplicateWarning } from "../lib/outbox";
import { fileAnyway, navigate, notice, online, outbox, sendAndWait, session, type CaseInput, type Me } from "../state";
import type { QueuedFile } from "../lib/attachments";
import { DuplicateNotice } from "./DuplicateNotice";
import { AttachPicker } from "./Attachments";
import { eventsKey, type OEvent } from "../outreach/common";

interface AreaOption { code: string; nameTh: string; nameEn: string }

/** Reference data (no personal data) is kept in localStorage so the form works offline. */
function readReference<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : fallback;
  } catch {
    return fallback;
  }
}

async function fetchReference<T>(key: string, query: string, variables: Record<string, unknown>,
                                 pick: (data: any) => T): Promise<T> {
  const fresh = pick(await gql(query, variables));
  localStorage.setItem(key, JSON.stringify(fresh));
  return fresh;
}

function districtOf(me: Me): string {
  const area = me.areaCode ?? "";
  return area.length >= 4 ? area.slice(0, 4) : "";
}

const CATEGORIES_KEY = "khortor.ref.categories";
const areasKey = (district: string) => `khortor.ref.areas.${district}`;

/** Fetch what the form needs while there is a signal (called after sign-in). */
export function prefetchReference(me: Me): void {
  const district = districtOf(me);
  void fetchReference(CATEGORIES_KEY, CATEGORIES, {}, (d) => d.categories).catch(() => {});
  if (district) void fetchReference(areasKey(district), AREAS, { parentCode: district }, (d) => d.areas).catch(() => {});
}

function useReference<T>(key: string, query: string, variables: Record<string, unknown>,
                         pick: (data: any) => T, fallback: T): T {
  const [value, setValue] = useState<T>(() => readReference(key, fallback));
  useEffect(() => {
    fetchReference(key, query, variables, pick).then(setValue).catch(() => { /* offline: keep what we have */ });
  }, [key]);
  return value;
}

type Errors = Partial<Record<"category" | "subdistrict" | "fullName" | "nationalId" | "phone" | "juristicId"
  | "amountClaimed" | "consent" | "description" | "form", string>>;

const FIELD_OF: Record<string, keyof Errors> = {
  categoryCode: "category", subdistrictCode: "subdistrict", description: "description",
  "citizen.fullName": "fullName", "citizen.nationalId": "nationalId", "citizen.consent": "consent",
  "citizen.phone": "phone", "employer.juristicId": "juristicId", amountClaimedThb: "amountClaimed",
};
// What the server refuses, checked before the case is queued (domain/cases/commands.py).
const MAX_DESCRIPTION_CHARS = 5000;
const CONTACT_PREFERENCES = ["VIA_VOLUNTEER", "PHONE", "NONE"] as const;

/** A Thai phone number as people write it: 0 and 8–9 digits, or +66 / 66 and 8–9 digits. */
function looksLikeThaiPhone(text: string): boolean {
  const plain = asciiDigits(text).replace(/[\s().-]/g, "");
  return /^0\d{8,9}$/.test(plain) || /^\+?66\d{8,9}$/.test(plain);
}

/** Which control to focus from the error summary. */
const FIELD_ID: Record<string, string> = {
  category: "category-first", subdistrict: "subdistrict", fullName: "fullName", nationalId: "nationalId",
  phone: "phone", juristicId: "juristicId", amountClaimed: "amountClaimed", consent: "consent",
  description: "description",
};

/** `fix`: the clientId of a queued case the server refused, taken back into the form to correct
 * and send again (same clientId: nothing was filed under it). */
export function NewCase({ fix, event: atEvent }: { fix?: string | null; event?: string | null } = {}) {
  const me = useSignal(session)!.user;
  const area = me.areaCode ?? "";
  const district = districtOf(me);
  const categories = useReference<CategoryInfo[]>(CATEGORIES_KEY, CATEGORIES, {},
    (d) => d.categories, FALLBACK_CATEGORIES);
  const subdistricts = useReference<AreaOption[]>(areasKey(district), AREAS,
    { parentCode: district }, (d) => d.areas, area.length === 6 ? [{ code: area, nameTh: area, nameEn: area }] : []);

  const [category, setCategory] = useState("");
  const [subdistrict, setSubdistrict] = useState(area.length === 6 ? area : "");
  const [fullName, setFullName] = useState("");
  const [nationalId, setNationalId] = useState("");
  const [phone, setPhone] = useState("");
  const [employer, setEmployer] = useState("");
  const [juristicId, setJuristicId] = useState("");
  const [employerAddress, setEmployerAddress] = useState("");
  const [amountClaimed, setAmountClaimed] = useState("");
  const [contactPreference, setContactPreference] = useState<string>("VIA_VOLUNTEER");
  const [shared, setShared] = useState(false);
  const [consent, setConsent] = useState(false);
  const [description, setDescription] = useState("");
  // Filed at an outreach event (issue 16): the volunteer's events kept on the phone, open ones.
  const events = readReference<OEvent[]>(eventsKey(me), []).filter((e) => e.status === "ANNOUNCED" || e.status === "HELD");
  const [eventId, setEventId] = useState(atEvent ?? "");
  // Photos and documents, shrunk on the phone; queued with the case, sent after it.
  const [files, setFiles] = useState<QueuedFile[]>([]);
  // A national ID or phone number typed into the story: said before filing (it is not refused).
  const numbersInText = hasPersonalNumbers(description);
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  // The server's duplicate warning for what was just sent: nothing was filed, and the item
  // waits in the outbox (so nothing is lost if the volunteer leaves) for their decision.
  const [duplicate, setDuplicate] = useState<{ clientId: string; warning: DuplicateWarning } | null>(null);
  const summary = useRef<HTMLDivElement>(null);
  const warning = useRef<HTMLDivElement>(null);
  const [fixing, setFixing] = useState<string | null>(null);

  useEffect(() => {
    if (!fix) return;
    void outbox.items(me.username).then((items) => {
      const item = items.find((i) => i.clientId === fix && i.error);
      if (!item || item.kind === "attachments" || item.kind === "outreach") return;
      const input = item.input;
      setFixing(item.clientId);
      setCategory(input.categoryCode);
      setSubdistrict(input.subdistrictCode);
      setDescription(input.description);
      setFullName(input.citizen.fullName);
      setNationalId(input.citizen.nationalId ? formatNationalId(input.citizen.nationalId) : "");
      setPhone(input.citizen.phone ?? "");
      setConsent(input.citizen.consent);
      setContactPreference(input.citizen.contactPreference ?? "VIA_VOLUNTEER");
      setEmployer(input.employer?.name ?? "");
      setJuristicId(input.employer?.juristicId ?? "");
      setEmployerAddress(input.employer?.address ?? "");
      setAmountClaimed(input.amountClaimedThb ?? "");
      setShared(!!input.sharedWithVolunteers);
      setEventId(input.eventId ?? "");
      setFiles(item.files ?? []);
      const error = item.error!;
      const key = FIELD_OF[error.field ?? ""] ?? "form";
      setErrors({ [key]: errorText(error), ...(key === "form" ? {} : { form: t("fixRefused") }) });
      requestAnimationFrame(() => summary.current?.focus());
    });
  }, [fix]);

  const idState = nationalIdState(nationalId);
  // Checked as they type; "too short" only once they have tried to send.
  const idError = idState === "invalid" ? t("nationalIdInvalid")
    : idState === "incomplete" && errors.nationalId ? t("nationalIdIncomplete") : null;
  const clear = (key: keyof Errors) => errors[key] && setErrors(({ [key]: _, ...rest }) => rest);

  function validate(): Errors {
    const e: Errors = {};
    if (!category) e.category = t("required", { field: t("category") });
    if (!subdistrict) e.subdistrict = t("required", { field: t("subdistrict") });
    if (!fullName.trim()) e.fullName = t("required", { field: t("fullName") });
    if (idState === "invalid") e.nationalId = t("nationalIdInvalid");
    if (idState === "incomplete") e.nationalId = t("nationalIdIncomplete");
    if (phone.trim() && !looksLikeThaiPhone(phone)) e.phone = t("phoneInvalid");
    if (juristicId.trim() && nationalIdState(juristicId) !== "valid") e.juristicId = t("juristicIdInvalid");
    if (amountClaimed.trim() && parseBaht(amountClaimed) === null) e.amountClaimed = t("amountInvalid");
    if (!consent) e.consent = t("consentRequired");
    if (!description.trim()) e.description = t("required", { field: t("description") });
    else if (description.trim().length > MAX_DESCRIPTION_CHARS) e.description = t("descriptionTooLong", { max: "5,000" });
    return e;
  }

  async function submit(event: Event) {
    event.preventDefault();
    const found = validate();
    setErrors(found);
    if (Object.keys(found).length) {
      requestAnimationFrame(() => summary.current?.focus());
      return;
    }
    setBusy(true);
    // Changed after a duplicate warning and sent again: the new submission replaces the old.
    if (duplicate) {
      await outbox.discard(duplicate.clientId);
      setDuplicate(null);
    }
    const input: CaseInput = {
      categoryCode: category,
      subdistrictCode: subdistrict,
      description: description.trim(),
      citizen: { fullName: fullName.trim(), nationalId: nationalId.trim() ? formatNationalId(nationalId).replace(/-/g, "") : null,
                 phone: phone.trim() || null, consent, contactPreference },
      employer: employer.trim() ? { name: employer.trim(), juristicId: digitsOf(juristicId) || null,
                                    address: employerAddress.trim() || null } : null,
      capturedAt: new Date().toISOString(),
      amountClaimedThb: amountClaimed.trim() ? parseBaht(amountClaimed) : null,
      sharedWithVolunteers: shared,
      ...(eventId ? { eventId } : {}),
    };
    // Into the outbox first, so nothing is lost if the line drops half-way; then send. A
    // corrected item keeps its clientId: it replaces the refused one.
    const item = await outbox.enqueue(me.username, input, fixing ?? undefined, files);
    setFixing(null);
    if (online.get()) await sendAndWait(item.clientId);
    await settle(item.clientId);
  }

  /** What became of a sent item: filed, warned of a duplicate, refused, or still waiting. */
  async function settle(clientId: string) {
    const left = (await outbox.items(me.username)).find((i) => i.clientId === clientId);
    setBusy(false);
    if (!left) {
      navigate(`/case/${clientId}`);
      return;
    }
    if (left.caseId !== undefined) {
      // Filed; its files carry on uploading (the outbox shows them, and so does the case page).
      navigate(`/case/${left.caseId}`);
      return;
    }
    if (left.duplicate) {
      setDuplicate({ clientId, warning: left.duplicate });
      requestAnimationFrame(() => warning.current?.focus());
      return;
    }
    if (left.error) {
      // Refused by the server: take it back into the form to fix; nothing was filed. Its files
      // stay in the form.
      setFiles(left.files ?? []);
      await outbox.discard(left.clientId);
      const key = FIELD_OF[left.error.field ?? ""] ?? "form";
      setErrors({ [key]: errorText(left.error), ...(key === "form" ? {} : { form: t("fixErrors") }) });
      requestAnimationFrame(() => summary.current?.focus());
      return;
    }
    notice.set(t("savedOffline"));
    navigate("/");
  }

  /** Send the same input again, with the same clientId and `fileAnyway`. */
  async function fileItAnyway() {
    if (!duplicate) return;
    setBusy(true);
    const { clientId } = duplicate;
    setDuplicate(null);
    if (await fileAnyway(clientId)) await settle(clientId);
    else setBusy(false);
  }

  /** Do not file: the warned item leaves the outbox; the form keeps what was entered. */
  async function dontFile() {
    if (!duplicate) return;
    await outbox.discard(duplicate.clientId);
    setDuplicate(null);
  }

  const errorList = Object.entries(errors).filter(([k]) => k !== "form");
  return (
    <Page title={t("newCase")}>
      {/* The blocks that come and go carry keys: unkeyed, Preact may match one that appears
          with a sibling of the same type and move that sibling's DOM, losing what was typed in
          it (the name did, when the volunteer's events arrived while the form was open). */}
      <form class="card" onSubmit={submit} noValidate>
        {duplicate && (
          <div key="duplicate" ref={warning} tabIndex={-1} role="alert" class="decision">
            <DuplicateNotice warning={duplicate.warning} />
            <div class="actions">
              <button type="button" class="btn primary" disabled={busy} onClick={() => void fileItAnyway()}>
                {t("fileAnyway")}
              </button>
              <button type="button" class="btn secondary" disabled={busy} onClick={() => void dontFile()}>
                {t("dontFile")}
              </button>
            </div>
          </div>
        )}
        <div ref={summary} tabIndex={-1} role={Object.keys(errors).length ? "alert" : undefined}>
          {Object.keys(errors).length > 0 && (
            <div class="alert">
              <p>{errors.form ?? t("fixErrors")}</p>
              <ul>{errorList.map(([k, v]) => (
                <li key={k}><a href={`#${FIELD_ID[k]}`} onClick={(e) => {
                  e.preventDefault(); // the hash is the app's router: move focus instead
                  const el = document.getElementById(FIELD_ID[k]!) ?? document.querySelector<HTMLElement>(`[name=${k}]`);
                  el?.focus();
                }}>{v}</a></li>
              ))}</ul>
            </div>
          )}
        </div>

        {(events.length > 0 || eventId) && (
          <Field key="eventId" id="eventId" label={t("outreach")}>
            <select id="eventId" value={eventId} onChange={(e) => setEventId(e.currentTarget.value)}>
              <option value="">{t("notAtEvent")}</option>
              {events.map((e) => <option key={e.id} value={e.id}>{t("filedAtEvent", { title: e.title })}</option>)}
            </select>
          </Field>
        )}

        <fieldset class={errors.category ? "field has-error" : "field"}>
          <legend>{t("category")}</legend>
          <div class="cat-grid">
            {categories.map((c) => (
              <label key={c.code} class={category === c.code ? "cat selected" : "cat"}>
                <input type="radio" name="category" value={c.code} checked={category === c.code}
                       id={c === categories[0] ? "category-first" : undefined}
                       onChange={() => { setCategory(c.code); clear("category"); }} />
                <span class="cat-icon" aria-hidden="true">{ICONS[c.code] ?? "💬"}</span>
                <span>{nameOf(c)}</span>
              </label>
            ))}
          </div>
          {errors.category && <p class="error">{errors.category}</p>}
        </fieldset>

        <Field id="subdistrict" label={t("subdistrict")} error={errors.subdistrict}>
          <select id="subdistrict" value={subdistrict} aria-describedby={describedBy("subdistrict")}
                  onChange={(e) => { setSubdistrict(e.currentTarget.value); clear("subdistrict"); }}>
            {!subdistrict && <option value="">—</option>}
            {subdistricts.map((a) => <option key={a.code} value={a.code}>{nameOf(a)} ({a.code})</option>)}
          </select>
        </Field>

        <h2 class="section">{t("citizen")}</h2>
        <Field id="fullName" label={t("fullName")} error={errors.fullName}>
          <input id="fullName" autocomplete="off" value={fullName} aria-describedby={describedBy("fullName")}
                 aria-invalid={errors.fullName ? "true" : undefined}
                 onInput={(e) => { setFullName(e.currentTarget.value); clear("fullName"); }} />
        </Field>
        <Field id="nationalId" label={t("nationalId")} hint={t("nationalIdHint")}
               error={idError}
               ok={idState === "valid" ? t("nationalIdValid") : null}>
          <input id="nationalId" inputMode="numeric" autocomplete="off" maxLength={17}
                 value={nationalId} aria-describedby={describedBy("nationalId", true)}
                 aria-invalid={idError ? "true" : undefined}
                 onInput={(e) => setNationalId(e.currentTarget.value)} />
        </Field>
        <Field id="phone" label={t("phone")} error={errors.phone}>
          <input id="phone" type="tel" inputMode="tel" autocomplete="off" value={phone}
                 aria-describedby={describedBy("phone")} aria-invalid={errors.phone ? "true" : undefined}
                 onInput={(e) => { setPhone(e.currentTarget.value); clear("phone"); }} />
        </Field>
        <Field id="contactPreference" label={t("contactPreference")}>
          <select id="contactPreference" value={contactPreference}
                  onChange={(e) => setContactPreference(e.currentTarget.value)}>
            {CONTACT_PREFERENCES.map((c) => <option key={c} value={c}>{t(`contact.${c}`)}</option>)}
          </select>
        </Field>
        <Field id="employer" label={t("employerName")} hint={t("employer")}>
          <input id="employer" autocomplete="off" value={employer} aria-describedby={describedBy("employer", true)}
                 onInput={(e) => setEmployer(e.currentTarget.value)} />
        </Field>
        {employer.trim() && <Fragment key="employer-details">
          <Field id="juristicId" label={t("juristicId")} hint={t("juristicIdHint")} error={errors.juristicId}>
            <input id="juristicId" inputMode="numeric" autocomplete="off" maxLength={17} value={juristicId}
                   aria-describedby={describedBy("juristicId", true)} aria-invalid={errors.juristicId ? "true" : undefined}
                   onInput={(e) => { setJuristicId(e.currentTarget.value); clear("juristicId"); }} />
          </Field>
          <Field id="employerAddress" label={t("employerAddress")}>
            <textarea id="employerAddress" rows={2} value={employerAddress}
                      onInput={(e) => setEmployerAddress(e.currentTarget.value)} />
          </Field>
        </Fragment>}
        <Field id="amountClaimed" label={t("amountClaimed")} hint={t("amountHint")} error={errors.amountClaimed}>
          <input id="amountClaimed" inputMode="decimal" autocomplete="off" value={amountClaimed}
                 aria-describedby={describedBy("amountClaimed", true)} aria-invalid={errors.amountClaimed ? "true" : undefined}
                 onInput={(e) => { setAmountClaimed(e.currentTarget.value); clear("amountClaimed"); }} />
        </Field>

        <Field id="description" label={t("description")} hint={t("descriptionHint")} error={errors.description}>
          <textarea id="description" rows={5} value={description}
                    aria-describedby={describedBy("description", true) + (numbersInText ? " description-warn" : "")}
                    aria-invalid={errors.description ? "true" : undefined}
                    onInput={(e) => { setDescription(e.currentTarget.value); clear("description"); }} />
          {numbersInText && <p class="warning" id="description-warn" role="status">{t("descriptionHasNumbers")}</p>}
        </Field>

        <AttachPicker files={files} onChange={setFiles} />

        <div class="field check">
          <input id="shared" type="checkbox" checked={shared} onChange={(e) => setShared(e.currentTarget.checked)} />
          <label for="shared">{t("shareWithArea")}</label>
        </div>

        <div class={errors.consent ? "field check has-error" : "field check"}>
          <input id="consent" type="checkbox" checked={consent} aria-describedby="consent-msg"
                 onChange={(e) => { setConsent(e.currentTarget.checked); clear("consent"); }} />
          <label for="consent">{t("consent")}</label>
          <p class="error" id="consent-msg" aria-live="polite">{errors.consent ?? ""}</p>
        </div>

        <button class="btn primary block" type="submit" disabled={busy}>
          {busy ? t("sending") : t("submitCase")}
        </button>
      </form>
    </Page>
  );
}
