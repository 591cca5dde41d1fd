import { useState } from "react";
import {
  apiError, useEndSessionsMutation, useProjectsQuery, useUnlinkOidcMutation, useUpdateUserMutation, useUsersQuery,
} from "../api/api";
import { ROLES, ROLE_TEXT } from "../api/permissions";
import type { Project, Role, User } from "../api/types";
import { when } from "../format";
import { OidcDomains } from "../OidcDomains/OidcDomains";
import { Pager } from "../Pager/Pager";

/** How a user can get in: password or not, each linked provider with its
 * last sign-in (an admin may unlink it), and the domain rule that applies. */
function SignInMethods({ user, onUnlink }: { user: User; onUnlink: (provider: string) => void }) {
  const s = user.sign_in;
  if (!s) return null;
  return (
    <div className="sign-in" data-testid={`sign-in-${user.email}`}>
      <div>{s.password ? "password" : <span className="muted">no password</span>}</div>
      {s.oidc.map((l) => (
        <div key={l.provider}>
          {l.provider} <span className="muted small">(last sign-in {l.last_used_at ? when(l.last_used_at) : "never"})</span>{" "}
          <button type="button" className="small" aria-label={`Unlink ${user.email} from ${l.provider}`}
                  onClick={() => onUnlink(l.provider)}>
            Unlink
          </button>
        </div>
      ))}
      {s.oidc_required && (
        <div className="small" data-testid={`oidc-required-${user.email}`}>
          provider required ({s.oidc_required.domain}
          {s.oidc_required.providers.length ? `: ${s.oidc_required.providers.join(", ")}` : ""})
        </div>
      )}
    </div>
  );
}

/** The repositories a user is limited to: every one, or the ones ticked. */
function Memberships({ user, projects, onChange }: { user: User; projects: Project[];
                                                     onChange: (ids: number[] | null) => void }) {
  const limited = user.project_ids != null;
  const ids = user.project_ids ?? [];
  return (
    <div className="memberships" data-testid={`projects-${user.email}`}>
      <label className="check">
        <input type="checkbox" checked={!limited} disabled={user.role === "admin"}
               onChange={(e) => onChange(e.target.checked ? null : [])} /> every repository
      </label>
      {limited && projects.map((p) => (
        <label key={p.id} className="check">
          <input type="checkbox" checked={ids.includes(p.id)}
                 onChange={(e) => onChange(e.target.checked ? [...ids, p.id] : ids.filter((x) => x !== p.id))} />{" "}
          {p.name}
        </label>
      ))}
    </div>
  );
}

export function UsersPage({ me }: { me: User }) {
  const [cursor, setCursor] = useState<number | null>(null);
  const list = useUsersQuery({ cursor, limit: 50 });
  const projects = useProjectsQuery();
  const [update, updated] = useUpdateUserMutation();
  const [endSessions, ended] = useEndSessionsMutation();
  const [unlink, unlinked] = useUnlinkOidcMutation();
  const err = apiError(updated.error) ?? apiError(ended.error) ?? apiError(unlinked.error);

  return (
    <>
    <section className="panel">
      <h1>Users</h1>
      <p className="muted">
        New people join through an invitation (see Invites). Roles: {ROLES.map((r) => `${r} ${ROLE_TEXT[r]}`).join("; ")}.
        Reprovisioning is granted per user; admins always see every repository.
      </p>
      {err && <p className="form-error" role="alert">{err.message}</p>}
      {ended.data && <p className="notice">{ended.data.ended} session(s) ended.</p>}
      {list.isError && <p className="form-error">{apiError(list.error)?.message}</p>}
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>Email</th>
            <th>Role</th>
            <th>Reprovision</th>
            <th>Repositories</th>
            <th>Status</th>
            <th>Sign-in</th>
            <th>Last login</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.data?.items.map((u) => (
            <tr key={u.id} data-testid={`user-${u.email}`}>
              <td>{u.display_name}</td>
              <td>{u.email}</td>
              <td>
                {u.id === me.id ? (
                  u.role
                ) : (
                  <select aria-label={`Role of ${u.email}`} value={u.role}
                          onChange={(e) => update({ id: u.id, role: e.target.value as Role })}>
                    {ROLES.map((r) => (
                      <option key={r} value={r}>{r}</option>
                    ))}
                  </select>
                )}
              </td>
              <td>
                <input type="checkbox" aria-label={`${u.email} may reprovision`} checked={!!u.can_reprovision}
                       onChange={(e) => update({ id: u.id, can_reprovision: e.target.checked })} />
              </td>
              <td>
                {u.role === "admin" ? (
                  <span className="muted small">every repository</span>
                ) : (
                  <Memberships user={u} projects={projects.data?.items ?? []}
                               onChange={(ids) => update({ id: u.id, project_ids: ids })} />
                )}
              </td>
              <td>{u.is_active ? (u.locked ? "locked" : "active") : "deactivated"}</td>
              <td>
                <SignInMethods user={u} onUnlink={(provider) => unlink({ id: u.id, provider })} />
              </td>
              <td>{when(u.last_login_at)}</td>
              <td className="actions">
                {u.id !== me.id && (
                  <button type="button" className={u.is_active ? "danger" : ""} onClick={() => update({ id: u.id, is_active: !u.is_active })}>
                    {u.is_active ? "Deactivate" : "Activate"}
                  </button>
                )}
                <button type="button" onClick={() => endSessions(u.id)}>
                  End sessions
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager cursor={cursor} next={list.data?.next_cursor} onChange={setCursor} />
    </section>
    <OidcDomains />
    </>
  );
}
