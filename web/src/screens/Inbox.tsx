import { useEffect } from "preact/hooks";
import { LoadError, Loading, Page, useQuery, When } from "../components";
import { lang, t, term } from "../i18n";
import { gql } from "../lib/graphql";
import { useSignal } from "../lib/store";
import { MARK_READ, NOTIFICATIONS } from "../queries";
import { navigate, session, unread } from "../state";

interface Note {
  id: string; kind: string; subject: string; bodyTh: string; bodyEn: string;
  caseId: string | null; referralId: string | null; createdAt: string; readAt: string | null;
}

type Data = { notifications: { unreadCount: number; edges: { node: Note }[] } };

/** The notifications inbox: newest first, unread ones marked; opening one marks it read. */
export function Inbox() {
  const me = useSignal(session)!.user;
  const language = useSignal(lang);
  const q = useQuery<Data>(NOTIFICATIONS, { first: 50 });
  const notes = q.data?.notifications.edges.map((e) => e.node) ?? [];
  useEffect(() => { if (q.data) unread.set(q.data.notifications.unreadCount); }, [q.data]);

  async function markRead(ids: string[]) {
    if (!ids.length) return;
    const data = await gql<{ markNotificationsRead: { unreadCount?: number } }>(MARK_READ, { ids }).catch(() => null);
    if (data?.markNotificationsRead.unreadCount !== undefined) unread.set(data.markNotificationsRead.unreadCount);
    q.reload();
  }

  async function open(note: Note) {
    if (!note.readAt) await markRead([note.id]);
    const staff = me.role === "OFFICER" || me.role === "COORDINATOR" || me.role === "ADMIN";
    if (note.referralId && staff) navigate(`/referral/${note.referralId}`);
    else if (note.caseId) navigate(`/case/${note.caseId}`);
  }

  const unreadIds = notes.filter((n) => !n.readAt).map((n) => n.id);
  return (
    <Page title={t("notifications")} actions={unreadIds.length > 0 && (
      <button type="button" class="btn secondary small" onClick={() => void markRead(unreadIds)}>{t("markAllRead")}</button>
    )}>
      {q.loading && !q.data && <Loading />}
      {q.error && <LoadError error={q.error} reload={q.reload} />}
      {q.data && (
        <p class="muted">{t("unreadCount", { n: q.data.notifications.unreadCount })}</p>
      )}
      {q.data && !notes.length && <p class="muted">{t("noNotifications")}</p>}
      {notes.length > 0 && (
        <ul class="list" role="list">
          {notes.map((n) => (
            <li key={n.id} class={n.readAt ? "note-read" : "note-unread"}>
              <button type="button" class="row as-link" onClick={() => void open(n)}>
                <span class="row-main">
                  <span class="row-title">
                    {!n.readAt && <span class="unread-dot" role="img" aria-label={t("unreadLabel")} />}
                    {term("kind." + n.kind)}
                  </span>
                  <span class="row-sub">{language === "en" ? n.bodyEn : n.bodyTh}</span>
                  <span class="row-sub"><When at={n.createdAt} /></span>
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </Page>
  );
}
