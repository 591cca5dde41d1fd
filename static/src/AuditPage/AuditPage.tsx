import { useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { apiError, useAuditQuery, useUsersQuery } from "../api/api";
import { when } from "../format";
import { Pager } from "../Pager/Pager";

/** Where an audit object ("instance:12") is shown in the UI, if anywhere. */
function objectLink(object: string): string | null {
  const m = object.match(/^(instance|cluster|project|user|invite|action):(\d+)$/);
  if (!m) return null;
  switch (m[1]) {
    case "instance": return `/instances/${m[2]}`;
    case "cluster": return `/clusters/${m[2]}`;
    case "project": return "/projects";
    case "user": return "/admin/users";
    case "invite": return "/admin/invites";
    default: return `/actions/${m[2]}`;
  }
}

/** A detail value in words: lists joined, objects as key: value. */
function value(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (Array.isArray(v)) return v.map(value).join(", ") || "none";
  if (typeof v === "object") return Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}: ${value(x)}`).join("; ");
  if (typeof v === "boolean") return v ? "yes" : "no";
  return String(v);
}

function Details({ details }: { details: Record<string, unknown> | null }) {
  const entries = Object.entries(details ?? {});
  if (!entries.length) return <span className="muted">—</span>;
  return (
    <dl className="details" data-testid="audit-details">
      {entries.map(([k, v]) => (
        <div key={k}>
          <dt>{k.replace(/_/g, " ")}</dt>
          <dd>{value(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A text filter that follows the typing 300 ms after the last key. */
function useDebounced(v: string): string {
  const [d, setD] = useState(v);
  useEffect(() => {
    const t = setTimeout(() => setD(v), 300);
    return () => clearTimeout(t);
  }, [v]);
  return d;
}

export function AuditPage() {
  const [params, setParams] = useSearchParams();
  const [action, setAction] = useState(params.get("action") ?? "");
  const [object, setObject] = useState(params.get("object") ?? "");
  const user = params.get("user") ?? "";
  const [cursor, setCursor] = useState<number | null>(null);
  const da = useDebounced(action), dob = useDebounced(object);
  const users = useUsersQuery({ limit: 200 });
  const list = useAuditQuery({ action: da, object: dob, user, cursor, limit: 50 });
  const err = apiError(list.error);

  useEffect(() => {
    const next = new URLSearchParams();
    if (da) next.set("action", da);
    if (dob) next.set("object", dob);
    if (user) next.set("user", user);
    setParams(next, { replace: true });
    setCursor(null);
  }, [da, dob, user]); // eslint-disable-line react-hooks/exhaustive-deps

  function setUser(v: string) {
    const next = new URLSearchParams(params);
    if (v) next.set("user", v);
    else next.delete("user");
    setParams(next, { replace: true });
  }

  return (
    <section className="panel">
      <h1>Audit log</h1>
      <div className="filters" data-testid="audit-filters">
        <label className="filter">
          <span>User</span>
          <select aria-label="User" value={user} onChange={(e) => setUser(e.target.value)}>
            <option value="">Anybody</option>
            {users.data?.items.map((u) => <option key={u.id} value={String(u.id)}>{u.email}</option>)}
          </select>
        </label>
        <label className="filter">
          <span>Action</span>
          <input aria-label="Action" value={action} placeholder="e.g. login.failure" onChange={(e) => setAction(e.target.value)} />
        </label>
        <label className="filter">
          <span>Object</span>
          <input aria-label="Object" value={object} placeholder="instance:12 or instance" onChange={(e) => setObject(e.target.value)} />
        </label>
      </div>
      {err && <p className="form-error" role="alert">{err.message}</p>}
      <div className="table-wrap">
        <table data-testid="audit">
          <thead>
            <tr>
              <th>Time</th>
              <th>User</th>
              <th>Action</th>
              <th>Object</th>
              <th>Details</th>
            </tr>
          </thead>
          <tbody>
            {!err && list.data?.items.map((a) => {
              const to = a.object ? objectLink(a.object) : null;
              return (
                <tr key={a.id}>
                  <td>{when(a.at)}</td>
                  <td>
                    {a.user_email ?? "—"}
                    {a.address && <div className="muted small">{a.address}</div>}
                  </td>
                  <td>{a.action}</td>
                  <td>{a.object ? (to ? <Link to={to}>{a.object}</Link> : a.object) : "—"}</td>
                  <td><Details details={a.details} /></td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <Pager cursor={cursor} next={list.data?.next_cursor} onChange={setCursor} first="Newest" more="Older" />
    </section>
  );
}
