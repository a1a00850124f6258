/** `#/admin/offices`: the offices (org units) of a province; add one (e.g. a Bangkok area
 * branch, SSO-10-03) and rename (issue 13, part 5). */
import { useState } from "preact/hooks";
import { Field, LoadError, Loading, Page, useQuery } from "../../components";
import { lang, nameOf, t } from "../../i18n";
import { useSignal } from "../../lib/store";
import { ADD_ORG_UNIT, REF_OFFICES, RENAME_ORG_UNIT } from "../../queries";
import { change, SaidLine, useSaid } from "./common";
import "./reference.css";

interface Office { code: string; nameTh: string; nameEn: string; provinceCode: string }
const AGENCIES = ["OPS", "DOE", "DSD", "DLPW", "SSO"];

function Rename({ office, onDone }: { office: Office; onDone: () => void }) {
  const [th, setTh] = useState(office.nameTh);
  const [en, setEn] = useState(office.nameEn);
  const [said, setSaid] = useSaid();
  const id = `office-${office.code}`;
  async function save(e: Event) {
    e.preventDefault();
    const answer = await change(RENAME_ORG_UNIT, { code: office.code, nameTh: th, nameEn: en });
    setSaid("error" in answer ? answer : { ok: t("refSaved") });
    if (!("error" in answer)) onDone();
  }
  return (
    <form class="card" onSubmit={save}>
      <Field id={`${id}-th`} label={t("refNameTh")}>
        <input id={`${id}-th`} value={th} onInput={(e) => setTh((e.target as HTMLInputElement).value)} />
      </Field>
      <Field id={`${id}-en`} label={t("refNameEn")}>
        <input id={`${id}-en`} lang="en" value={en} onInput={(e) => setEn((e.target as HTMLInputElement).value)} />
      </Field>
      <button class="btn primary" type="submit">{t("refSave")}</button>
      <SaidLine said={said} id={`${id}-said`} />
    </form>
  );
}

export function Offices() {
  useSignal(lang);
  const [province, setProvince] = useState("10");
  const [shown, setShown] = useState("10");
  const q = useQuery<{ orgUnits: Office[] }>(REF_OFFICES, { provinceCode: shown });
  const [open, setOpen] = useState<string | null>(null);
  const [draft, setDraft] = useState({ code: "", agencyCode: "SSO", nameTh: "", nameEn: "" });
  const [said, setSaid] = useSaid();
  const err = (f: string) => (said && "error" in said && said.field === f ? said.error : null);
  const set = (k: keyof typeof draft) => (e: Event) => setDraft({ ...draft, [k]: (e.target as HTMLInputElement).value });

  async function add(e: Event) {
    e.preventDefault();
    const answer = await change<{ orgUnit: Office }>(ADD_ORG_UNIT, { input: { ...draft, provinceCode: shown } });
    if ("error" in answer) { setSaid(answer); return; }
    setSaid({ ok: t("refOfficeAdded", { code: answer.ok.orgUnit.code }) });
    setDraft({ ...draft, code: "", nameTh: "", nameEn: "" });
    q.reload();
  }

  return (
    <Page title={t("refOffices")}>
      <form class="ref-inline" onSubmit={(e) => { e.preventDefault(); setShown(province.trim()); }}>
        <Field id="office-province" label={t("refProvince")}>
          <input id="office-province" class="narrow" inputMode="numeric" maxLength={2} value={province}
                 onInput={(e) => setProvince((e.target as HTMLInputElement).value)} />
        </Field>
        <button class="btn secondary" type="submit">{t("refShowOffices")}</button>
      </form>
      <div class="ref-grid ref-wide">
        <section aria-label={t("refOffices")}>
          {q.loading && !q.data && <Loading />}
          {q.error && <LoadError error={q.error} reload={q.reload} />}
          <ul class="list" role="list">
            {q.data?.orgUnits.map((o) => (
              <li key={o.code}>
                <div class="row">
                  <span class="row-main"><span class="row-title">{nameOf(o)}</span><span class="row-sub">{o.code}</span></span>
                  <button type="button" class="btn small secondary" aria-expanded={open === o.code}
                          onClick={() => setOpen(open === o.code ? null : o.code)}>{t("refRename")}</button>
                </div>
                {open === o.code && <Rename office={o} onDone={q.reload} />}
              </li>
            ))}
          </ul>
        </section>
        <form class="card" onSubmit={add} aria-labelledby="office-add-h">
          <h2 id="office-add-h">{t("refAddOffice")}</h2>
          <Field id="office-agency" label={t("refAgency")} error={err("agencyCode")}>
            <select id="office-agency" value={draft.agencyCode} onChange={set("agencyCode")}>
              {AGENCIES.map((a) => <option key={a} value={a}>{a}</option>)}
            </select>
          </Field>
          <Field id="office-code" label={t("refCode")} hint={`${draft.agencyCode}-${shown}-03`} error={err("code")}>
            <input id="office-code" value={draft.code} maxLength={20} onInput={set("code")}
                   aria-describedby="office-code-hint office-code-msg" />
          </Field>
          <Field id="office-th" label={t("refNameTh")} error={err("nameTh")}>
            <input id="office-th" value={draft.nameTh} onInput={set("nameTh")} aria-describedby="office-th-msg" />
          </Field>
          <Field id="office-en" label={t("refNameEn")} error={err("nameEn")}>
            <input id="office-en" lang="en" value={draft.nameEn} onInput={set("nameEn")} aria-describedby="office-en-msg" />
          </Field>
          <button class="btn primary" type="submit">{t("refAdd")}</button>
          <SaidLine said={said} id="office-said" />
        </form>
      </div>
    </Page>
  );
}
