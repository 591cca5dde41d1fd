import { useState, type FormEvent } from "react";
import { apiError, useCreateTokenMutation, useRevokeTokenMutation, useTokensQuery } from "../api/api";
import { Field, FormError } from "../Field/Field";
import { when } from "../format";

export function ApiTokensPage() {
  const list = useTokensQuery();
  const [name, setName] = useState("");
  const [readOnly, setReadOnly] = useState(false);
  const [create, created] = useCreateTokenMutation();
  const [revoke] = useRevokeTokenMutation();
  const err = apiError(created.error);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    try {
      await create({ name, read_only: readOnly }).unwrap();
      setName("");
      setReadOnly(false);
    } catch {
      /* shown below */
    }
  }

  return (
    <section className="panel">
      <h1>API tokens</h1>
      <p className="muted">
        Scripts and the command line send a token as <code>Authorization: Bearer …</code>. A token is shown once.
        It may do what you may do at the time it is used, never more; a read-only token only reads.
      </p>
      <form onSubmit={onSubmit} className="inline-form" noValidate>
        <Field label="Name" name="name" value={name} onChange={setName} error={err} required />
        <label className="check">
          <input type="checkbox" checked={readOnly} onChange={(e) => setReadOnly(e.target.checked)} /> read-only
        </label>
        <button type="submit" className="primary" disabled={created.isLoading}>
          Create token
        </button>
      </form>
      <FormError error={err} fields={["name"]} />
      {created.data?.token && (
        <p className="notice">
          New token <strong>{created.data.name}</strong>: <code data-testid="new-token">{created.data.token}</code>
        </p>
      )}
      {list.isError && <p className="form-error">{apiError(list.error)?.message}</p>}
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>Created</th>
            <th>Last used</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.data?.items.map((t) => (
            <tr key={t.id}>
              <td>
                {t.name} {t.read_only && <span className="muted small">read-only</span>}{" "}
                {t.signed_in_with === "oidc" && <span className="muted small">made in a provider's session</span>}
              </td>
              <td>{when(t.created_at)}</td>
              <td>{when(t.last_used_at)}</td>
              <td>
                <button type="button" className="danger" onClick={() => revoke(t.id)}>
                  Revoke
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.data && list.data.items.length === 0 && <p className="muted">No tokens yet.</p>}
    </section>
  );
}
