/**
 * Showing a citizen's national ID and phone whole (`revealCitizenIdentity`): the reasons
 * offered, the reason sent, and what the answer means. The values shown live only in the
 * case screen's memory: never in localStorage, IndexedDB or the service worker's cache.
 */
import { isUserError, NetworkError, RequestError } from "./graphql";

export type RevealReasonCode = "CONTACT" | "VERIFY" | "CHECK_RIGHTS" | "OTHER";

/** The common reasons, and "other" with the user's own words. */
export const REVEAL_REASONS: { code: RevealReasonCode; th: string; en: string }[] = [
  { code: "CONTACT", th: "ติดต่อผู้ขอรับบริการ", en: "Contact the citizen" },
  { code: "VERIFY", th: "ยืนยันตัวตน", en: "Verify identity" },
  { code: "CHECK_RIGHTS", th: "ตรวจสอบสิทธิกับหน่วยงานที่เกี่ยวข้อง", en: "Check entitlements with another office" },
  { code: "OTHER", th: "อื่น ๆ (ระบุ)", en: "Other (please specify)" },
];

/** The server keeps at most this many characters of a reason. */
export const MAX_REASON_CHARS = 500;

/**
 * The reason to send. A listed reason is sent in Thai whatever the screen's language, so the
 * access log reads the same for every reader; "other" sends the user's words. The server
 * decides what is long enough (and says so in both languages).
 */
export function revealReason(code: RevealReasonCode | "", other: string):
    { reason: string } | { problem: "choose" | "specify" } {
  if (!code) return { problem: "choose" };
  if (code === "OTHER") {
    const text = other.trim();
    return text ? { reason: text } : { problem: "specify" };
  }
  const listed = REVEAL_REASONS.find((r) => r.code === code);
  return listed ? { reason: listed.th } : { problem: "choose" };
}

export interface Identity { fullName: string; nationalId: string | null; phone: string | null }

/** A failure to show in the user's language: the server's UserError, or one of ours. */
export interface Failure { message: string; messageTh: string }

export type RevealOutcome = { kind: "shown"; citizen: Identity } | { kind: "failed"; error: Failure };

export function revealOutcome(result: { __typename: string; citizen?: Identity } & Partial<Failure>): RevealOutcome {
  if (result.__typename === "RevealCitizenIdentitySuccess" && result.citizen) {
    const { fullName, nationalId, phone } = result.citizen;
    return { kind: "shown", citizen: { fullName, nationalId, phone } };
  }
  if (isUserError(result)) {
    return { kind: "failed", error: { message: result.message, messageTh: result.messageTh } };
  }
  return { kind: "failed", error: UNEXPECTED };
}

const UNEXPECTED: Failure = {
  message: "The server gave an answer this app does not know; please try again.",
  messageTh: "ระบบตอบกลับในรูปแบบที่ไม่รู้จัก กรุณาลองอีกครั้ง",
};

/** A request that failed outright (no signal, not allowed, signed out). */
export function revealFailure(error: unknown): Failure {
  if (error instanceof NetworkError) {
    return { message: "No signal: the ID and phone can be shown only while online.",
             messageTh: "ไม่มีสัญญาณ แสดงเลขประจำตัวและเบอร์โทรได้เฉพาะเมื่อออนไลน์" };
  }
  if (error instanceof RequestError && error.code === "FORBIDDEN") {
    return { message: "You may not see this citizen's ID and phone.",
             messageTh: "คุณไม่มีสิทธิ์ดูเลขประจำตัวและเบอร์โทรของผู้ขอรับบริการรายนี้" };
  }
  if (error instanceof RequestError && error.code === "UNAUTHENTICATED") {
    return { message: "Please sign in again.", messageTh: "กรุณาเข้าสู่ระบบอีกครั้ง" };
  }
  return UNEXPECTED;
}
