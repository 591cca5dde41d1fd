import { useState, type FormEvent } from "react";
import {
  apiError, useAddOidcDomainMutation, useOidcDomainsQuery, useOidcProvidersQuery, useRemoveOidcDomainMutation,
} from "../api/api";
import { Field, FormError } from "../Field/Field";
import { when } from "../format";

/** The email domains that must sign in through a provider (admin): their
 * password logins and reset links are refused, and adding one ends their
 * password sessions. */
export function OidcDomains() {
  const list = useOidcDomainsQuery();
  const { data: oidc } = useOidcProvidersQuery();
  const [add, added] = useAddOidcDomainMutation();
  const [remove, removed] = useRemoveOidcDomainMutation();
  const [domain, setDomain] = useState("");
  const [picked, setPicked] = useState<string[]>([]);
  const providers = oidc?.providers ?? [];
  const label = (name: string) => providers.find((p) => p.name === name)?.label ?? name;
  const err = apiError(added.error) ?? apiError(removed.error);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    try {
      await add({ domain, providers: picked }).unwrap();
      setDomain("");
      setPicked([]);
    } catch {
      /* shown below */
    }
  }

  return (
    <section className="panel" data-testid="oidc-domains">
      <h2>Domains that sign in through a provider</h2>
      <p className="muted">
        Users whose email is in one of these domains cannot log in with a password or get a reset link; they use
        the provider's button. Adding a domain ends their password sessions (sessions opened through a provider
        and API tokens stay). A subdomain needs its own entry.
      </p>
      {providers.length === 0 && (
        <p className="notice">No sign-in provider is configured (oidc.providers), so no domain can require one.</p>
      )}
      <form onSubmit={onSubmit} className="inline-form" noValidate>
        <Field label="Domain" name="domain" value={domain} onChange={setDomain} error={err} required
               hint="e.g. example.com" />
        {providers.map((p) => (
          <label key={p.name} className="check">
            <input type="checkbox" checked={picked.includes(p.name)} aria-label={`Only ${p.label}`}
                   onChange={(e) => setPicked(e.target.checked ? [...picked, p.name] : picked.filter((x) => x !== p.name))} />{" "}
            {p.label}
          </label>
        ))}
        <button type="submit" className="primary" disabled={added.isLoading}>
          Require sign-in through a provider
        </button>
      </form>
      <p className="muted small">With no provider ticked, any configured provider may be used.</p>
      <FormError error={err} fields={["domain"]} />
      {added.data && (
        <p className="notice" data-testid="oidc-domain-added">
          {added.data.domain} now signs in through a provider: {added.data.sessions_ended ?? 0} password session(s)
          ended, {added.data.tokens_revoked ?? 0} API token(s) made in them revoked,{" "}
          {added.data.reset_links_voided ?? 0} reset link(s) voided.
        </p>
      )}
      {list.isError && <p className="form-error">{apiError(list.error)?.message}</p>}
      {list.data && list.data.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>Domain</th>
              <th>Providers</th>
              <th>Users</th>
              <th>Since</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((d) => (
              <tr key={d.domain} data-testid={`oidc-domain-${d.domain}`}>
                <td>{d.domain}</td>
                <td>{d.providers.length ? d.providers.map(label).join(", ") : "any"}</td>
                <td>{d.users ?? ""}</td>
                <td>{when(d.created_at)}</td>
                <td className="actions">
                  <button type="button" className="danger" onClick={() => remove(d.domain)}>
                    Allow passwords again
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
