/** The tab bar: every tab in a row on a desk screen; on a phone at most four equal cells
 * (an icon over its label), the notifications always among them, the rest behind "more". */
import { useEffect, useRef, useState } from "preact/hooks";
import { t, type Key } from "./i18n";
import { useSignal } from "./lib/store";
import { navigate, route, unread, type Me } from "./state";

/** Line icons drawn here (24 × 24, stroke): they show on every phone, emoji fonts or not. */
const ICON_PATHS = {
  list: "M9 3h6v3H9zM7 4.5H5V21h14V4.5h-2M8 11h8M8 15h5",
  plus: "M21 12a9 9 0 1 1-18 0a9 9 0 1 1 18 0zM12 7.5v9M7.5 12h9",
  inbox: "M3 13l3-8h12l3 8v6H3zM3 13h5l1 3h6l1-3h5",
  triage: "M3 4h18l-7 8.5V19l-4 2v-8.5z",
  referrals: "M4 8h15M15 4l4 4-4 4M20 16H5M9 12l-4 4 4 4",
  folder: "M3 5h6l2 2.5h10V19H3z",
  people: "M9 11a3.5 3.5 0 1 0 0-7a3.5 3.5 0 1 0 0 7zM2 20c0-4 3-6 7-6s7 2 7 6M15.5 4.3a3.5 3.5 0 0 1 0 6.4M18 14.2c2.4.6 4 2.6 4 5.8",
  chart: "M3 21h18M6 17v-5M11 17V5M16 17v-8M21 17v-3",
  bell: "M6 16.5V11a6 6 0 0 1 12 0v5.5l2 2H4zM10 21.5h4",
  menu: "M4 6h16M4 12h16M4 18h16",
  clock: "M21 12a9 9 0 1 1-18 0a9 9 0 1 1 18 0zM12 7v5l3 2",
  pin: "M12 21s-7-6.2-7-11.5a7 7 0 0 1 14 0C19 14.8 12 21 12 21zM12 12a2.5 2.5 0 1 0 0-5a2.5 2.5 0 1 0 0 5z",
  gear: "M12 15a3 3 0 1 0 0-6a3 3 0 1 0 0 6zM19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-1.8-.3 1.7 1.7 0 0 0-1 1.5V21a2 2 0 1 1-4 0v-.1a1.7 1.7 0 0 0-1.1-1.5 1.7 1.7 0 0 0-1.8.3l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1a1.7 1.7 0 0 0 .3-1.8 1.7 1.7 0 0 0-1.5-1H3a2 2 0 1 1 0-4h.1a1.7 1.7 0 0 0 1.5-1.1 1.7 1.7 0 0 0-.3-1.8l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1a1.7 1.7 0 0 0 1.8.3H9a1.7 1.7 0 0 0 1-1.5V3a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 1 1.5 1.7 1.7 0 0 0 1.8-.3l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0-.3 1.8V9a1.7 1.7 0 0 0 1.5 1H21a2 2 0 1 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1z",
};
type IconName = keyof typeof ICON_PATHS;

function Icon({ name }: { name: IconName }) {
  return (
    <svg class="icon-svg" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false"
         fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
      <path d={ICON_PATHS[name]} />
    </svg>
  );
}

interface Tab { path: string; label: Key; icon: IconName }

const T = (path: string, label: Key, icon: IconName): Tab => ({ path, label, icon });

export function tabsFor(me: Me): Tab[] {
  const tabs = roleTabs(me);
  // approvers (any role) decide on legal-deadline extensions
  return me.isExtensionApprover ? [...tabs, T("/extensions", "extensions", "clock")] : tabs;
}

/** Outreach events (issue 16): needs, events, reports, figures. */
const OUTREACH = T("/outreach", "outreach", "pin");

function roleTabs(me: Me): Tab[] {
  switch (me.role) {
    case "VOLUNTEER":
      return [T("/", "myCases", "list"), T("/new", "newCase", "plus"), OUTREACH];
    case "OFFICER":
      return [T("/", "queue", "inbox"), OUTREACH];
    case "COORDINATOR":
      return [T("/", "triage", "triage"), T("/referrals", "provinceReferrals", "referrals"),
              T("/cases", "cases", "folder"), T("/volunteers", "volunteers", "people"), OUTREACH,
              T("/admin/people", "people", "gear")];
    case "SUPERVISOR":
      return [T("/", "dashboard", "chart"), T("/referrals", "provinceReferrals", "referrals"),
              T("/cases", "cases", "folder"), T("/volunteers", "volunteers", "people"), OUTREACH];
    case "MENTOR":
      return [T("/", "volunteers", "people"), T("/cases", "cases", "folder"), OUTREACH];
    case "ADMIN":
      return [T("/", "cases", "folder"), T("/dashboard", "dashboard", "chart"),
              T("/referrals", "provinceReferrals", "referrals"), T("/volunteers", "volunteers", "people"),
              OUTREACH, T("/admin", "administration", "gear")];
    default:
      return [T("/", "cases", "folder")];
  }
}

const INBOX = T("/inbox", "notifications", "bell");

/** The tab of this screen: its own path, or one under it (`/admin` for `/admin/people`). */
function isAt(path: string, tab: Tab): boolean {
  return path === tab.path || (tab.path !== "/" && path.startsWith(tab.path + "/"));
}
/** Cells on a phone: 4 × 90 px at 360 px, room for a two-line Thai label each. */
const PHONE_CELLS = 4;
const WIDE = "(min-width: 48rem)";

function useWide(): boolean {
  const query = typeof matchMedia === "function" ? matchMedia(WIDE) : null;
  const [wide, setWide] = useState(query?.matches ?? false);
  useEffect(() => {
    if (!query) return;
    const changed = () => setWide(query.matches);
    query.addEventListener("change", changed);
    changed();
    return () => query.removeEventListener("change", changed);
  }, []);
  return wide;
}

function TabLink({ tab, current, badge }: { tab: Tab; current: string; badge?: number }) {
  return (
    <a href={`#${tab.path}`} aria-current={isAt(current, tab) ? "page" : undefined}
       onClick={() => navigate(tab.path)}>
      <span class="tab-icon" aria-hidden="true"><Icon name={tab.icon} /></span>
      <span class="tab-label">{t(tab.label)}</span>
      {badge ? <span class="count" aria-hidden="true">{badge > 99 ? "99+" : badge}</span> : null}
      {badge ? <span class="sr-only">, {t("unreadCount", { n: badge })}</span> : null}
    </a>
  );
}

export function TabBar({ me }: { me: Me }) {
  const path = useSignal(route).split("?")[0]!;  // a screen's filters do not change the tab
  const unreadCount = useSignal(unread);
  const wide = useWide();
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const box = useRef<HTMLLIElement>(null);

  const tabs = tabsFor(me);
  const fits = wide || tabs.length + 1 <= PHONE_CELLS;
  const shown = fits ? tabs : tabs.slice(0, PHONE_CELLS - 2);
  const rest = fits ? [] : tabs.slice(PHONE_CELLS - 2);
  const restCurrent = rest.some((tab) => isAt(path, tab));

  useEffect(() => { setOpen(false); }, [path, wide]);
  // Listening all the time (not from an effect run when it opens, which may come a frame late):
  // a tap outside the menu or Escape closes it; Escape gives the focus back to the button.
  const isOpen = useRef(open);
  isOpen.current = open;
  useEffect(() => {
    const outside = (event: Event) => {
      if (isOpen.current && !box.current?.contains(event.target as Node)) setOpen(false);
    };
    const escape = (event: KeyboardEvent) => {
      if (isOpen.current && event.key === "Escape") {
        setOpen(false);
        button.current?.focus();
      }
    };
    document.addEventListener("pointerdown", outside);
    document.addEventListener("keydown", escape);
    return () => {
      document.removeEventListener("pointerdown", outside);
      document.removeEventListener("keydown", escape);
    };
  }, []);

  return (
    <nav class={wide ? "tabs wide" : "tabs"} aria-label={t("appName")}>
      <ul role="list">
        {shown.map((tab) => <li key={tab.path}><TabLink tab={tab} current={path} /></li>)}
        <li><TabLink tab={INBOX} current={path} badge={unreadCount} /></li>
        {rest.length > 0 && (
          <li class="more" ref={box}>
            <button type="button" ref={button} aria-expanded={open} aria-controls="more-menu"
                    class={restCurrent ? "current" : undefined} onClick={() => setOpen(!open)}>
              <span class="tab-icon" aria-hidden="true"><Icon name="menu" /></span>
              <span class="tab-label">{t("more")}</span>
            </button>
            <ul id="more-menu" role="list" hidden={!open} onClick={() => setOpen(false)}>
              {rest.map((tab) => <li key={tab.path}><TabLink tab={tab} current={path} /></li>)}
            </ul>
          </li>
        )}
      </ul>
    </nav>
  );
}
