/**
 * Files on cases (issue 14), on the device: what may be attached, and photos shrunk before
 * anything is sent, so a village connection can carry them (longest side ≤ 1600 px, JPEG at
 * quality 0.8: typically under 300 KB; drawing on a canvas also drops EXIF and GPS). PDFs go as
 * they are. The server is the authority (it decides the type by content and re-encodes images);
 * these checks only save the volunteer from sending what would be refused.
 */

/** Limits the server applies (domain/settings.py); the client checks the same before sending. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;
export const MAX_FILES_PER_CASE = 30;
export const MAX_CASE_BYTES = 100 * 1024 * 1024;
/** Longest side of a photo after shrinking. */
export const MAX_SIDE = 1600;
export const JPEG_QUALITY = 0.8;

export type AttachmentKind = "PHOTO" | "DOCUMENT";

/** A file waiting on the device to be uploaded (kept in IndexedDB with its outbox item). */
export interface QueuedFile {
  /** Chosen when attached: the server files one attachment per (case, clientId). */
  clientId: string;
  name: string;
  type: string;
  size: number;
  kind: AttachmentKind;
  blob: Blob;
  /** The server refused the file (413/415/422): shown, never sent again. */
  error?: { code: string; message: string; messageTh: string };
}

export type FileProblem = "type" | "size" | "unreadable";

const IMAGE_TYPES = ["image/jpeg", "image/png", "image/webp", "image/heic", "image/heif", "image/gif"];
const EXTENSIONS: Record<string, string> = {
  jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", webp: "image/webp", heic: "image/heic",
  heif: "image/heif", pdf: "application/pdf",
};

/** The file's type as the browser says, or by its name's extension when the browser says nothing. */
export function claimedType(file: { name: string; type: string }): string {
  if (file.type) return file.type.toLowerCase();
  const ext = file.name.split(".").pop()?.toLowerCase() ?? "";
  return EXTENSIONS[ext] ?? "";
}

/** What the client accepts: images and PDFs; anything else is refused before it is queued. */
export function kindOf(type: string): AttachmentKind | null {
  if (type === "application/pdf") return "DOCUMENT";
  if (IMAGE_TYPES.includes(type) || type.startsWith("image/")) return "PHOTO";
  return null;
}

/** The size of the shrunk photo: longest side at most `max`, never enlarged. */
export function fitWithin(width: number, height: number, max = MAX_SIDE): { width: number; height: number } {
  const longest = Math.max(width, height);
  if (longest <= max) return { width, height };
  const scale = max / longest;
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** "photo.heic" → "photo.jpg" (the shrunk photo is a JPEG). */
export function jpegName(name: string): string {
  const base = name.replace(/\.[^.\/]*$/, "") || "photo";
  return `${base}.jpg`;
}

/** "850 KB", "1.2 MB" (sizes are shown in the same words in Thai and English). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * A photo drawn again, smaller, as a JPEG: orientation applied (`imageOrientation:
 * "from-image"`), metadata gone. Null when the browser cannot decode it (e.g. HEIC in most
 * browsers): then it is sent as it is, and the server decides.
 */
export async function shrinkImage(file: Blob): Promise<Blob | null> {
  if (typeof createImageBitmap !== "function") return null;
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch {
    return null;
  }
  try {
    const { width, height } = fitWithin(bitmap.width, bitmap.height);
    if (typeof OffscreenCanvas === "function") {
      const canvas = new OffscreenCanvas(width, height);
      const context = canvas.getContext("2d");
      if (!context) return null;
      context.drawImage(bitmap, 0, 0, width, height);
      return await canvas.convertToBlob({ type: "image/jpeg", quality: JPEG_QUALITY });
    }
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext("2d");
    if (!context) return null;
    context.drawImage(bitmap, 0, 0, width, height);
    return await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, "image/jpeg", JPEG_QUALITY));
  } catch {
    return null;
  } finally {
    bitmap.close();
  }
}

/**
 * A picked or photographed file, ready to queue: a photo shrunk (or as it came when the browser
 * cannot decode it), a PDF as it is; or why it cannot be attached.
 */
export async function prepareFile(file: File, clientId: string,
                                  shrink: (blob: Blob) => Promise<Blob | null> = shrinkImage,
): Promise<QueuedFile | { problem: FileProblem; name: string }> {
  const type = claimedType(file);
  const kind = kindOf(type);
  if (!kind) return { problem: "type", name: file.name };
  let blob: Blob = file;
  let name = file.name || (kind === "PHOTO" ? "photo.jpg" : "document.pdf");
  let finalType = type;
  if (kind === "PHOTO") {
    const small = await shrink(file);
    // Always the redrawn photo when there is one: the place it was taken (EXIF GPS) never leaves
    // the phone, even when the original was smaller.
    if (small) {
      blob = small;
      name = jpegName(name);
      finalType = "image/jpeg";
    }
  }
  if (blob.size > MAX_FILE_BYTES) return { problem: "size", name: file.name };
  if (blob.size === 0) return { problem: "unreadable", name: file.name };
  return { clientId, name, type: finalType, size: blob.size, kind, blob };
}
