import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { apiError, useLoginMutation } from "../api/api";
import { Field, FormError } from "../Field/Field";

/** Only same-site paths are followed after login. */
function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function LoginPage() {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [login, { isLoading, error }] = useLoginMutation();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const err = apiError(error);

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
