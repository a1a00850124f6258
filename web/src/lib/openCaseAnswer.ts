/** What the outbox does with the server's answer to `openCase` (its OpenCaseResult union). */
import { isUserError } from "./graphql";
import type { DuplicateWarning, SendResult } from "./outbox";

export interface OpenCaseAnswer {
  __typename: string;
  case?: { id: string; reference: string } | null;
  message?: string;
  messageTh?: string;
  code?: string;
  field?: string | null;
  openCaseReference?: string | null;
  openCase?: DuplicateWarning["openCase"];
}

/**
 * Filed (sent), a duplicate warning (nothing filed: kept for the volunteer to decide), a
 * refusal (kept with its error), or an answer this client does not know (tried again later).
 */
export function classifyOpenCase(result: OpenCaseAnswer): SendResult {
  if (result.__typename === "OpenCaseSuccess" && result.case) {
    return { kind: "sent", caseId: result.case.id, reference: result.case.reference };
  }
  // Whether or not it names the open case: a case the volunteer may not see is not named.
  if (result.__typename === "DuplicateCaseWarning") {
    return {
      kind: "duplicate",
      warning: {
        code: result.code ?? "DUPLICATE_CASE", message: result.message ?? "",
        messageTh: result.messageTh ?? "", openCaseReference: result.openCaseReference ?? null,
        openCase: result.openCase
          ? { id: result.openCase.id, reference: result.openCase.reference, status: result.openCase.status }
          : null,
      },
    };
  }
  if (isUserError(result)) {
    return { kind: "refused", error: { code: result.code!, message: result.message!,
                                       messageTh: result.messageTh!, field: result.field ?? null } };
  }
  return { kind: "retry", reason: "unexpected answer" };
}
