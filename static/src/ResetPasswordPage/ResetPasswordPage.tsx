import { useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { apiError, useConfirmResetMutation } from "../api/api";
import { Field, FormError } from "../Field/Field";
import { linkToken } from "../token";

export function ResetPasswordPage() {
  const [token] = useState(linkToken);
  const [password, setPassword] = useState("");
  const [confirm, { isLoading, error, isSuccess }] = useConfirmResetMutation();
  const err = apiError(error);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    try {
      await confirm({ token, new_password: password }).unwrap();
      setPassword("");
    } catch {
      /* shown below */
    }
  }

  if (!token)
    return (
      <div className="card narrow">
        <h1>Reset your password</h1>
        <p className="form-error">This link is incomplete. Open the whole link from the message.</p>
      </div>
    );
  return (
    <div className="card narrow">
      <h1>Choose a new password</h1>
      {isSuccess ? (
        <p className="notice" data-testid="reset-done">
          Your password was changed. <Link to="/login">Log in</Link> with it.
        </p>
      ) : (
        <form onSubmit={onSubmit} noValidate>
          <Field label="New password" name="new_password" type="password" autoComplete="new-password" value={password} onChange={setPassword} error={err} hint="At least 12 characters." required />
          <FormError error={err} fields={["new_password"]} />
          <button type="submit" className="primary" disabled={isLoading}>
            Set the new password
          </button>
        </form>
      )}
    </div>
  );
}
