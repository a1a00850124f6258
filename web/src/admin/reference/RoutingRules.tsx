/** `#/admin/routing`: the routing rules of a problem type, a preview of where a case would go
 * (the server's own routing), adding and removing rules (issue 13, part 5). */
import { useEffect, useState } from "preact/hooks";
import { Field, LoadError, Loading, Page, useQuery, When } from "../../components";
import { lang, nameOf, t } from "../../i18n";
import { useSignal } from "../../lib/store";
import { ADD_ROUTING_RULE, REF_CATEGORIES, REMOVE_ROUTING_RULE, ROUTING_PREVIEW, ROUTING_RULES } from "../../queries";
import { change, SaidLine, useSaid } from "./common";
import type { RefCategory } from "./Categories";
import "./reference.css";

interface Named { code: string; nameTh: string; nameEn: string }
export interface Rule {
  id: string; categoryCode: string; areaPrefix: string; agencyCode: string; orgUnitCode: string | null;
  addedAt: string | null; area: Named | null; orgUnit: Named | null;
}
interface PreviewAnswer {
  __typename: string; orgUnitCode: string; orgUnit: Named | null; rule: Rule | null; subdistrict: Named;
}

function scopeOf(rule: Rule): string {
  return rule.area ? `${nameOf(rule.area)} ${rule.areaPrefix}` : t("refWholeCountry");
}

function officeOf(rule: Rule): string {
  return rule.orgUnit ? `${nameOf(rule.orgUnit)} (${rule.orgUnit.code})` : t("refAgencyOffice", { agency: rule.agencyCode });
}

export function RoutingRules() {
  useSignal(lang);
  const cats = useQuery<{ categories: RefCategory[] }>(REF_CATEGORIES);
  const [category, setCategory] = useState("");
  useEffect(() => {
    // The first problem type until one is chosen; never over a choice made meanwhile (this
    // effect runs after the list is shown, and its `category` may be that render's "").
    const first = cats.data?.categories[0]?.code;
    if (first) setCategory((chosen) => chosen || first);
  }, [cats.data]);
  const rules = useQuery<{ routingRules: Rule[] }>(ROUTING_RULES, { categoryCode: category }, !category);
  const [subdistrict, setSubdistrict] = useState("");
  const [preview, setPreview] = useState<string | null>(null);
  const [previewSaid, setPreviewSaid] = useSaid();
  const [area, setArea] = useState("");
  const [office, setOffice] = useState("");
  const [said, setSaid] = useSaid();
  const [busy, setBusy] = useState(false);

  async function runPreview(e: Event) {
    e.preventDefault();
    setPreview(null);
    const answer = await change<PreviewAnswer>(ROUTING_PREVIEW, { categoryCode: category, subdistrictCode: subdistrict.trim() });
    if ("error" in answer) { setPreviewSaid(answer); return; }
    setPreviewSaid(null);
    const p = answer.ok;
    const where = `${nameOf(p.orgUnit)} (${p.orgUnitCode})`;
    setPreview(p.rule
      ? t("refPreviewResult", { area: nameOf(p.subdistrict), office: where, rule: p.rule.id, scope: scopeOf(p.rule) })
      : t("refPreviewTriage", { area: nameOf(p.subdistrict), office: where }));
  }

  async function addRule(e: Event) {
    e.preventDefault();
    setBusy(true);
    const answer = await change<{ rule: Rule }>(ADD_ROUTING_RULE, { input: {
      categoryCode: category, areaPrefix: area.trim(), orgUnitCode: office.trim() || null } });
    setBusy(false);
    if ("error" in answer) { setSaid(answer); return; }
    setSaid({ ok: t("refRuleAdded", { id: answer.ok.rule.id }) });
    setArea(""); setOffice(""); setPreview(null);
    rules.reload();
  }

  async function remove(rule: Rule) {
    const answer = await change<{ rule: { id: string } }>(REMOVE_ROUTING_RULE, { id: rule.id });
    setSaid("error" in answer ? answer : { ok: t("refRuleRemoved", { id: rule.id }) });
    setPreview(null);
    rules.reload();
  }

  const fieldError = (name: string) => (said && "error" in said && said.field === name ? said.error : null);
  return (
    <Page title={t("refRouting")}>
      {cats.loading && !cats.data && <Loading />}
      {cats.error && <LoadError error={cats.error} reload={cats.reload} />}
      {cats.data && (
        <div class="ref-grid ref-wide">
          <div>
            <Field id="ref-category" label={t("refCategory")}>
              <select id="ref-category" value={category} onChange={(e) => setCategory((e.target as HTMLSelectElement).value)}>
                {cats.data.categories.map((c) => (
                  <option key={c.code} value={c.code}>{nameOf(c)}{c.active ? "" : ` (${t("refInactive")})`}</option>
                ))}
              </select>
            </Field>
            <form class="card" onSubmit={runPreview} aria-labelledby="ref-preview-h">
              <h2 id="ref-preview-h">{t("refPreview")}</h2>
              <Field id="ref-sub" label={t("refSubdistrict")}
                     error={previewSaid && "error" in previewSaid ? previewSaid.error : null}>
                <input id="ref-sub" inputMode="numeric" maxLength={6} value={subdistrict} aria-describedby="ref-sub-msg"
                       onInput={(e) => setSubdistrict((e.target as HTMLInputElement).value)} />
              </Field>
              <button class="btn secondary" type="submit" disabled={!category}>{t("refPreviewButton")}</button>
              {preview && <p class="notice ref-answer" role="status" data-testid="preview">{preview}</p>}
            </form>
            <form class="card" onSubmit={addRule} aria-labelledby="ref-add-h">
              <h2 id="ref-add-h">{t("refAddRule")}</h2>
              <Field id="ref-area" label={t("refArea")} hint={t("refAreaHint")} error={fieldError("areaPrefix")}>
                <input id="ref-area" inputMode="numeric" maxLength={6} value={area} aria-describedby="ref-area-hint ref-area-msg"
                       onInput={(e) => setArea((e.target as HTMLInputElement).value)} />
              </Field>
              <Field id="ref-office" label={t("refOffice")} hint={t("refOfficeHint")} error={fieldError("orgUnitCode")}>
                <input id="ref-office" autoCapitalize="characters" maxLength={20} value={office}
                       aria-describedby="ref-office-hint ref-office-msg"
                       onInput={(e) => setOffice((e.target as HTMLInputElement).value)} />
              </Field>
              <button class="btn primary" type="submit" disabled={busy || !category}>{t("refAdd")}</button>
              <SaidLine said={said} id="ref-rule-said" />
            </form>
          </div>
          <section aria-labelledby="ref-rules-h">
            <h2 id="ref-rules-h">{t("refRulesOf")}</h2>
            {rules.error && <LoadError error={rules.error} reload={rules.reload} />}
            {rules.data && !rules.data.routingRules.length && <p class="muted">{t("refNoRules")}</p>}
            <ul class="list" role="list">
              {rules.data?.routingRules.map((r) => (
                <li key={r.id} class="row">
                  <span class="row-main">
                    <span class="row-title">{scopeOf(r)} → {officeOf(r)}</span>
                    <span class="row-sub">{t("refRule", { id: r.id })}
                      {r.addedAt && <> · {t("refSince", { at: "" })}<When at={r.addedAt} /></>}</span>
                  </span>
                  <button type="button" class="btn small danger" onClick={() => remove(r)}
                          aria-label={`${t("refRemove")} ${t("refRule", { id: r.id })}`}>{t("refRemove")}</button>
                </li>
              ))}
            </ul>
          </section>
        </div>
      )}
    </Page>
  );
}
