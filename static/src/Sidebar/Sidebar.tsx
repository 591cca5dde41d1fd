import { useState } from "react";
import { NavLink } from "react-router-dom";
import { useClusterInstancesQuery, useClustersQuery, useProjectsQuery } from "../api/api";
import type { Cluster } from "../api/types";
import { toneOf } from "../api/states";
import { poll } from "../api/poll";

/** A state as a coloured dot with its name for screen readers and tooltips. */
export function StateMark({ state }: { state: string }) {
  const tone = toneOf("instance", state);
  return <span className={`mark mark-${tone}`} title={state.replace(/_/g, " ")} aria-label={state.replace(/_/g, " ")}
               data-state={state} data-tone={tone} />;
}

/** The instances of one cluster, fetched when it is opened. */
function ClusterInstances({ cluster }: { cluster: Cluster }) {
  const list = useClusterInstancesQuery(cluster.name, poll(30000));
  // the name filter may match other clusters' names too: keep this one's
  const items = (list.data?.items ?? []).filter((i) => i.cluster_id === cluster.id);
  if (list.isLoading) return <p className="muted small">Loading…</p>;
  return (
    <ul className="sidebar-instances" data-testid={`sidebar-instances-${cluster.id}`}>
      {items.map((i) => (
        <li key={i.id}>
          <StateMark state={i.state} />
          <NavLink to={`/instances/${i.id}`}>{i.name}</NavLink>
        </li>
      ))}
      {items.length === 0 && <li className="muted small">no instances</li>}
    </ul>
  );
}

/** Repositories, their clusters (each opens to its instances) and counts of
 * instances by state, each count with its state's name and colour. */
export function Sidebar() {
  const projects = useProjectsQuery(undefined, poll(30000));
  const clusters = useClustersQuery(undefined, poll(30000));
  const [open, setOpen] = useState<Record<number, boolean>>({});
  const byProject = new Map<number, Cluster[]>();
  for (const c of clusters.data?.items ?? []) byProject.set(c.project_id, [...(byProject.get(c.project_id) ?? []), c]);

  return (
    <aside className="sidebar" aria-label="Repositories and clusters">
      <NavLink to="/instances" className="sidebar-all">
        All instances
      </NavLink>
      {projects.data?.items.length === 0 && <p className="muted small">No repositories yet.</p>}
      {projects.data?.items.map((p) => (
        <div key={p.id} className="sidebar-project">
          <div className="sidebar-project-name" title={p.gitlab_url}>
            {p.name}
            {p.last_sync_error && <span className="badge badge-bad" title={p.last_sync_error}>sync error</span>}
          </div>
          <ul>
            {(byProject.get(p.id) ?? []).map((c) => (
              <li key={c.id} className="sidebar-cluster" data-testid={`sidebar-cluster-${c.id}`}>
                <div className="sidebar-cluster-head">
                  <button type="button" className="twisty" aria-expanded={!!open[c.id]}
                          aria-label={`${open[c.id] ? "Hide" : "Show"} the instances of ${c.name}`}
                          onClick={() => setOpen({ ...open, [c.id]: !open[c.id] })}>
                    {open[c.id] ? "▾" : "▸"}
                  </button>
                  <NavLink to={`/clusters/${c.id}`}>
                    {c.name} <span className="muted small">{c.provider}</span>
                  </NavLink>
                </div>
                <span className="counts">
                  {Object.entries(c.instance_counts).map(([state, n]) => (
                    <NavLink key={state} to={`/instances?cluster_id=${c.id}&status=${state}`}
                             className={`count badge-${toneOf("instance", state)}`} data-state={state}>
                      {n} {state.replace(/_/g, " ")}
                    </NavLink>
                  ))}
                </span>
                {open[c.id] && <ClusterInstances cluster={c} />}
              </li>
            ))}
          </ul>
        </div>
      ))}
    </aside>
  );
}
