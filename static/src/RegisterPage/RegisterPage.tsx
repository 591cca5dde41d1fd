import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router-dom";
import { apiError, useInviteQuery, useRegisterMutation } from "../api/api";
import { Field, FormError } from "../Field/Field";
import { linkToken } from "../token";

export function RegisterPage() {
  const [token] = useState(linkToken);
  const invite = useInviteQuery(token, { skip: !token });
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [register, { isLoading, error }] = useRegisterMutation();
  const navigate = useNavigate();
  const err = apiError(error);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    try {
      await register({ token, name, password }).unwrap();
      navigate("/", { replace: true });
    } catch {
      /* shown below */
    }
  }

  if (!token || invite.isError)
    return (
      <div className="card narrow">
        <h1>Join Ocim</h1>
        <p className="form-error" data-testid="invite-invalid">
          {apiError(invite.error)?.message ?? "This invitation link is incomplete."}
        </p>
      </div>
    );
  if (invite.isLoading || !invite.data) return <p className="muted">Loading…</p>;
  return (
    <div className="card narrow">
      <h1>Join Ocim</h1>
      <p>
        You were invited as <strong data-testid="invite-email">{invite.data.email}</strong>
        {" "}as <strong data-testid="invite-role">{invite.data.role}</strong>.
      </p>
      <form onSubmit={onSubmit} noValidate>
        <Field label="Your name" name="name" autoComplete="name" value={name} onChange={setName} error={err} required />
        <Field label="Password" name="password" type="password" autoComplete="new-password" value={password} onChange={setPassword} error={err} hint="At least 12 characters." required />
        <FormError error={err} fields={["name", "password"]} />
        <button type="submit" className="primary" disabled={isLoading}>
          Create my account
        </button>
      </form>
    </div>
  );
}
