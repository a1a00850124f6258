import { LoadError, Loading, Page, useQuery } from "../components";
import { t } from "../i18n";
import { CASES } from "../queries";
import { CaseList, type CasesData } from "./MyCases";

/** The coordinator's desk: NEW cases (no rule matched, or every referral declined). */
export function Triage() {
  const q = useQuery<CasesData>(CASES, { filter: { status: ["NEW"] }, first: 50 });
  return (
    <Page title={t("triage")}>
      {q.loading && !q.data && <Loading />}
      {q.error && <LoadError error={q.error} reload={q.reload} />}
      {q.data && <CaseList rows={q.data.cases.edges.map((e) => e.node)} />}
    </Page>
  );
}
