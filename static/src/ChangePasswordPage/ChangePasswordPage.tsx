import { useState, type FormEvent } from "react";
import { apiError, useChangePasswordMutation } from "../api/api";
import { Field, FormError } from "../Field/Field";

export function ChangePasswordPage() {
  const [current, setCurrent] = useState("");
  const [fresh, setFresh] = useState("");
  const [endTokens, setEndTokens] = useState(false);
  const [change, { isLoading, error, isSuccess, data }] = useChangePasswordMutation();
  const err = apiError(error);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    try {
      await change({ current_password: current, new_password: fresh, end_tokens: endTokens }).unwrap();
      setCurrent("");
      setFresh("");
    } catch {
      /* shown below */
    }
  }

  return (
    <section className="panel narrow">
      <h1>Change your password</h1>
      {isSuccess && data && (
        <p className="notice" data-testid="password-changed">
          Your password was changed; your other sessions ({data.sessions_ended}) were ended
          {data.tokens_ended > 0 ? `, and your API tokens (${data.tokens_ended}) revoked` : ""}
          {data.tokens_kept > 0 ? `; your API tokens (${data.tokens_kept}) still work` : ""}.
        </p>
      )}
      <form onSubmit={onSubmit} noValidate>
        <Field label="Current password" name="current_password" type="password" autoComplete="current-password" value={current} onChange={setCurrent} error={err} required />
        <Field label="New password" name="new_password" type="password" autoComplete="new-password" value={fresh} onChange={setFresh} error={err} hint="At least 12 characters." required />
        <label className="check">
          <input type="checkbox" name="end_tokens" checked={endTokens} onChange={(e) => setEndTokens(e.target.checked)} /> also
          revoke every API token of my account (scripts using them stop working)
        </label>
        <FormError error={err} fields={["current_password", "new_password", "end_tokens"]} />
        <button type="submit" className="primary" disabled={isLoading}>
          Change password
        </button>
      </form>
    </section>
  );
}
