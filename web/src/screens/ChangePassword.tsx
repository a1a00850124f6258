/**
 * Choosing one's own password (issue 13). After signing in with a one-time code it is the only
 * screen (the API refuses everything else until then), and no current password is asked.
 */
import { useState } from "preact/hooks";
import { Field, Page, refusalText } from "../components";
import { errorText, t } from "../i18n";
import { gql, isUserError, type UserError } from "../lib/graphql";
import { CHANGE_PASSWORD } from "../queries";
import { navigate, notice, passwordChosen, type Me } from "../state";

const MIN_LENGTH = 10;

export function ChangePassword({ me }: { me: Me }) {
  const first = !!me.mustChangePassword;
  const [current, setCurrent] = useState("");
  const [password, setPassword] = useState("");
  const [again, setAgain] = useState("");
  const [errors, setErrors] = useState<{ current?: string; password?: string; again?: string; form?: string }>({});
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    const found: typeof errors = {};
    if (!first && !current) found.current = t("required", { field: t("currentPassword") });
    if (password.length < MIN_LENGTH) found.password = t("passwordTooShort", { n: MIN_LENGTH });
    else if (password.toLowerCase().includes(me.username.toLowerCase())) found.password = t("passwordHasUsername");
    if (again !== password) found.again = t("passwordsDiffer");
    setErrors(found);
    if (Object.keys(found).length) return;
    setBusy(true);
    try {
      const data = await gql<{ changePassword: { __typename: string } & Partial<UserError> }>(
        CHANGE_PASSWORD, { newPassword: password, currentPassword: first ? null : current });
      const answer = data.changePassword;
      if (isUserError(answer)) {
        const error = answer as UserError;
        setErrors(error.field === "currentPassword" ? { current: errorText(error) } : { password: errorText(error) });
        return;
      }
      passwordChosen();
      notice.set(t("passwordChanged"));
      navigate("/");
    } catch (error) {
      setErrors({ form: refusalText(error) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <Page title={first ? t("choosePassword") : t("changePassword")}>
      {first && <p class="lead">{t("choosePasswordWhy")}</p>}
      <form class="card" onSubmit={submit} noValidate>
        {!first && (
          <Field id="current-password" label={t("currentPassword")} error={errors.current}>
            <input id="current-password" type="password" autocomplete="current-password" value={current}
                   aria-describedby="current-password-msg" aria-invalid={errors.current ? "true" : undefined}
                   onInput={(e) => setCurrent(e.currentTarget.value)} />
          </Field>
        )}
        <Field id="new-password" label={t("newPassword")} hint={t("passwordHint", { n: MIN_LENGTH })} error={errors.password}>
          <input id="new-password" type="password" autocomplete="new-password" value={password}
                 aria-describedby="new-password-hint new-password-msg" aria-invalid={errors.password ? "true" : undefined}
                 onInput={(e) => setPassword(e.currentTarget.value)} />
        </Field>
        <Field id="new-password-again" label={t("newPasswordAgain")} error={errors.again}>
          <input id="new-password-again" type="password" autocomplete="new-password" value={again}
                 aria-describedby="new-password-again-msg" aria-invalid={errors.again ? "true" : undefined}
                 onInput={(e) => setAgain(e.currentTarget.value)} />
        </Field>
        {errors.form && <p class="error" role="alert">{errors.form}</p>}
        <button class="btn primary block" type="submit" disabled={busy}>{busy ? t("loading") : t("savePassword")}</button>
      </form>
    </Page>
  );
}
