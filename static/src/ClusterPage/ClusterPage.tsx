import { useState, type FormEvent } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import {
  apiError, useClusterInstancesQuery, useClusterQuery, useDeleteClusterMutation, useUpdateClusterMutation,
} from "../api/api";
import { useFleetSeen } from "../api/fleetSeen";
import { usePermissions } from "../api/permissions";
import { toneOf } from "../api/states";
import type { Cluster } from "../api/types";
import { when } from "../format";
import { StateBadge } from "../StateBadge/StateBadge";
import { poll } from "../api/poll";

/** The monitoring links a cluster page offers a field for (any other name
 * the API holds is kept and shown too). */
const LINKS: { key: string; label: string }[] = [
  { key: "prometheus", label: "Prometheus" },
  { key: "grafana", label: "Grafana" },
  { key: "alertmanager", label: "Alertmanager" },
  { key: "console", label: "Kubernetes console" },
];

/** The admin's form for what Ocim itself holds of a cluster: its links. */
function LinksForm({ cluster, onDone }: { cluster: Cluster; onDone: () => void }) {
  const [update, updated] = useUpdateClusterMutation();
  const [links, setLinks] = useState<Record<string, string>>({ ...cluster.links });
  const err = apiError(updated.error);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const kept = Object.fromEntries(Object.entries(links).filter(([, v]) => v.trim() !== ""));
    try {
      await update({ id: cluster.id, links: kept }).unwrap();
      onDone();
    } catch {
      /* shown below */
    }
  }

  return (
    <form onSubmit={onSubmit} data-testid="cluster-links-form" noValidate>
      {LINKS.map((l) => (
        <label key={l.key} className="field">
          <span className="field-label">{l.label}</span>
          <input name={`link-${l.key}`} type="url" value={links[l.key] ?? ""} placeholder="https://…"
                 onChange={(e) => setLinks({ ...links, [l.key]: e.target.value })} />
        </label>
      ))}
      {err && <p className="form-error" role="alert">{err.message}</p>}
      <div className="actions-row">
        <button type="submit" className="primary" disabled={updated.isLoading}>Save</button>
        <button type="button" onClick={onDone}>Cancel</button>
      </div>
    </form>
  );
}

export function ClusterPage() {
  const id = Number(useParams().id);
  const cluster = useClusterQuery(id, poll(15000));
  const instances = useClusterInstancesQuery(cluster.data?.name ?? "", { ...poll(15000), skip: !cluster.data });
  const [remove, removed] = useDeleteClusterMutation();
  const [editing, setEditing] = useState(false);
  const navigate = useNavigate();
  const { can } = usePermissions();
  useFleetSeen(cluster.data ? JSON.stringify(cluster.data.instance_counts) : undefined);

  if (cluster.isLoading) return <p className="muted">Loading…</p>;
  if (!cluster.data) return <p className="form-error">{apiError(cluster.error)?.message ?? "No such cluster."}</p>;
  const c = cluster.data;
  const lp = c.latest_pipeline;
  const mine = (instances.data?.items ?? []).filter((i) => i.cluster_id === c.id);
  const linkNames = [...LINKS.map((l) => l.key).filter((k) => c.links[k]), ...Object.keys(c.links).filter((k) => !LINKS.some((l) => l.key === k))];

  async function onRemove() {
    if (!window.confirm(`Remove ${c.name} and its ${mine.length} instances from Ocim? Nothing changes in GitLab or ` +
                        "on the cluster; the next refresh of the repository brings it back while its folder is there.")) return;
    try {
      await remove(c.id).unwrap();
      navigate("/instances");
    } catch {
      /* shown below */
    }
  }

  return (
    <>
      <section className="panel">
        <div className="panel-head">
          <h1 data-testid="cluster-name">{c.name}</h1>
          <StateBadge kind="cluster" value={c.status} />
        </div>
        <dl className="facts">
          <dt>Repository</dt>
          <dd data-testid="cluster-project">
            {c.project_name}
            {c.gitlab_project_id !== undefined && (
              <>
                {" — GitLab project "}
                {c.project_web_url ? <a href={c.project_web_url}>#{c.gitlab_project_id}</a> : `#${c.gitlab_project_id}`}
                {c.gitlab_url && <span className="muted small"> on {c.gitlab_url}</span>}
              </>
            )}
          </dd>
          <dt>Provider</dt>
          <dd>
            {c.provider}
            {c.region ? `, ${c.region}` : ""}
          </dd>
          <dt>Online</dt>
          <dd>
            {c.online === null ? "unknown (no OpenFaaS gateway)" : c.online ? "yes" : "no"}
            {c.online_checked_at && <span className="muted small"> checked {when(c.online_checked_at)}</span>}
          </dd>
          <dt>Nodes</dt>
          <dd>
            {c.max_node_count ?? "?"} at most, {c.node_size ?? "size unknown"}
          </dd>
          <dt>Databases</dt>
          <dd>
            MySQL {c.mysql_size ?? "?"}, MongoDB {c.mongodb_size ?? "?"}
          </dd>
          <dt>Latest pipeline</dt>
          <dd data-testid="cluster-pipeline">
            {lp ? (
              <>
                <StateBadge kind="pipeline" value={lp.status} />{" "}
                {lp.web_url ? <a href={lp.web_url}>#{lp.gitlab_id}</a> : `#${lp.gitlab_id}`}
                {" "}{lp.action_kind ?? "no action"}
                {lp.instance_id && lp.instance_name && (
                  <> of <Link to={`/instances/${lp.instance_id}`}>{lp.instance_name}</Link></>
                )}
                {lp.message && <span className={lp.status === "failed" ? "form-error" : "muted"}> — {lp.message}</span>}
              </>
            ) : (
              "none"
            )}
          </dd>
          <dt>Monitoring</dt>
          <dd data-testid="cluster-links">
            {linkNames.length === 0 && <span className="muted">no links set</span>}
            <span className="links">
              {linkNames.map((name) => (
                <a key={name} href={c.links[name]}>
                  {LINKS.find((l) => l.key === name)?.label ?? name}
                </a>
              ))}
            </span>
          </dd>
          {c.last_error && (
            <>
              <dt>Last error</dt>
              <dd className="form-error">{c.last_error}</dd>
            </>
          )}
        </dl>
        {can("admin") && !editing && (
          <div className="actions-row">
            <button type="button" onClick={() => setEditing(true)}>Update</button>
            <button type="button" className="danger" onClick={onRemove} disabled={removed.isLoading}>Remove from Ocim</button>
          </div>
        )}
        {removed.error && <p className="form-error" role="alert">{apiError(removed.error)?.message}</p>}
        {editing && (
          <>
            <h2>Monitoring links</h2>
            <LinksForm cluster={c} onDone={() => setEditing(false)} />
          </>
        )}
      </section>
      <section className="panel">
        <h2>Instances</h2>
        <p className="counts-line">
          {Object.entries(c.instance_counts).map(([state, n]) => (
            <Link key={state} to={`/instances?cluster_id=${c.id}&status=${state}`}>
              <StateBadge kind="instance" value={state} /> {n}
            </Link>
          ))}
          <Link to={`/instances?cluster_id=${c.id}`}>all</Link>
        </p>
        <ul className="plain cluster-instances" data-testid="cluster-instances">
          {mine.map((i) => (
            <li key={i.id} data-tone={toneOf("instance", i.state)}>
              <Link to={`/instances/${i.id}`}>{i.name}</Link> <StateBadge kind="instance" value={i.state} />{" "}
              <StateBadge kind="health" value={i.health} />
            </li>
          ))}
        </ul>
        {can("operate") && <Link to={`/deploy?cluster=${c.id}`} className="button primary">
          Deploy an instance here
        </Link>}
      </section>
      {c.cluster_yml && (
        <section className="panel">
          <h2>cluster.yml</h2>
          <pre>{c.cluster_yml}</pre>
        </section>
      )}
    </>
  );
}
