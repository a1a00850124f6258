/**
 * The server's duplicate warning at filing: nothing was filed. The citizen's open case, when
 * the volunteer may see it; otherwise the message alone (it names no case, and says whom to ask).
 */
import { errorText, t } from "../i18n";
import type { DuplicateWarning } from "../lib/outbox";

export function DuplicateNotice({ warning }: { warning: DuplicateWarning }) {
  return (
    <div class="warning">
      <p><strong>{t("duplicateTitle")}</strong></p>
      <p>{errorText(warning)}</p>
      {warning.openCase
        ? <p><a href={`#/case/${warning.openCase.id}`}>{t("openExisting", { ref: warning.openCase.reference })}</a></p>
        : warning.openCaseReference
          // kept on the phone from an older server, which named cases the volunteer cannot open
          ? <p>{t("openCaseRef")}: <span class="ref">{warning.openCaseReference}</span><br />
              <span class="small">{t("existingNotYours")}</span></p>
          : null}
    </div>
  );
}
