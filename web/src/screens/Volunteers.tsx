import { LoadError, Loading, Page, useQuery, When } from "../components";
import { lang, t } from "../i18n";
import { useSignal } from "../lib/store";
import { VOLUNTEER_ACTIVITY } from "../queries";

interface Row {
  userId: string; displayName: string; areaCode: string | null; areaNameTh: string | null;
  areaNameEn: string | null; casesFiled: number; openCases: number; eventsPrepared: number;
  meetingsAttended: number; lastActivityAt: string | null;
  daysSinceLastActivity: number; satisfactionCount: number; meanSatisfaction: number | null;
}
type Data = { volunteerActivity: { volunteerCount: number; inactive30Days: number; inactive60Days: number;
                                   inactive90Days: number; volunteers: Row[] } | null };

/** Volunteer activity in my scope (mentors: their volunteers): who files, who has gone quiet,
 *  and beside their cases their outreach participation (mobile units prepared, meetings and
 *  training attended). */
export function Volunteers() {
  const language = useSignal(lang);
  const q = useQuery<Data>(VOLUNTEER_ACTIVITY, { first: 100 });
  const a = q.data?.volunteerActivity;
  return (
    <Page title={t("volunteers")}>
      {q.loading && !q.data && <Loading />}
      {q.error && <LoadError error={q.error} reload={q.reload} />}
      {a && (
        <>
          <div class="card stats-row">
            <p><strong>{a.volunteerCount}</strong><br />{t("volunteers")}</p>
            <p><strong>{a.inactive30Days}</strong><br />{t("inactiveDays", { d: 30 })}</p>
            <p><strong>{a.inactive90Days}</strong><br />{t("inactiveDays", { d: 90 })}</p>
          </div>
          <ul class="list card" role="list">
            {a.volunteers.map((v) => (
              <li key={v.userId}>
                <div class="row">
                  <span class="row-main">
                    <span class="row-title">{v.displayName}</span>
                    {v.daysSinceLastActivity >= 30 && (
                      <span class="row-sub"><span class="badge s-new">{t("inactiveDays", { d: 30 })}</span></span>
                    )}
                    <span class="row-sub">{(language === "en" ? v.areaNameEn : v.areaNameTh) ?? v.areaCode}</span>
                    {/* the cases and the outreach participation, side by side, phone and desk alike */}
                    <dl class="figures">
                      <div><dt>{t("casesFiled")}</dt><dd>{v.casesFiled}</dd></div>
                      <div><dt>{t("openCases")}</dt><dd>{v.openCases}</dd></div>
                      <div><dt>{t("unitsPrepared")}</dt><dd>{v.eventsPrepared}</dd></div>
                      <div><dt>{t("meetingsJoined")}</dt><dd>{v.meetingsAttended}</dd></div>
                    </dl>
                    {v.meanSatisfaction !== null && (
                      <span class="row-sub">{t("satisfaction")} {v.meanSatisfaction.toFixed(1)}/5</span>
                    )}
                    <span class="row-sub">{t("lastActivity")}: {v.lastActivityAt ? <When at={v.lastActivityAt} /> : "—"}</span>
                  </span>
                </div>
              </li>
            ))}
          </ul>
        </>
      )}
    </Page>
  );
}
