/**
 * A search by national ID on the desk: sent in the request body (never in a URL), looked up
 * by the server through the citizen's lookup hash, written to the access log and counted
 * against the hourly lookup quota; the ID itself is not shown back.
 */
import { LoadError, Loading, StatusBadge, useQuery } from "../components";
import { errorText, nameOf, t } from "../i18n";
import { formatDate } from "../lib/dates";
import { lang } from "../i18n";
import { useSignal } from "../lib/store";
import { CASES_OF_CITIZEN } from "../queries";
import { westernDigits } from "./filters";

interface Named { code?: string; nameTh: string; nameEn: string }
interface CitizenCase {
  id: string; reference: string; status: string; receivedAt: string; category: Named; subdistrict: Named;
}
type Answer = { __typename: "CitizenCases"; cases: CitizenCase[] }
  | { __typename: string; message: string; messageTh: string; code: string };

export function CitizenLookup({ nationalId, onClose }: { nationalId: string; onClose: () => void }) {
  const language = useSignal(lang);
  const q = useQuery<{ casesOfCitizen: Answer }>(CASES_OF_CITIZEN,
    { nationalId: westernDigits(nationalId).replace(/\D/g, "") });
  const answer = q.data?.casesOfCitizen;
  const cases = answer && "cases" in answer ? answer.cases : null;
  return (
    <section class="card desk-citizen" aria-labelledby="desk-citizen-title">
      <h2 id="desk-citizen-title">{t("deskCitizenCases", { n: cases?.length ?? 0 })}</h2>
      {q.loading && !q.data && <Loading />}
      {q.error && <LoadError error={q.error} reload={q.reload} />}
      {answer && !cases && <p class="error" role="alert">{errorText(answer as { message: string; messageTh: string })}</p>}
      {cases && !cases.length && <p class="muted" role="status">{t("deskCitizenNone")}</p>}
      {cases && cases.length > 0 && (
        <table class="desk-table">
          <thead>
            <tr>
              <th scope="col">{t("deskReference")}</th><th scope="col">{t("category")}</th>
              <th scope="col">{t("subdistrict")}</th><th scope="col">{t("deskStatus")}</th>
              <th scope="col">{t("filedAt")}</th>
            </tr>
          </thead>
          <tbody>
            {cases.map((c) => (
              <tr key={c.id}>
                <th scope="row"><a href={`#/case/${c.id}`}>{c.reference}</a></th>
                <td>{nameOf(c.category)}</td><td>{nameOf(c.subdistrict)}</td>
                <td><StatusBadge status={c.status} /></td>
                <td class="nowrap"><time dateTime={c.receivedAt}>{formatDate(c.receivedAt, language)}</time></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <button type="button" class="btn link" onClick={onClose}>{t("deskCitizenClear")}</button>
    </section>
  );
}
