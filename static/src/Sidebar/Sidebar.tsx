import { NavLink } from "react-router-dom";
import { useClustersQuery, useProjectsQuery } from "../api/api";
import type { Cluster } from "../api/types";
import { poll } from "../api/poll";

/** Repositories, their clusters and counts of instances by state. */
export function Sidebar() {
  const projects = useProjectsQuery(undefined, poll(30000));
  const clusters = useClustersQuery(undefined, poll(30000));
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
              <li key={c.id}>
                <NavLink to={`/clusters/${c.id}`}>
                  {c.name} <span className="muted small">{c.provider}</span>
                </NavLink>
                <span className="counts">
                  {Object.entries(c.instance_counts).map(([state, n]) => (
                    <NavLink key={state} to={`/instances?cluster=${encodeURIComponent(c.name)}&status=${state}`}
                             className={`count count-${state}`} title={state}>
                      {n}
                    </NavLink>
                  ))}
                </span>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </aside>
  );
}
