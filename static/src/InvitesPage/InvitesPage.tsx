import { useState, type FormEvent } from "react";
import { apiError, useCreateInviteMutation, useInvitesQuery, useRevokeInviteMutation } from "../api/api";
import { ROLES } from "../api/permissions";
import type { Role } from "../api/types";
import { Field, FormError } from "../Field/Field";
import { when } from "../format";
import { Pager } from "../Pager/Pager";

export function InvitesPage() {
  const [cursor, setCursor] = useState<number | null>(null);
  const list = useInvitesQuery({ cursor, limit: 50 });
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const [create, created] = useCreateInviteMutation();
  const [revoke] = useRevokeInviteMutation();
  const [copied, setCopied] = useState(false);
  const err = apiError(created.error);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setCopied(false);
    try {
      await create({ email, role }).unwrap();
      setEmail("");
      setRole("viewer");
    } catch {
      /* shown below */
    }
  }

  async function copy(link: string) {
    await navigator.clipboard.writeText(link);
    setCopied(true);
  }

  return (
    <section className="panel">
      <h1>Invites</h1>
      <form onSubmit={onSubmit} className="inline-form" noValidate>
        <Field label="Email" name="email" type="email" value={email} onChange={setEmail} error={err} required />
        <label className="check">
          Role{" "}
          <select aria-label="Role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>{r}</option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary" disabled={created.isLoading}>
          Invite
        </button>
      </form>
      <FormError error={err} fields={["email"]} />
      {created.data?.link && (
        <div className="notice">
          <p>
            Invitation for <strong>{created.data.email}</strong>
            {created.data.mail_error ? ` was not mailed (${created.data.mail_error}); send this link yourself:` : " is on its way by mail (sent right after this answer). Its link, shown once:"}
          </p>
          <code data-testid="invite-link">{created.data.link}</code>{" "}
          <button type="button" onClick={() => copy(created.data?.link ?? "")}>
            {copied ? "Copied" : "Copy link"}
          </button>
        </div>
      )}
      {list.isError && <p className="form-error">{apiError(list.error)?.message}</p>}
      <table>
        <thead>
          <tr>
            <th>Email</th>
            <th>Role</th>
            <th>State</th>
            <th>Expires</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.data?.items.map((i) => (
            <tr key={i.id}>
              <td>{i.email}</td>
              <td>{i.role}</td>
              <td>{i.state}</td>
              <td>{when(i.expires_at)}</td>
              <td>
                {i.state === "pending" && (
                  <button type="button" className="danger" onClick={() => revoke(i.id)}>
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager cursor={cursor} next={list.data?.next_cursor} onChange={setCursor} first="Newest" more="Older" />
    </section>
  );
}
