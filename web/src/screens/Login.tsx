import { useState } from "preact/hooks";
import { Field, Page, refusalText } from "../components";
import { errorText, t } from "../i18n";
import { gql, NetworkError } from "../lib/graphql";
import { LOGIN } from "../queries";
import { navigate, signIn, type Me } from "../state";

type LoginData = {
  login: { __typename: string; token?: string; user?: Me; mustChangePassword?: boolean; message?: string;
           messageTh?: string };
};

export function Login() {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { login } = await gql<LoginData>(LOGIN, { username: username.trim(), password });
      if (login.token && login.user) {
        signIn(login.token, { ...login.user, mustChangePassword: !!login.mustChangePassword });
        if (login.mustChangePassword) navigate("/password");
      }
      else setError(errorText({ message: login.message ?? "", messageTh: login.messageTh ?? "" }));
    } catch (e) {
      setError(e instanceof NetworkError ? t("offlineNoData") : refusalText(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Page title={t("signIn")}>
      <p class="lead">{t("appTagline")}</p>
      <form class="card" onSubmit={submit} noValidate>
        <Field id="username" label={t("username")}>
          <input id="username" name="username" autocomplete="username" required autoCapitalize="none"
                 value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
        </Field>
        <Field id="password" label={t("password")} error={error}>
          <input id="password" name="password" type="password" autocomplete="current-password" required
                 aria-describedby="password-msg" aria-invalid={error ? "true" : undefined}
                 value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </Field>
        <button class="btn primary block" type="submit" disabled={busy}>
          {busy ? t("signingIn") : t("signIn")}
        </button>
      </form>
    </Page>
  );
}
