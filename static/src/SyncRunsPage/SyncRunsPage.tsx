import { useState } from "react";
import { apiError, useSyncRunsQuery } from "../api/api";
import { duration, when } from "../format";
import { Pager } from "../Pager/Pager";
import { poll } from "../api/poll";

/** The runs of ocim-sync, newest first, with their counts and errors. */
export function SyncRunsPage() {
  const [cursor, setCursor] = useState<number | null>(null);
  const list = useSyncRunsQuery({ cursor, limit: 50 }, poll(30000));

  return (
    <section className="panel">
      <h1>Sync runs</h1>
      <p className="muted">
        ocim-sync runs from cron: it sends queued actions to GitLab and refreshes every repository, its
        pipelines and the clusters' OpenFaaS gateways.
      </p>
      {list.isError && <p className="form-error">{apiError(list.error)?.message}</p>}
      {list.data?.items.length === 0 && <p className="muted">No run yet.</p>}
      <table data-testid="sync-runs">
        <thead>
          <tr>
            <th>Started</th>
            <th>Took</th>
            <th>Repositories</th>
            <th>Requests</th>
            <th>Files</th>
            <th>Pipelines</th>
            <th>Actions sent</th>
            <th>Errors</th>
          </tr>
        </thead>
        <tbody>
          {list.data?.items.map((r) => (
            <tr key={r.id} className={r.error_count > 0 ? "row-bad" : undefined}>
              <td>{when(r.started_at)}</td>
              <td>{r.finished_at ? duration(r.duration_ms) : "running"}</td>
              <td>{r.projects}</td>
              <td>{r.requests}</td>
              <td>{r.files_fetched}</td>
              <td>{r.pipelines_upserted}</td>
              <td>{r.actions_sent}</td>
              <td>
                {r.errors.length === 0
                  ? "—"
                  : (
                    <ul className="plain">
                      {r.errors.map((e, i) => (
                        <li key={i}>
                          {e.project && <strong>{e.project}: </strong>}
                          {e.mail && <strong>mail #{e.mail}: </strong>}
                          {e.error}
                        </li>
                      ))}
                    </ul>
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
