import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import { apiError, useInstanceActionMutation, useInstanceQuery, usePlanMutation, useRefreshInstanceMutation } from "../api/api";
import { useRefreshWatch } from "../api/refresh";
import { ACTION_FROM, isPending } from "../api/states";
import { useLiveAction } from "../api/liveAction";
import { usePermissions } from "../api/permissions";
import type { Action } from "../api/types";
import { when } from "../format";
import { useIntentKeys } from "../key";
import { StateBadge } from "../StateBadge/StateBadge";
import { poll } from "../api/poll";

const ACTIONS: { kind: string; label: string; danger?: boolean; from: readonly string[] }[] = [
  { kind: "archive", label: "Archive", from: ACTION_FROM.archive },
  { kind: "unarchive", label: "Unarchive", from: ACTION_FROM.unarchive },
  { kind: "build-images", label: "Build images", from: ACTION_FROM["build-images"] },
  { kind: "delete", label: "Delete", danger: true, from: ACTION_FROM.delete },
];

function ActionResult({ answered }: { answered: Action }) {
  const action = useLiveAction(answered) ?? answered;
  return (
    <p className="notice" data-testid="action-result">
      {action.kind} requested: <strong>{action.state}</strong>
      {action.pipeline?.web_url && (
        <>
          {" "}
          — <a href={action.pipeline.web_url}>pipeline #{action.pipeline.gitlab_id}</a>
        </>
      )}
      {action.last_error && <span className="form-error"> ({action.last_error})</span>}
    </p>
  );
}

export function InstancePage() {
  const id = Number(useParams().id);
  const inst = useInstanceQuery(id, poll(10000));
  const [act, acted] = useInstanceActionMutation();
  const [plan, planned] = usePlanMutation();
  const [refresh, refreshed] = useRefreshInstanceMutation();
  const watch = useRefreshWatch(refreshed.data);
  const refreshing = refreshed.isLoading || watch.status === "queued";
  const [overrides, setOverrides] = useState("");
  const keys = useIntentKeys();
  const err = apiError(acted.error) ?? apiError(planned.error);
  const operate = usePermissions().can("operate");

  async function run(kind: string, body: { overrides?: string } = {}) {
    if (kind === "delete" && !window.confirm(`Delete ${inst.data?.name}? Its data is removed for good.`)) return;
    const intent = { id, kind, ...body };
    try {
      await act({ ...intent, key: keys.keyFor(intent) }).unwrap();
      keys.settle(intent);
    } catch (e) {
      keys.settle(intent, e); // shown below; a retry after no answer sends the same key
    }
  }

  if (inst.isLoading) return <p className="muted">Loading…</p>;
  if (!inst.data) return <p className="form-error">{apiError(inst.error)?.message ?? "No such instance."}</p>;
  const i = inst.data;
  const pending = isPending(i.state);

  return (
    <>
      <section className="panel">
        <div className="panel-head">
          <h1 data-testid="instance-name">{i.name}</h1>
          <StateBadge value={i.state} />
        </div>
        <dl className="facts">
          <dt>Cluster</dt>
          <dd>
            <Link to={`/clusters/${i.cluster_id}`}>{i.cluster_name}</Link> ({i.provider})
          </dd>
          <dt>State</dt>
          <dd>
            {i.state.replace(/_/g, " ")} since {when(i.state_since)}
            {i.state_reason && <div className="form-error">{i.state_reason}</div>}
          </dd>
          <dt>Health</dt>
          <dd>
            <StateBadge value={i.health} /> {i.pods_fetched_at && <span className="muted small">as of {when(i.pods_fetched_at)}</span>}
          </dd>
          <dt>Description</dt>
          <dd>{i.description || <span className="muted">none</span>}</dd>
          {!!i.file_errors?.length && (
            <>
              <dt>Repository</dt>
              <dd data-testid="file-errors">
                {i.file_errors.map((f) => (
                  <div key={f.path} className="form-error">
                    {f.error} <span className="muted small">(blob {f.blob?.slice(0, 12)}; the last good data is shown)</span>
                  </div>
                ))}
              </dd>
            </>
          )}
        </dl>
        {operate && <div className="actions-row" data-testid="instance-actions">
          <button type="button" onClick={() => refresh(id)} disabled={refreshing}>
            {refreshing ? "Refresh queued…" : "Refresh"}
          </button>
          {ACTIONS.filter((a) => a.from.includes(i.state)).map((a) => (
            <button key={a.kind} type="button" className={a.danger ? "danger" : ""} disabled={acted.isLoading || pending}
                    onClick={() => run(a.kind)}>
              {a.label}
            </button>
          ))}
        </div>}
        {err && <p className="form-error" role="alert">{err.message}</p>}
        {acted.data && <ActionResult answered={acted.data} />}
        {watch.status === "queued" && (
          <p className="muted small" data-testid="refresh-status">
            Refresh queued: ocim-sync reads the repository now; this page updates when it is done.
          </p>
        )}
        {watch.status === "done" && (
          <p className="muted small" data-testid="refresh-status">Refreshed.</p>
        )}
        {watch.status === "failed" && (
          <p className="form-error" data-testid="refresh-status">Refresh failed: {watch.error}</p>
        )}
        {refreshed.error && <p className="form-error" role="alert">{apiError(refreshed.error)?.message}</p>}
      </section>

      {operate && (i.state === "running" || i.state === "failure") && (
        <section className="panel">
          <h2>Update with configuration overrides</h2>
          <textarea aria-label="Overrides (YAML)" rows={6} value={overrides} placeholder={"PLATFORM_NAME: My site\n"}
                    onChange={(e) => setOverrides(e.target.value)} />
          <div className="actions-row">
            <button type="button" onClick={() => plan({ id, overrides })} disabled={planned.isLoading}>
              Show changes
            </button>
            <button type="button" className="primary" disabled={acted.isLoading || pending}
                    onClick={() => run("update", { overrides })}>
              Update
            </button>
          </div>
          {planned.data && (
            <table>
              <thead>
                <tr>
                  <th>Setting</th>
                  <th>Now</th>
                  <th>After the update</th>
                </tr>
              </thead>
              <tbody>
                {planned.data.changes.map((c) => (
                  <tr key={c.path}>
                    <td>
                      <code>{c.path}</code>
                    </td>
                    <td>
                      <code>{JSON.stringify(c.old)}</code>
                    </td>
                    <td>
                      <code>{JSON.stringify(c.new)}</code>
                    </td>
                  </tr>
                ))}
                {planned.data.changes.length === 0 && (
                  <tr>
                    <td colSpan={3} className="muted">
                      Nothing changes.
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
          )}
        </section>
      )}

      <section className="panel">
        <h2>Pipelines</h2>
        <table>
          <thead>
            <tr>
              <th>Pipeline</th>
              <th>Action</th>
              <th>Status</th>
              <th>Started</th>
              <th>Finished</th>
            </tr>
          </thead>
          <tbody>
            {(i.pipelines ?? []).map((p) => (
              <tr key={p.id}>
                <td>{p.web_url ? <a href={p.web_url}>#{p.gitlab_id}</a> : `#${p.gitlab_id}`}</td>
                <td>{p.action_kind ?? "—"}</td>
                <td>
                  <StateBadge value={p.status} />
                </td>
                <td>{when(p.created_at)}</td>
                <td>{p.finished_at ? when(p.finished_at) : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {(i.pipelines ?? []).length === 0 && <p className="muted">No pipeline yet.</p>}
      </section>

      <section className="panel two-col">
        <div>
          <h2>config.yml</h2>
          <pre>{i.config_yml ?? "not read yet"}</pre>
        </div>
        <div>
          <h2>grove.yml</h2>
          <pre>{i.grove_yml ?? "not read yet"}</pre>
        </div>
      </section>
    </>
  );
}
