/** `#/admin/categories`: problem types with their SLA policy; add, edit (optionally recompute
 * open deadlines), deactivate, delete an unused one (issue 13, part 5). */
import { useState } from "preact/hooks";
import { Field, LoadError, Loading, Page, useQuery } from "../../components";
import { type Key, lang, nameOf, t } from "../../i18n";
import { useSignal } from "../../lib/store";
import { CREATE_CATEGORY, DELETE_CATEGORY, REF_CATEGORIES, UPDATE_CATEGORY } from "../../queries";
import { change, type Said, SaidLine, useSaid } from "./common";
import "./reference.css";

export interface RefCategory {
  code: string; nameTh: string; nameEn: string; agencyCode: string; priority: string;
  acceptBusinessDays: number; resolveBusinessDays: number; legalClock: boolean; active: boolean; version: number;
}
type Draft = Omit<RefCategory, "version">;
const AGENCIES = ["OPS", "DOE", "DSD", "DLPW", "SSO"];
const PRIORITIES = ["LOW", "NORMAL", "HIGH", "URGENT"];
const priorityWord = (p: string) => t(`refPrio${p}` as Key);
const EMPTY: Draft = { code: "", nameTh: "", nameEn: "", agencyCode: "DLPW", priority: "NORMAL",
  acceptBusinessDays: 2, resolveBusinessDays: 30, legalClock: false, active: true };

function CategoryForm({ start, version, onDone }: { start: Draft; version: number | null; onDone: () => void }) {
  const [d, setD] = useState<Draft>(start);
  const [recompute, setRecompute] = useState(false);
  const [said, setSaid] = useSaid();
  const set = (k: keyof Draft) => (e: Event) => {
    const el = e.target as HTMLInputElement;
    const value = el.type === "checkbox" ? el.checked : el.type === "number" ? Number(el.value) : el.value;
    setD({ ...d, [k]: value });
  };
  const err = (f: string) => (said && "error" in said && said.field === f ? said.error : null);
  const id = (f: string) => `cat-${version === null ? "new" : d.code}-${f}`;

  async function save(e: Event) {
    e.preventDefault();
    const { code, ...input } = d;
    const answer = version === null
      ? await change(CREATE_CATEGORY, { code, input })
      : await change<{ referralsMoved: number }>(UPDATE_CATEGORY, { code, version, input, recomputeDeadlines: recompute });
    if ("error" in answer) { setSaid(answer); return; }
    const moved = (answer.ok as { referralsMoved?: number }).referralsMoved ?? 0;
    setSaid({ ok: moved ? t("refSavedMoved", { n: moved }) : t("refSaved") } as Said);
    onDone();
  }

  return (
    <form class="card" onSubmit={save}>
      {version === null && (
        <Field id={id("code")} label={t("refCode")} error={err("code")}>
          <input id={id("code")} value={d.code} maxLength={40} onInput={set("code")} aria-describedby={`${id("code")}-msg`} />
        </Field>
      )}
      <Field id={id("th")} label={t("refNameTh")} error={err("nameTh")}>
        <input id={id("th")} value={d.nameTh} onInput={set("nameTh")} aria-describedby={`${id("th")}-msg`} />
      </Field>
      <Field id={id("en")} label={t("refNameEn")} error={err("nameEn")}>
        <input id={id("en")} value={d.nameEn} lang="en" onInput={set("nameEn")} aria-describedby={`${id("en")}-msg`} />
      </Field>
      <div class="ref-inline">
        <Field id={id("agency")} label={t("refAgency")} error={err("agencyCode")}>
          <select id={id("agency")} value={d.agencyCode} onChange={set("agencyCode")}>
            {AGENCIES.map((a) => <option key={a} value={a}>{a}</option>)}
          </select>
        </Field>
        <Field id={id("priority")} label={t("refPriority")} error={err("priority")}>
          <select id={id("priority")} value={d.priority} onChange={set("priority")}>
            {PRIORITIES.map((p) => <option key={p} value={p}>{priorityWord(p)}</option>)}
          </select>
        </Field>
      </div>
      <div class="ref-inline">
        <Field id={id("accept")} label={t("refAcceptDays")} error={err("acceptBusinessDays")}>
          <input id={id("accept")} class="narrow" type="number" min={0} max={30} value={d.acceptBusinessDays}
                 onInput={set("acceptBusinessDays")} aria-describedby={`${id("accept")}-msg`} />
        </Field>
        <Field id={id("resolve")} label={t("refResolveDays")} error={err("resolveBusinessDays")}>
          <input id={id("resolve")} class="narrow" type="number" min={1} max={365} value={d.resolveBusinessDays}
                 onInput={set("resolveBusinessDays")} aria-describedby={`${id("resolve")}-msg`} />
        </Field>
      </div>
      <div class="field check">
        <input id={id("legal")} type="checkbox" checked={d.legalClock} onChange={set("legalClock")} />
        <label for={id("legal")}>{t("refLegalClock")}</label>
      </div>
      <div class="field check">
        <input id={id("active")} type="checkbox" checked={d.active} onChange={set("active")} />
        <label for={id("active")}>{t("refActive")}</label>
      </div>
      {version !== null && (
        <div class="field check">
          <input id={id("recompute")} type="checkbox" checked={recompute}
                 onChange={(e) => setRecompute((e.target as HTMLInputElement).checked)} aria-describedby={`${id("recompute")}-hint`} />
          <label for={id("recompute")}>{t("refRecompute")}</label>
          <p class="hint" id={`${id("recompute")}-hint`}>{t("refRecomputeHint")}</p>
        </div>
      )}
      <button class="btn primary" type="submit">{t("refSave")}</button>
      <SaidLine said={said} id={id("said")} />
    </form>
  );
}

export function Categories() {
  useSignal(lang);
  const q = useQuery<{ categories: RefCategory[] }>(REF_CATEGORIES);
  const [open, setOpen] = useState<string | null>(null);
  const [said, setSaid] = useSaid();

  async function remove(code: string) {
    const answer = await change(DELETE_CATEGORY, { code });
    setSaid("error" in answer ? answer : { ok: t("refDeleted") });
    q.reload();
  }

  return (
    <Page title={t("refCategories")}>
      {q.loading && !q.data && <Loading />}
      {q.error && <LoadError error={q.error} reload={q.reload} />}
      <SaidLine said={said} id="cat-said" />
      <ul class="list" role="list">
        {q.data?.categories.map((c) => (
          <li key={`${c.code}-${c.version}`}>
            <div class="row">
              <span class="row-main">
                <span class="row-title">{nameOf(c)} {!c.active && <span class="badge">{t("refInactive")}</span>}</span>
                <span class="row-sub">{c.code} · {c.agencyCode} · {priorityWord(c.priority)} · {t("refDays", { a: c.acceptBusinessDays, r: c.resolveBusinessDays })}</span>
              </span>
              <button type="button" class="btn small secondary" aria-expanded={open === c.code}
                      onClick={() => setOpen(open === c.code ? null : c.code)}>{t("refEdit")}</button>
              <button type="button" class="btn small danger" onClick={() => remove(c.code)}
                      aria-label={`${t("refDelete")} ${nameOf(c)}`}>{t("refDelete")}</button>
            </div>
            {open === c.code && <CategoryForm start={c} version={c.version} onDone={q.reload} />}
          </li>
        ))}
      </ul>
      <h2>{t("refNewCategory")}</h2>
      <CategoryForm start={EMPTY} version={null} onDone={q.reload} />
    </Page>
  );
}
