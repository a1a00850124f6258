import { Due, LoadError, Loading, Page, StatusBadge, useQuery } from "../components";
import { ICONS } from "../categories";
import { nameOf, t } from "../i18n";
import { useSignal } from "../lib/store";
import { REFERRALS } from "../queries";
import { session, type Me } from "../state";
import { Desk, useWide } from "../desk/Desk";
import { parseFilters, referralFilter } from "../desk/filters";
import { OutboxList } from "./OutboxList";

interface QueueRow {
  id: string; status: string; nextDueAt: string | null; overdue: boolean; escalationLevel: number;
  orgUnit: { code: string; nameTh: string; nameEn: string };
  case: { id: string; reference: string; status: string; category: { code: string; nameTh: string; nameEn: string };
          subdistrict: { nameTh: string; nameEn: string } };
}

/** An office's (or, `province`, the scope's) referrals: on a desk the table, on a phone a list,
 * the earliest deadline first by default; both follow the filters in the route (`query`). */
export function Queue({ province, query = "" }: { province?: boolean; query?: string }) {
  const me = useSignal(session)!.user;
  const wide = useWide();
  const title = province ? t("provinceReferrals") : `${t("queue")}${me.orgUnitCode ? " " + me.orgUnitCode : ""}`;
  if (wide) {
    return <Desk me={me} base={province ? "/referrals" : "/"} query={query} title={title} ownOffice={!province} />;
  }
  return <QueueList me={me} province={!!province} query={query} title={title} />;
}

function QueueList({ me, province, query, title }: {
  me: Me;
  province: boolean; query: string; title: string;
}) {
  const filter = referralFilter(parseFilters(query), province ? null : me.orgUnitCode);
  const q = useQuery<{ referrals: { totalCount: number; edges: { node: QueueRow }[] } }>(REFERRALS, { filter, first: 100 });
  const rows = q.data?.referrals.edges.map((e) => e.node) ?? [];
  return (
    <Page title={title}>
      {!province && <OutboxList />}
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
