import { useState } from "react";
import { apiError, useEndSessionsMutation, useUpdateUserMutation, useUsersQuery } from "../api/api";
import type { User } from "../api/types";
import { when } from "../format";
import { Pager } from "../Pager/Pager";

export function UsersPage({ me }: { me: User }) {
  const [cursor, setCursor] = useState<number | null>(null);
  const list = useUsersQuery({ cursor, limit: 50 });
  const [update, updated] = useUpdateUserMutation();
  const [endSessions, ended] = useEndSessionsMutation();
  const err = apiError(updated.error) ?? apiError(ended.error);

  return (
    <section className="panel">
      <h1>Users</h1>
      <p className="muted">New people join through an invitation (see Invites).</p>
      {err && <p className="form-error" role="alert">{err.message}</p>}
      {ended.data && <p className="notice">{ended.data.ended} session(s) ended.</p>}
      {list.isError && <p className="form-error">{apiError(list.error)?.message}</p>}
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>Email</th>
            <th>Role</th>
            <th>Status</th>
            <th>Last login</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.data?.items.map((u) => (
            <tr key={u.id} data-testid={`user-${u.email}`}>
              <td>{u.display_name}</td>
              <td>{u.email}</td>
              <td>{u.is_admin ? "admin" : "user"}</td>
              <td>{u.is_active ? (u.locked ? "locked" : "active") : "deactivated"}</td>
              <td>{when(u.last_login_at)}</td>
              <td className="actions">
                {u.id !== me.id && (
                  <>
                    <button type="button" onClick={() => update({ id: u.id, is_admin: !u.is_admin })}>
                      {u.is_admin ? "Make user" : "Make admin"}
                    </button>
                    <button type="button" className={u.is_active ? "danger" : ""} onClick={() => update({ id: u.id, is_active: !u.is_active })}>
                      {u.is_active ? "Deactivate" : "Activate"}
                    </button>
                  </>
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
  );
}
