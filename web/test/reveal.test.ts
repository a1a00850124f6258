// Showing a citizen's ID and phone: the reason sent, and the answers and failures shown.
import { describe, expect, it } from "vitest";
import { NetworkError, RequestError } from "../src/lib/graphql";
import { MAX_REASON_CHARS, REVEAL_REASONS, revealFailure, revealOutcome, revealReason } from "../src/lib/reveal";

describe("the reason for a reveal", () => {
  it("must be chosen", () => {
    expect(revealReason("", "")).toEqual({ problem: "choose" });
  });

  it("is sent in Thai for a listed reason, whatever the screen's language", () => {
    expect(revealReason("CONTACT", "")).toEqual({ reason: "ติดต่อผู้ขอรับบริการ" });
    expect(revealReason("VERIFY", "ignored")).toEqual({ reason: "ยืนยันตัวตน" });
    for (const r of REVEAL_REASONS.filter((x) => x.code !== "OTHER")) {
      expect(r.th.length).toBeGreaterThanOrEqual(3); // the server wants at least 3 characters
      expect(r.th.length).toBeLessThanOrEqual(MAX_REASON_CHARS);
    }
  });

  it("is the user's own words for other, trimmed, and asked for when empty", () => {
    expect(revealReason("OTHER", "   ")).toEqual({ problem: "specify" });
    expect(revealReason("OTHER", "  ประสานศาลแรงงาน  ")).toEqual({ reason: "ประสานศาลแรงงาน" });
  });

  it("offers the common reasons and other, in Thai and English", () => {
    expect(REVEAL_REASONS.map((r) => r.code)).toEqual(["CONTACT", "VERIFY", "CHECK_RIGHTS", "OTHER"]);
    expect(REVEAL_REASONS.find((r) => r.code === "CONTACT")).toMatchObject({ en: "Contact the citizen" });
  });
});

describe("the answer to a reveal", () => {
  it("shows the citizen whole", () => {
    expect(revealOutcome({ __typename: "RevealCitizenIdentitySuccess",
                           citizen: { fullName: "นายสมชาย ทดสอบดี", nationalId: "1-1017-00230-70-8", phone: "+66812345678" } }))
      .toEqual({ kind: "shown", citizen: { fullName: "นายสมชาย ทดสอบดี", nationalId: "1-1017-00230-70-8", phone: "+66812345678" } });
  });

  it("shows the server's error in both languages", () => {
    expect(revealOutcome({ __typename: "ValidationError", code: "REQUIRED", field: "reason",
                           message: "Please give the reason (at least 3 characters).",
                           messageTh: "กรุณาระบุเหตุผล (อย่างน้อย 3 ตัวอักษร)" } as never))
      .toEqual({ kind: "failed", error: { message: "Please give the reason (at least 3 characters).",
                                          messageTh: "กรุณาระบุเหตุผล (อย่างน้อย 3 ตัวอักษร)" } });
    expect(revealOutcome({ __typename: "NotFoundError", code: "NOT_FOUND", message: "not found", messageTh: "ไม่พบ" } as never))
      .toMatchObject({ kind: "failed", error: { messageTh: "ไม่พบ" } });
  });

  it("explains a refusal, no signal and an unknown answer in both languages", () => {
    for (const error of [new RequestError("Forbidden", "FORBIDDEN"), new NetworkError("Failed to fetch"),
                         new RequestError("Please sign in.", "UNAUTHENTICATED"), new Error("boom")]) {
      const failure = revealFailure(error);
      expect(failure.message).not.toBe("");
      expect(failure.messageTh).toMatch(/[\u0E00-\u0E7F]/);
    }
    expect(revealFailure(new RequestError("x", "FORBIDDEN")).messageTh).toContain("ไม่มีสิทธิ์");
    expect(revealOutcome({ __typename: "SomethingNew" }).kind).toBe("failed");
  });
});
