import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import {
  apiError, useActionsQuery, useInstanceActionMutation, useInstanceQuery, useMeQuery, usePlanMutation,
  useRefreshInstanceMutation, useRetryActionMutation, useUpdateInstanceMutation,
} from "../api/api";
import { useFleetSeen } from "../api/fleetSeen";
import { useRefreshWatch } from "../api/refresh";
import { ACTION_FROM, isPending } from "../api/states";
import { actionOver, useLiveAction } from "../api/liveAction";
import { usePermissions } from "../api/permissions";
import type { Action, Instance } from "../api/types";
import { when } from "../format";
import { useIntentKeys } from "../key";
import { StateBadge } from "../StateBadge/StateBadge";
import { CancelAction } from "../CancelAction/CancelAction";
import { poll } from "../api/poll";

const ACTIONS: { kind: string; label: string; danger?: boolean; from: readonly string[] }[] = [
  { kind: "archive", label: "Archive", from: ACTION_FROM.archive },
  { kind: "unarchive", label: "Unarchive", from: ACTION_FROM.unarchive },
  { kind: "build-images", label: "Build images", from: ACTION_FROM["build-images"] },
  { kind: "delete", label: "Delete", danger: true, from: ACTION_FROM.delete },
];

function ActionResult({ answered }: { answered: Action }) {
  const action = useLiveAction(answered) ?? answered;
  const over = actionOver(action);
  const p = action.pipeline;
  return (
    <p className="notice" data-testid="action-result" data-over={over ? "yes" : "no"}>
      {action.kind} requested: <StateBadge kind="action" value={action.state} />
      {p && (
        <>
          {" "}
          — {p.web_url ? <a href={p.web_url}>pipeline #{p.gitlab_id}</a> : `pipeline #${p.gitlab_id}`}{" "}
          <StateBadge kind="pipeline" value={p.status} />
        </>
      )}
      {!over && <span className="muted small"> (followed until its pipeline ends)</span>}
      {over && action.state === "dispatched" && p?.status === "success" && <strong> Done.</strong>}
      {action.last_error && <span className="form-error"> ({action.last_error})</span>}
    </p>
  );
}

/** Why the health is what it is, from the pods OpenFaaS reported. */
function healthWhy(i: Instance): string | null {
  const pods = i.pods ?? [];
  if (i.health === "degraded") {
    const bad = pods.filter((p) => p.reason || p.ready === false);
    if (bad.length === 0) return "OpenFaaS reports errors for this instance.";
    return bad.map((p) => `pod ${p.name ?? "?"}: ${p.reason ?? (p.phase ? `${p.phase}, not ready` : "not ready")}`).join("; ");
  }
  if (i.health === "unreachable") {
    if (!i.pods_fetched_at) return "Not reported by the cluster's OpenFaaS gateway (none set, or not read yet).";
    return pods.length === 0 ? "No pod runs for it." : "The cluster's OpenFaaS gateway does not list it.";
  }
  if (i.health === "unknown") return "No OpenFaaS report yet.";
  return null;
}

/** A JSON object of OpenFaaS as "key: value" lines. */
function Facts({ data }: { data: Record<string, unknown> | null | undefined }) {
  if (!data || Object.keys(data).length === 0) return <span className="muted">none reported</span>;
  return (
    <>
      {Object.entries(data).map(([k, v]) => (
        <div key={k}>
          <code>{k}</code>: {typeof v === "object" ? JSON.stringify(v) : String(v)}
        </div>
      ))}
    </>
  );
}

/** The URL of a host named in config.yml. */
function hostUrl(config: Record<string, unknown> | null | undefined, key: string): string | null {
  const h = config?.[key];
  if (typeof h !== "string" || h === "") return null;
  return /^https?:\/\//.test(h) ? h : `https://${h}`;
}

/** The description, editable by operators. */
function Description({ i, operate }: { i: Instance; operate: boolean }) {
  const [save, saved] = useUpdateInstanceMutation();
  const [text, setText] = useState<string | null>(null);
  if (text === null)
    return (
      <>
        <span data-testid="description">{i.description || <span className="muted">none</span>}</span>{" "}
        {operate && <button type="button" className="small" onClick={() => setText(i.description)}>Edit</button>}
      </>
    );
  return (
    <form onSubmit={async (e) => {
      e.preventDefault();
      try {
        await save({ id: i.id, description: text }).unwrap();
        setText(null);
      } catch {
        /* shown below */
      }
    }}>
      <textarea aria-label="Description" rows={2} value={text} maxLength={2000} onChange={(e) => setText(e.target.value)} />
      <div className="actions-row">
        <button type="submit" className="primary" disabled={saved.isLoading}>Save</button>
        <button type="button" onClick={() => setText(null)}>Cancel</button>
      </div>
      {saved.error && <p className="form-error" role="alert">{apiError(saved.error)?.message}</p>}
    </form>
  );
}

/** The actions asked of this instance: who, what, when, how it ended; a
 * failed one can be retried, a queued one cancelled. */
function History({ id, operate }: { id: number; operate: boolean }) {
  const list = useActionsQuery({ instance: id, limit: 20 }, poll(10000));
  const [retry, retried] = useRetryActionMutation();
  const items = list.data?.items ?? [];
  return (
    <section className="panel">
      <h2>Actions</h2>
      <table data-testid="action-history">
        <thead>
          <tr>
            <th>When</th>
            <th>Who</th>
            <th>What</th>
            <th>Outcome</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {items.map((a) => (
            <tr key={a.id} data-action={a.id}>
              <td>{when(a.created_at)}</td>
              <td>{a.requested_by_email ?? "—"}</td>
              <td>{a.kind}</td>
              <td>
                <StateBadge kind="action" value={a.state} />
                {a.pipeline && (
                  <>
                    {" "}
                    {a.pipeline.web_url ? <a href={a.pipeline.web_url}>#{a.pipeline.gitlab_id}</a> : `#${a.pipeline.gitlab_id}`}{" "}
                    <StateBadge kind="pipeline" value={a.pipeline.status} />
                  </>
                )}
                {a.state === "cancelled" && a.cancelled_by_email && (
                  <div className="muted small">by {a.cancelled_by_email} {when(a.cancelled_at)}</div>
                )}
                {a.last_error && <div className="form-error small">{a.last_error}</div>}
              </td>
              <td>
                {operate && a.state === "failed" && (
                  <button type="button" onClick={() => retry(a.id)} disabled={retried.isLoading}>Retry</button>
                )}
                <CancelAction action={a} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {items.length === 0 && <p className="muted">No action asked yet.</p>}
      {retried.error && <p className="form-error" role="alert">{apiError(retried.error)?.message}</p>}
    </section>
  );
}

/** Delete, confirmed by typing the instance's name. */
function DeleteDialog({ name, onConfirm, onCancel }: { name: string; onConfirm: () => void; onCancel: () => void }) {
  const [typed, setTyped] = useState("");
  return (
    <div className="notice" role="dialog" aria-label={`Delete ${name}`} data-testid="delete-dialog">
      <p>
        Deleting <strong>{name}</strong> runs Grove's delete pipeline: its data is removed for good. Type its name to
        confirm.
      </p>
      <input aria-label="Instance name" value={typed} onChange={(e) => setTyped(e.target.value)} autoFocus />
      <div className="actions-row">
        <button type="button" className="danger" disabled={typed !== name} onClick={onConfirm}>Delete {name}</button>
        <button type="button" onClick={onCancel}>Cancel</button>
      </div>
    </div>
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
  const { can } = usePermissions();
  const operate = can("operate");
  const me = useMeQuery();
  const reprovisionOn = !!me.data?.features?.reprovision;
  const [deleting, setDeleting] = useState(false);
  useFleetSeen(inst.data ? `${inst.data.state}|${inst.data.health}` : undefined);

  async function run(kind: string, body: { overrides?: string } = {}) {
    setDeleting(false);
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
          <StateBadge kind="instance" value={i.state} />
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
            <StateBadge kind="health" value={i.health} />{" "}
            {i.pods_fetched_at && <span className="muted small">as of {when(i.pods_fetched_at)}</span>}
            {healthWhy(i) && <div className={i.health === "degraded" ? "warn-text" : "form-error"} data-testid="health-why">{healthWhy(i)}</div>}
          </dd>
          <dt>Sites</dt>
          <dd data-testid="site-links" className="links">
            {hostUrl(i.config, "LMS_HOST") ? <a href={hostUrl(i.config, "LMS_HOST")!}>LMS</a> : <span className="muted">no LMS_HOST</span>}
            {hostUrl(i.config, "CMS_HOST") && <a href={hostUrl(i.config, "CMS_HOST")!}>Studio</a>}
          </dd>
          <dt>Latest pipeline</dt>
          <dd data-testid="latest-pipeline">
            {i.latest_pipeline ? (
              <>
                <StateBadge kind="pipeline" value={i.latest_pipeline.status} />{" "}
                {i.latest_pipeline.web_url ? <a href={i.latest_pipeline.web_url}>#{i.latest_pipeline.gitlab_id}</a>
                  : `#${i.latest_pipeline.gitlab_id}`}{" "}
                {i.latest_pipeline.action_kind ?? ""}
                {i.latest_pipeline.message && (
                  <div className={i.latest_pipeline.status === "failed" ? "form-error" : "muted"} data-testid="pipeline-message">
                    {i.latest_pipeline.message}
                  </div>
                )}
              </>
            ) : (
              "none"
            )}
          </dd>
          <dt>Description</dt>
          <dd>
            <Description i={i} operate={operate} />
          </dd>
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
                    onClick={() => (a.kind === "delete" ? setDeleting(true) : run(a.kind))}>
              {a.label}
            </button>
          ))}
          {reprovisionOn && can("reprovision") && ACTION_FROM.reprovision.includes(i.state as never) && (
            <button type="button" disabled={acted.isLoading || pending} onClick={() => run("reprovision")}>
              Reprovision
            </button>
          )}
        </div>}
        {operate && !(reprovisionOn && can("reprovision")) && (
          <p className="muted small" data-testid="reprovision-why">
            Reprovision is not offered:{" "}
            {!reprovisionOn ? "this server has it switched off (actions.reprovision_enabled)."
              : "an administrator grants it per user, and you do not have it."}
          </p>
        )}
        {deleting && <DeleteDialog name={i.name} onConfirm={() => run("delete")} onCancel={() => setDeleting(false)} />}
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
              <th>Message</th>
            </tr>
          </thead>
          <tbody>
            {(i.pipelines ?? []).map((p) => (
              <tr key={p.id}>
                <td>{p.web_url ? <a href={p.web_url}>#{p.gitlab_id}</a> : `#${p.gitlab_id}`}</td>
                <td>{p.action_kind ?? "—"}</td>
                <td>
                  <StateBadge kind="pipeline" value={p.status} />
                </td>
                <td>{when(p.created_at)}</td>
                <td>{p.finished_at ? when(p.finished_at) : "—"}</td>
                <td className={p.status === "failed" ? "form-error" : "muted"}>{p.message ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {(i.pipelines ?? []).length === 0 && <p className="muted">No pipeline yet.</p>}
      </section>

      <History id={id} operate={operate} />

      <section className="panel">
        <h2>Pods</h2>
        <table data-testid="pods">
          <thead>
            <tr>
              <th>Pod</th>
              <th>Phase</th>
              <th>Ready</th>
              <th>Restarts</th>
              <th>Problem</th>
            </tr>
          </thead>
          <tbody>
            {(i.pods ?? []).map((p, n) => (
              <tr key={`${p.name}-${n}`} className={p.reason || p.ready === false ? "row-bad" : ""}>
                <td>{p.name ?? "?"}</td>
                <td>{p.phase ?? "—"}</td>
                <td>{p.ready === undefined ? "—" : p.ready ? "yes" : "no"}</td>
                <td>{p.restarts ?? "—"}</td>
                <td className="form-error">{p.reason ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {(i.pods ?? []).length === 0 && <p className="muted">No pod reported.</p>}
        <p className="muted small">As of {when(i.pods_fetched_at)} (OpenFaaS).</p>
        <div className="two-col">
          <div data-testid="replication">
            <h3>Replication</h3>
            <Facts data={i.replication} />
            <p className="muted small">Fetched {when(i.replication_fetched_at)}</p>
          </div>
          <div data-testid="usage">
            <h3>Usage</h3>
            <Facts data={i.usage} />
            <p className="muted small">Fetched {when(i.usage_fetched_at)}</p>
          </div>
        </div>
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
