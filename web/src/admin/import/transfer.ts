/**
 * Bulk onboarding over plain HTTP (api/onboarding/routes.py): the file is the request body,
 * signed in with the session's bearer token (a header, never the URL).
 */
import { lang } from "../../i18n";
import { session } from "../../state";

export const MAX_BYTES = 5 * 1024 * 1024;

export interface Problem { field: string; code: string; message: string; messageTh: string }
export interface PlanRow {
  row: number; status: "NEW" | "EXISTING" | "ERROR"; name: string; subdistrict: string; district: string;
  phone: string; username: string; mentor: string; problems: Problem[];
}
export interface Plan { counts: { new: number; existing: number; error: number }; rows: PlanRow[] }

export class Refused extends Error {
  constructor(message: string, public plan?: Plan) { super(message); }
}

function headers(): Record<string, string> {
  const token = session.get()?.token;
  return token ? { authorization: `Bearer ${token}` } : {};
}

async function refusal(response: Response): Promise<Refused> {
  try {
    const body = await response.json();
    const e = body.error ?? body.errors?.[0];
    const message = lang.get() === "en" ? e?.message : (e?.messageTh ?? e?.message);
    return new Refused(message || `HTTP ${response.status}`, body.rows ? body as Plan : undefined);
  } catch {
    return new Refused(`HTTP ${response.status}`);
  }
}

export async function dryRun(file: Blob): Promise<Plan> {
  const r = await fetch("/admin/volunteers/import?mode=dry-run", { method: "POST", body: file, headers: headers() });
  if (!r.ok) throw await refusal(r);
  return r.json();
}

export async function apply(file: Blob): Promise<{ created: number; existing: number; codes: Blob; name: string }> {
  const r = await fetch("/admin/volunteers/import?mode=apply&codes=xlsx", { method: "POST", body: file, headers: headers() });
  if (!r.ok) throw await refusal(r);
  const name = /filename="([^"]+)"/.exec(r.headers.get("content-disposition") ?? "")?.[1] ?? "codes.xlsx";
  return { created: Number(r.headers.get("x-khortor-created") ?? 0), existing: Number(r.headers.get("x-khortor-existing") ?? 0),
           codes: await r.blob(), name };
}

/** Save a blob as a file (an <a download> clicked once). */
export function save(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export async function exportPeople(): Promise<void> {
  const r = await fetch("/admin/volunteers/export?format=xlsx", { headers: headers() });
  if (!r.ok) throw await refusal(r);
  const name = /filename="([^"]+)"/.exec(r.headers.get("content-disposition") ?? "")?.[1] ?? "people.xlsx";
  save(await r.blob(), name);
}
