import { useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { apiError, useRequestResetMutation } from "../api/api";
import { Field, FormError } from "../Field/Field";

export function ForgotPasswordPage() {
  const [email, setEmail] = useState("");
  const [request, { isLoading, error, data }] = useRequestResetMutation();
  const err = apiError(error);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    try {
      await request({ email }).unwrap();
    } catch {
      /* shown below */
    }
  }

  return (
    <div className="card narrow">
      <h1>Reset your password</h1>
      {data ? (
        <p className="notice" data-testid="reset-requested">
          {data.message}
        </p>
      ) : (
        <form onSubmit={onSubmit} noValidate>
          <Field label="Email" name="email" type="email" autoComplete="username" value={email} onChange={setEmail} error={err} required />
          <FormError error={err} fields={["email"]} />
          <button type="submit" className="primary" disabled={isLoading}>
            Send me a reset link
          </button>
        </form>
      )}
      <p className="muted">
        <Link to="/login">Back to login</Link>
      </p>
    </div>
  );
}
