/** `#/admin`: the administration sections the user may open; `#/admin/<key>` opens one. */
import { Page } from "../components";
import { t } from "../i18n";
import type { Me } from "../state";
import { SECTIONS } from "./sections";

export function AdminHome({ me, section, query }: { me: Me; section?: string; query: string }) {
  const mine = SECTIONS.filter((s) => s.roles.includes(me.role));
  const open = mine.find((s) => s.key === section);
  if (open) return <open.Screen me={me} query={query} />;
  return (
    <Page title={t("administration")}>
      {!mine.length && <p class="muted">{t("notFound")}</p>}
      <ul class="list" role="list">
        {mine.map((s) => (
          <li key={s.key}><a class="row" href={`#/admin/${s.key}`}><span class="row-main">
            <span class="row-title">{t(s.title)}</span></span></a></li>
        ))}
      </ul>
    </Page>
  );
}
