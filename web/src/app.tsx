import { useEffect } from "preact/hooks";
import { lang, setLang, t, term } from "./i18n";
import { useSignal } from "./lib/store";
import { CasePage } from "./screens/CasePage";
import { ChangePassword } from "./screens/ChangePassword";
import { Dashboard } from "./screens/Dashboard";
import { Extensions } from "./desk/Extensions";
import { AdminHome } from "./admin/AdminHome";
import { Inbox } from "./screens/Inbox";
import { Login } from "./screens/Login";
import { MyCases } from "./screens/MyCases";
import { NewCase, prefetchReference } from "./screens/NewCase";
import { Queue } from "./screens/Queue";
import { ReferralPage } from "./screens/ReferralPage";
import { Triage } from "./screens/Triage";
import { Volunteers } from "./screens/Volunteers";
import { TabBar } from "./nav";
import { NeedForm, VolunteerEvent, VolunteerOutreach } from "./outreach/Volunteer";
import { DeskOutreachScreen } from "./outreach/lazy";
import { prefetchOutreach } from "./outreach/common";
import {
  lastSent, notice, online, outboxItems, route, session, signOut, type Me,
} from "./state";

function Home({ me, query }: { me: Me; query: string }) {
  switch (me.role) {
    case "OFFICER": return <Queue query={query} />;
    case "COORDINATOR": return <Triage />;
    case "SUPERVISOR": return <Dashboard />;
    case "MENTOR": return <Volunteers />;
    default: return <MyCases />;
  }
}

function Screen({ me, path }: { me: Me; path: string }) {
  if (me.mustChangePassword) return <ChangePassword me={me} />;  // the API allows nothing else yet
  // "/referrals?status=PENDING": the part after "?" belongs to the screen (its filters)
  const [pathname, query = ""] = path.split("?");
  const [, first, id] = pathname.split("/");
  if (first === "case" && id) return <CasePage id={id} />;
  if (first === "referral" && id) return <ReferralPage id={id} />;
  if (first === "new" && me.role === "VOLUNTEER") {
    const params = new URLSearchParams(query);
    return <NewCase fix={params.get("fix")} event={params.get("event")} />;
  }
  if (first === "outreach") {
    // issue 16: volunteers on the phone (offline-first); everyone else's screens load when first opened
    const part = pathname.split("/")[3];
    if (me.role === "VOLUNTEER") {
      if (id === "need") return <NeedForm />;
      if (id === "event" && part) return <VolunteerEvent id={part} />;
      return <VolunteerOutreach />;
    }
    return <DeskOutreachScreen me={me} section={id ?? ""} part={part ?? ""} query={query} />;
  }
  if (first === "referrals" && me.role !== "VOLUNTEER" && me.role !== "MENTOR") return <Queue province query={query} />;
  if (first === "extensions" && me.isExtensionApprover) return <Extensions />;
  if (first === "admin" && (me.role === "ADMIN" || me.role === "COORDINATOR")) {
    return <AdminHome me={me} section={id} query={query} />;
  }
  if (first === "cases") return <MyCases />;
  if (first === "dashboard") return <Dashboard />;
  if (first === "inbox") return <Inbox />;
  if (first === "password") return <ChangePassword me={me} />;
  if (first === "volunteers" && me.role !== "VOLUNTEER" && me.role !== "OFFICER") return <Volunteers />;
  return <Home me={me} query={query} />;
}

function StatusBar() {
  const isOnline = useSignal(online);
  const items = useSignal(outboxItems);
  const message = useSignal(notice);
  const sent = useSignal(lastSent);
  useEffect(() => {
    if (!message) return;
    const timer = setTimeout(() => notice.set(null), 6000);
    return () => clearTimeout(timer);
  }, [message]);
  return (
    <div class="statusbar" role="status" aria-live="polite">
      {!isOnline && <p class="offline-note">{t("offline")}</p>}
      {items.length > 0 && (
        <p class="queue-note"><a href="#/">{t("queued", { n: items.length })}</a></p>
      )}
      {message && <p class="notice">{message}</p>}
      {sent.length > 0 && (
        <p class="notice">
          {sent.map((s) => <a key={s.caseId} href={`#/case/${s.caseId}`}>{t("sentOk", { ref: s.reference })} </a>)}
          <button type="button" class="btn link small" onClick={() => lastSent.set([])} aria-label={t("cancel")}>✕</button>
        </p>
      )}
    </div>
  );
}

export function App() {
  const current = useSignal(session);
  const path = useSignal(route);
  const language = useSignal(lang);
  useSignal(online);
  const me = current?.user;

  useEffect(() => { document.documentElement.lang = language; }, [language]);
  useEffect(() => {
    if (me?.role === "VOLUNTEER") prefetchReference(me);
    if (me && !me.mustChangePassword) prefetchOutreach(me);
  }, [me?.username]);

  async function onSignOut() {
    const n = outboxItems.get().length;
    if (n && !confirm(t("signOutUnsent", { n }))) return;
    await signOut();
  }

  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById("main")?.focus(); }}>
        {t("skip")}
      </a>
      <header class="top">
        <div class="brand">
          <a href="#/" class="logo" lang="th">ข้อต่อ</a>
        </div>
        <div class="top-actions">
          <span class={online.get() ? "dot on" : "dot off"} title={online.get() ? t("online") : t("offline")}
                aria-label={online.get() ? t("online") : t("offline")} role="img" />
          <button type="button" class="btn link" lang={language === "th" ? "en" : "th"}
                  aria-label={t("switchLangLabel")} onClick={() => setLang(language === "th" ? "en" : "th")}>
            {t("switchLang")}
          </button>
          {me && <button type="button" class="btn link" onClick={onSignOut}>{t("signOut")}</button>}
        </div>
      </header>
      {me && !me.mustChangePassword && <TabBar me={me} />}
      {me && <p class="who">{me.displayName} · {term(me.role)}
        {!me.mustChangePassword && <> · <a href="#/password">{t("changePassword")}</a></>}</p>}
      <StatusBar />
      <main id="main" tabIndex={-1}>
        {me ? <Screen me={me} path={path} /> : <Login />}
      </main>
      <footer class="foot muted small">{t("about")}</footer>
    </>
  );
}
