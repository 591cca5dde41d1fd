import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { apiError, useLoginMutation, useOidcProvidersQuery } from "../api/api";
import { Field, FormError } from "../Field/Field";

/** Only same-site paths are followed after login. */
function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

/** What a failed sign-in with a provider means, for the person who tried
 * (the callback sends ?oidc_error=CODE; the audit log has the details). */
export const OIDC_ERRORS: Record<string, string> = {
  access_denied: "The sign-in was cancelled at the provider. Try again, and allow Ocim to see your email address.",
  bad_state:
    "This sign-in could not be matched to this browser, or it was already used. Start again from this page.",
  code_refused: "The provider refused to complete this sign-in (it may have been used already). Start again.",
  token_invalid: "The provider's answer could not be verified, so you were not signed in. Try again or ask an administrator.",
  token_time:
    "The provider's answer is outside its validity time. Check that this computer's clock is right, then try again.",
  email_not_verified: "Your email address is not verified at the provider. Verify it there, then try again.",
  domain_not_allowed: "Accounts of this domain may not sign in to Ocim. Use your organisation's account.",
  no_account:
    "There is no Ocim account or invitation for this email address. Ask an administrator to invite you.",
  account_unavailable:
    "The Ocim account of this email address is deactivated or linked to another account at this provider.",
  provider_not_allowed:
    "Accounts of your email domain sign in through another provider. Use the button your administrator named.",
  provider_unavailable:
    "The sign-in provider is unavailable: it did not answer, or answered with an error of its own. Try again in a moment.",
  provider_error: "The sign-in provider reported an error. Try again, or log in with your password.",
  misconfigured: "Sign-in with this provider is not set up correctly. Tell an administrator.",
  internal: "Something went wrong on our side. Try again.",
};

export function oidcErrorText(code: string | null): string | null {
  if (!code) return null;
  return OIDC_ERRORS[code] ?? "The sign-in did not succeed. Try again.";
}

export function LoginPage() {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [login, { isLoading, error }] = useLoginMutation();
  const { data: oidc } = useOidcProvidersQuery();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const err = apiError(error);
  const oidcError = oidcErrorText(params.get("oidc_error"));

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    try {
      await login({ email, password }).unwrap();
      setPassword("");
      navigate(safeNext(params.get("next")), { replace: true });
    } catch {
      /* shown below */
    }
  }

  return (
    <div className="card narrow">
      <h1>Log in to Ocim</h1>
      {oidcError && (
        <p className="form-error" role="alert" data-testid="oidc-error">
          {oidcError}
        </p>
      )}
      {oidc && oidc.providers.length > 0 && (
        <div className="oidc-buttons">
          {oidc.providers.map((p) => (
            <p key={p.name}>
              <a className="button" href={p.start} data-provider={p.name}>
                {p.label}
              </a>
            </p>
          ))}
          <p className="muted">or with your email and password:</p>
        </div>
      )}
      <form onSubmit={onSubmit} noValidate>
        <Field label="Email" name="email" type="email" autoComplete="username" value={email} onChange={setEmail} error={err} required />
        <Field label="Password" name="password" type="password" autoComplete="current-password" value={password} onChange={setPassword} error={err} required />
        <FormError error={err} fields={["email", "password"]} />
        <button type="submit" className="primary" disabled={isLoading}>
          {isLoading ? "Logging in…" : "Log in"}
        </button>
      </form>
      <p className="muted">
        <Link to="/forgot-password">Forgot your password?</Link>
      </p>
    </div>
  );
}
