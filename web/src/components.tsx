/** Small building blocks shared by the screens. */
import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { formatDateTime, relativeDue } from "./lib/dates";
import { gql, NetworkError, RequestError } from "./lib/graphql";
import { useSignal } from "./lib/store";
import { errorText, lang, t, term } from "./i18n";
import { online } from "./state";

/** A top-level error in words for people, never the raw GraphQL text: the API's own Thai
 * (BAD_USER_INPUT carries `extensions.messageTh`), or what the code means. */
export function refusalText(error: unknown): string {
  if (error instanceof NetworkError) return t("networkFailed");
  if (error instanceof RequestError) {
    if (error.messageTh) return errorText({ message: error.message, messageTh: error.messageTh });
    if (error.code === "FORBIDDEN") return t("forbidden");
  }
  return t("requestFailed");
}

export interface QueryState<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

/** Run a query now and whenever its variables change; never cached on the device. `skip`:
 * not now (the answer stays null and nothing is sent). */
export function useQuery<T>(query: string, variables: Record<string, unknown> = {}, skip = false): QueryState<T> {
  const key = JSON.stringify(variables);
  const [state, setState] = useState<{ data: T | null; error: string | null; loading: boolean }>(
    { data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  const isOnline = useSignal(online);
  useEffect(() => {
    if (skip) {
      setState({ data: null, error: null, loading: false });
      return;
    }
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    gql<T>(query, JSON.parse(key))
      .then((data) => live && setState({ data, error: null, loading: false }))
      .catch((error: Error) => live && setState((s) => ({
        data: s.data, loading: false,
        error: error instanceof NetworkError ? "offline" : refusalText(error),
      })));
    return () => { live = false; };
  }, [query, key, tick, isOnline, skip]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}

export function Page({ title, children, actions }: {
  title: string; children: ComponentChildren; actions?: ComponentChildren;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · ${t("appName")}`;
    // Move focus to the new page's heading so a screen reader announces it.
    heading.current?.focus({ preventScroll: true });
  }, [title]);
  return (
    <section class="page" aria-labelledby="page-title">
      <div class="page-head">
        <h1 id="page-title" tabIndex={-1} ref={heading}>{title}</h1>
        {actions}
      </div>
      {children}
    </section>
  );
}

export function Loading() {
  return <p class="muted" role="status">{t("loading")}</p>;
}

export function LoadError({ error, reload }: { error: string; reload: () => void }) {
  return (
    <div class="alert" role="alert">
      <p>{error === "offline" ? t("offlineNoData") : t("loadFailed", { msg: error })}</p>
      <button type="button" class="btn secondary" onClick={reload}>{t("retry")}</button>
    </div>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge s-${status.toLowerCase()}`}>{term(status)}</span>;
}

export function When({ at }: { at: string | null | undefined }) {
  useSignal(lang);
  if (!at) return null;
  return <time dateTime={at}>{formatDateTime(at, lang.get())}</time>;
}

export function Due({ at, overdue }: { at: string | null | undefined; overdue: boolean }) {
  useSignal(lang);
  if (!at) return null;
  return (
    <span class={overdue ? "due overdue" : "due"}>
      {overdue && <strong>{t("overdue")} · </strong>}
      <time dateTime={at}>{formatDateTime(at, lang.get())}</time>
      <span class="muted"> ({relativeDue(at, new Date(), lang.get())})</span>
    </span>
  );
}

/** A labelled field with its hint and error tied to the input for screen readers. */
export function Field({ id, label, hint, error, ok, children }: {
  id: string; label: string; hint?: string; error?: string | null; ok?: string | null;
  children: ComponentChildren;
}) {
  return (
    <div class={error ? "field has-error" : "field"}>
      <label for={id}>{label}</label>
      {hint && <p class="hint" id={`${id}-hint`}>{hint}</p>}
      {children}
      <p class={error ? "error" : "ok"} id={`${id}-msg`} aria-live="polite">{error || ok || ""}</p>
    </div>
  );
}

export function describedBy(id: string, hint?: boolean): string {
  return hint ? `${id}-hint ${id}-msg` : `${id}-msg`;
}
