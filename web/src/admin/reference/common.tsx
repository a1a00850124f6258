/** What the reference-data screens share: a mutation run with its answer in words, and the
 * message under a form (a success or a refusal naming the field, Thai first). */
import { useState } from "preact/hooks";
import { refusalText } from "../../components";
import { gql } from "../../lib/graphql";
import { errorText } from "../../i18n";

export interface Refusal { message: string; messageTh: string; code: string; field?: string }
export type Said = { ok: string } | { error: string; field?: string } | null;

/** Run a mutation whose single result is a union: the success object, or a refusal in words. */
export async function change<T = { __typename: string }>(
  doc: string, variables: Record<string, unknown>,
): Promise<{ ok: T } | { error: string; field?: string }> {
  try {
    const data = await gql<Record<string, T>>(doc, variables);
    const result = Object.values(data)[0]!;
    if (typeof result === "object" && result !== null && "messageTh" in result) {
      const refusal = result as unknown as Refusal;
      return { error: errorText(refusal), field: refusal.field };
    }
    return { ok: result };
  } catch (error) {
    return { error: refusalText(error) };
  }
}

export function useSaid(): [Said, (s: Said) => void] {
  return useState<Said>(null);
}

export function SaidLine({ said, id }: { said: Said; id: string }) {
  return (
    <p id={id} role="status" aria-live="polite" class={said && "error" in said ? "alert" : said ? "notice" : "sr-only"}>
      {said ? ("error" in said ? said.error : said.ok) : ""}
    </p>
  );
}
