/**
 * Attachments from the server (`GET /attachments/<id>` and `/attachments/<id>/thumbnail`),
 * fetched with the bearer header (never a token in a URL) and shown through `blob:` URLs,
 * which the page revokes when it is done with them. Nothing is cached on the device
 * (`cache: "no-store"`; the service worker does not touch these paths).
 */
import { authorization, NetworkError } from "./graphql";

export class DownloadError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
    this.name = "DownloadError";
  }
}

export function attachmentUrl(id: string, thumbnail = false): string {
  return `/attachments/${encodeURIComponent(id)}${thumbnail ? "/thumbnail" : ""}`;
}

export function fetchAttachment(id: string, thumbnail = false): Promise<Blob> {
  return fetchFile(attachmentUrl(id, thumbnail));
}

/** A file of the app's own plain-HTTP routes (attachments, an event report's PDF), with the bearer header. */
export async function fetchFile(url: string): Promise<Blob> {
  const bearer = authorization();
  let response: Response;
  try {
    response = await fetch(url, {
      headers: bearer ? { authorization: bearer } : {},
      cache: "no-store",
      credentials: "omit",
    });
  } catch (error) {
    throw new NetworkError(String(error));
  }
  if (!response.ok) throw new DownloadError(response.status);
  return response.blob();
}

/** Save a fetched file under its name (a PDF downloads as a file). */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.rel = "noopener";
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
