// The outbox's reading of openCase's answers (the OpenCaseResult union of schema.graphql).
import { describe, expect, it } from "vitest";
import { classifyOpenCase } from "../src/lib/openCaseAnswer";

describe("openCase answers", () => {
  it("a filed case is sent", () => {
    expect(classifyOpenCase({ __typename: "OpenCaseSuccess", case: { id: "c1", reference: "NKI-2569-000001" } }))
      .toEqual({ kind: "sent", caseId: "c1", reference: "NKI-2569-000001" });
  });

  it("a duplicate warning is neither sent nor refused: it waits for the volunteer, with the open case", () => {
    const answer = {
      __typename: "DuplicateCaseWarning", code: "DUPLICATE_CASE", message: "This citizen already has an open case",
      messageTh: "ผู้ขอรับบริการรายนี้มีเรื่องประเภทเดียวกันที่ยังไม่ปิดอยู่แล้ว (NKI-2569-000007)",
      openCaseReference: "NKI-2569-000007",
      openCase: { id: "c7", reference: "NKI-2569-000007", status: "IN_PROGRESS" },
    };
    expect(classifyOpenCase(answer)).toEqual({ kind: "duplicate", warning: {
      code: "DUPLICATE_CASE", message: answer.message, messageTh: answer.messageTh,
      openCaseReference: "NKI-2569-000007", openCase: { id: "c7", reference: "NKI-2569-000007", status: "IN_PROGRESS" },
    } });
  });

  it("a duplicate the volunteer may not open keeps only its reference", () => {
    const result = classifyOpenCase({ __typename: "DuplicateCaseWarning", code: "DUPLICATE_CASE", message: "m",
                                      messageTh: "ม", openCaseReference: "NKI-2569-000009", openCase: null });
    expect(result).toMatchObject({ kind: "duplicate", warning: { openCaseReference: "NKI-2569-000009", openCase: null } });
  });

  it("a validation error is a refusal with its field, in both languages", () => {
    expect(classifyOpenCase({ __typename: "ValidationError", code: "INVALID_NATIONAL_ID", message: "bad",
                              messageTh: "เลขประจำตัวประชาชนไม่ถูกต้อง", field: "citizen.nationalId" }))
      .toEqual({ kind: "refused", error: { code: "INVALID_NATIONAL_ID", message: "bad",
                                           messageTh: "เลขประจำตัวประชาชนไม่ถูกต้อง", field: "citizen.nationalId" } });
  });

  it("an answer this client does not know is tried again, never dropped", () => {
    expect(classifyOpenCase({ __typename: "SomethingNew" })).toEqual({ kind: "retry", reason: "unexpected answer" });
  });
});
