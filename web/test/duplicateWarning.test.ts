// Issue 11: the duplicate warning names the open case only when the volunteer may see it.
import { describe, expect, it } from "vitest";
import { classifyOpenCase } from "../src/lib/openCaseAnswer";

describe("a duplicate warning that names no case", () => {
  it("still waits for the volunteer's decision, with no reference and no case", () => {
    const answer = {
      __typename: "DuplicateCaseWarning", code: "DUPLICATE_CASE",
      message: "Nothing was filed: this citizen already has an open case of this problem type with an office.",
      messageTh: "ยังไม่ได้ยื่นเรื่อง", openCaseReference: null, openCase: null,
    };
    expect(classifyOpenCase(answer)).toEqual({ kind: "duplicate", warning: {
      code: "DUPLICATE_CASE", message: answer.message, messageTh: answer.messageTh,
      openCaseReference: null, openCase: null,
    } });
  });

  it("over the lookup quota is a warning too: the volunteer may file anyway or discard", () => {
    const result = classifyOpenCase({ __typename: "DuplicateCaseWarning", code: "LOOKUP_QUOTA_EXCEEDED",
                                      message: "m", messageTh: "ม", openCaseReference: null, openCase: null });
    expect(result).toMatchObject({ kind: "duplicate", warning: { code: "LOOKUP_QUOTA_EXCEEDED", openCaseReference: null } });
  });
});
