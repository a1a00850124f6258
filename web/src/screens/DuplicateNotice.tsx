/** The server's duplicate warning at filing: nothing was filed; the citizen's open case. */
import { errorText, t } from "../i18n";
import type { DuplicateWarning } from "../lib/outbox";

export function DuplicateNotice({ warning }: { warning: DuplicateWarning }) {
  return (
    <div class="warning">
      <p><strong>{t("duplicateTitle")}</strong></p>
      <p>{errorText(warning)}</p>
      {warning.openCase
        ? <p><a href={`#/case/${warning.openCase.id}`}>{t("openExisting", { ref: warning.openCase.reference })}</a></p>
        : <p>{t("openCaseRef")}: <span class="ref">{warning.openCaseReference}</span><br />
            <span class="small">{t("existingNotYours")}</span></p>}
    </div>
  );
}
