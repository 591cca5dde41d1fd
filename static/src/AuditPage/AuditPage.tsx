import { useState } from "react";
import { apiError, useAuditQuery } from "../api/api";
import { when } from "../format";
import { Pager } from "../Pager/Pager";

export function AuditPage() {
  const [action, setAction] = useState("");
  const [cursor, setCursor] = useState<number | null>(null);
  const list = useAuditQuery({ action, cursor, limit: 50 });

  return (
    <section className="panel">
      <h1>Audit log</h1>
      <label className="field inline">
        <span className="field-label">Action</span>
        <input
          value={action}
          placeholder="e.g. login.failure"
          onChange={(e) => {
            setAction(e.target.value);
            setCursor(null);
          }}
        />
      </label>
      {list.isError && <p className="form-error">{apiError(list.error)?.message}</p>}
      <table>
        <thead>
          <tr>
            <th>Time</th>
            <th>User</th>
            <th>Address</th>
            <th>Action</th>
            <th>Object</th>
            <th>Details</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.items.map((a) => (
            <tr key={a.id}>
              <td>{when(a.at)}</td>
              <td>{a.user_email ?? "—"}</td>
              <td>{a.address ?? "—"}</td>
              <td>{a.action}</td>
              <td>{a.object ?? "—"}</td>
              <td>
                <code>{JSON.stringify(a.details)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager cursor={cursor} next={list.data?.next_cursor} onChange={setCursor} first="Newest" more="Older" />
    </section>
  );
}
