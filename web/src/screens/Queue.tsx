import { Due, LoadError, Loading, Page, StatusBadge, useQuery } from "../components";
import { ICONS } from "../categories";
import { nameOf, t } from "../i18n";
import { useSignal } from "../lib/store";
import { REFERRALS } from "../queries";
import { session } from "../state";

interface QueueRow {
  id: string; status: string; nextDueAt: string | null; overdue: boolean; escalationLevel: number;
  orgUnit: { code: string; nameTh: string; nameEn: string };
  case: { id: string; reference: string; status: string; category: { code: string; nameTh: string; nameEn: string };
          subdistrict: { nameTh: string; nameEn: string } };
}

/** An office's open referrals, the earliest deadline first (the server's order); overdue in red. */
export function Queue({ province }: { province?: boolean }) {
  const me = useSignal(session)!.user;
  const filter = province
    ? { status: ["PENDING", "ACCEPTED", "ON_HOLD"] }
    : { orgUnitCode: me.orgUnitCode, status: ["PENDING", "ACCEPTED", "ON_HOLD"] };
  const q = useQuery<{ referrals: { totalCount: number; edges: { node: QueueRow }[] } }>(REFERRALS, { filter, first: 100 });
  const rows = q.data?.referrals.edges.map((e) => e.node) ?? [];
  return (
    <Page title={province ? t("provinceReferrals") : `${t("queue")}${me.orgUnitCode ? " " + me.orgUnitCode : ""}`}>
      {q.loading && !q.data && <Loading />}
      {q.error && <LoadError error={q.error} reload={q.reload} />}
      {q.data && !rows.length && <p class="muted">{t("queueEmpty")}</p>}
      {rows.length > 0 && (
        <ul class="list" role="list">
          {rows.map((r) => (
            <li key={r.id} class={r.overdue ? "overdue-row" : ""}>
              <a class="row" href={`#/referral/${r.id}`}>
                <span class="icon" aria-hidden="true">{ICONS[r.case.category.code] ?? "💬"}</span>
                <span class="row-main">
                  <span class="row-title">{nameOf(r.case.category)}</span>
                  <span class="row-sub">{r.case.reference} · {nameOf(r.case.subdistrict)}{province && ` · ${r.orgUnit.code}`}</span>
                  {r.nextDueAt && <span class="row-sub"><Due at={r.nextDueAt} overdue={r.overdue} /></span>}
                </span>
                <StatusBadge status={r.status} />
              </a>
            </li>
          ))}
        </ul>
      )}
    </Page>
  );
}
