import { useState, type FormEvent } from "react";
import { apiError, useChangePasswordMutation } from "../api/api";
import { Field, FormError } from "../Field/Field";

export function ChangePasswordPage() {
  const [current, setCurrent] = useState("");
  const [fresh, setFresh] = useState("");
  const [change, { isLoading, error, isSuccess }] = useChangePasswordMutation();
  const err = apiError(error);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    try {
      await change({ current_password: current, new_password: fresh }).unwrap();
      setCurrent("");
      setFresh("");
    } catch {
      /* shown below */
    }
  }

  return (
    <section className="panel narrow">
      <h1>Change your password</h1>
      {isSuccess && (
        <p className="notice" data-testid="password-changed">
          Your password was changed; your other sessions were ended.
        </p>
      )}
      <form onSubmit={onSubmit} noValidate>
        <Field label="Current password" name="current_password" type="password" autoComplete="current-password" value={current} onChange={setCurrent} error={err} required />
        <Field label="New password" name="new_password" type="password" autoComplete="new-password" value={fresh} onChange={setFresh} error={err} hint="At least 12 characters." required />
        <FormError error={err} fields={["current_password", "new_password"]} />
        <button type="submit" className="primary" disabled={isLoading}>
          Change password
        </button>
      </form>
    </section>
  );
}
