import { Link, useParams } from "react-router-dom";
import { apiError, useClusterQuery } from "../api/api";
import { usePermissions } from "../api/permissions";
import { when } from "../format";
import { StateBadge } from "../StateBadge/StateBadge";
import { poll } from "../api/poll";

export function ClusterPage() {
  const id = Number(useParams().id);
  const cluster = useClusterQuery(id, poll(15000));
  const { can } = usePermissions();

  if (cluster.isLoading) return <p className="muted">Loading…</p>;
  if (!cluster.data) return <p className="form-error">{apiError(cluster.error)?.message ?? "No such cluster."}</p>;
  const c = cluster.data;
  return (
    <>
      <section className="panel">
        <div className="panel-head">
          <h1 data-testid="cluster-name">{c.name}</h1>
          <StateBadge value={c.status} />
        </div>
        <dl className="facts">
          <dt>Repository</dt>
          <dd>{c.project_name}</dd>
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
          <dd>
            {c.latest_pipeline ? (
              <>
                <StateBadge value={c.latest_pipeline.status} /> #{c.latest_pipeline.gitlab_id}
              </>
            ) : (
              "none"
            )}
          </dd>
          {c.last_error && (
            <>
              <dt>Last error</dt>
              <dd className="form-error">{c.last_error}</dd>
            </>
          )}
        </dl>
        {Object.keys(c.links).length > 0 && (
          <p className="links">
            {Object.entries(c.links).map(([name, url]) => (
              <a key={name} href={url}>
                {name}
              </a>
            ))}
          </p>
        )}
      </section>
      <section className="panel">
        <h2>Instances</h2>
        <p className="counts-line">
          {Object.entries(c.instance_counts).map(([state, n]) => (
            <Link key={state} to={`/instances?cluster=${encodeURIComponent(c.name)}&status=${state}`}>
              <StateBadge value={state} /> {n}
            </Link>
          ))}
          <Link to={`/instances?cluster=${encodeURIComponent(c.name)}`}>all</Link>
        </p>
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
