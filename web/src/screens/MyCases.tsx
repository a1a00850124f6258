import { Due, LoadError, Loading, Page, StatusBadge, When } from "../components";
import { ICONS } from "../categories";
import { nameOf, t } from "../i18n";
import { useSignal } from "../lib/store";
import { CASES } from "../queries";
import { useEffect } from "preact/hooks";
import { lastSent, navigate, session } from "../state";
import { useQuery } from "../components";
import { OutboxList } from "./OutboxList";

export interface CaseRow {
  id: string;
  reference: string;
  status: string;
  capturedAt: string;
  receivedAt: string;
  escalationLevel: number;
  category: { code: string; nameTh: string; nameEn: string };
  subdistrict: { code: string; nameTh: string; nameEn: string };
  referrals: { id: string; status: string; current: boolean; nextDueAt: string | null; overdue: boolean;
               orgUnit: { code: string; nameTh: string; nameEn: string } }[];
}

export type CasesData = { cases: { totalCount: number; edges: { node: CaseRow }[] } };

export function CaseList({ rows }: { rows: CaseRow[] }) {
  if (!rows.length) return <p class="muted">{t("noCases")}</p>;
  return (
    <ul class="list" role="list">
      {rows.map((c) => {
        const current = c.referrals.filter((r) => r.current && r.status !== "REJECTED");  // not an office that declined
        const due = current.find((r) => r.nextDueAt);
        return (
          <li key={c.id}>
            <a class="row" href={`#/case/${c.id}`}>
              <span class="icon" aria-hidden="true">{ICONS[c.category.code] ?? "💬"}</span>
              <span class="row-main">
                <span class="row-title">{nameOf(c.category)}</span>
                <span class="row-sub">{c.reference} · {nameOf(c.subdistrict)} · <When at={c.receivedAt} /></span>
                {current.length > 0 && (
                  <span class="row-sub">{current.map((r) => r.orgUnit.code).join(", ")}
                    {due && <> · <Due at={due.nextDueAt} overdue={due.overdue} /></>}</span>
                )}
              </span>
              <StatusBadge status={c.status} />
            </a>
          </li>
        );
      })}
    </ul>
  );
}

export function MyCases() {
  const me = useSignal(session)!.user;
  const volunteer = me.role === "VOLUNTEER";
  const q = useQuery<CasesData>(CASES, { filter: volunteer ? { filedByMe: true } : null, first: 50 });
  const sent = useSignal(lastSent);
  useEffect(() => { if (sent.length) q.reload(); }, [sent]); // cases just sent from the outbox
  return (
    <Page title={volunteer ? t("myCases") : t("cases")} actions={volunteer && (
      <button type="button" class="btn primary" onClick={() => navigate("/new")}>+ {t("newCase")}</button>
    )}>
      {volunteer && <OutboxList />}
      {q.loading && !q.data && <Loading />}
      {q.error && <LoadError error={q.error} reload={q.reload} />}
      {q.data && <CaseList rows={q.data.cases.edges.map((e) => e.node)} />}
    </Page>
  );
}
