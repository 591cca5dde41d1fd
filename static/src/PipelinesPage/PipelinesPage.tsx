import { useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { apiError, useClustersQuery, usePipelinesQuery, useProjectsQuery } from "../api/api";
import { poll } from "../api/poll";
import { when } from "../format";
import { Pager } from "../Pager/Pager";
import { StateBadge } from "../StateBadge/StateBadge";

const STATUSES = ["created", "pending", "running", "success", "failed", "canceled", "skipped", "manual"];
const ACTIONS = ["create", "update", "archive", "unarchive", "delete", "build-images", "reprovision"];
const FILTERS = ["status", "action", "cluster", "project", "since", "until"] as const;
const BAD = new Set(["failed", "canceled"]);

/** A day of a date input as the API's time: the start of that day, UTC. */
function day(d: string, next = false): string {
  if (!d) return "";
  const t = new Date(d + "T00:00:00Z");
  if (next) t.setUTCDate(t.getUTCDate() + 1);
  return t.toISOString().replace(".000Z", "Z");
}

/** Every pipeline of every repository and cluster, newest first; filters in the URL. */
export function PipelinesPage() {
  const [params, setParams] = useSearchParams();
  const [cursor, setCursor] = useState<number | null>(null);
  const f = Object.fromEntries(FILTERS.map((k) => [k, params.get(k) ?? ""])) as Record<(typeof FILTERS)[number], string>;
  const list = usePipelinesQuery(
    { status: f.status, action: f.action, cluster: f.cluster, project: f.project, since: day(f.since), until: day(f.until, true), cursor, limit: 50 },
    poll(15000),
  );
  const clusters = useClustersQuery();
  const projects = useProjectsQuery();
  const err = apiError(list.error);

  function set(name: string, value: string) {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
    setCursor(null);
  }

  return (
    <section className="panel">
      <h1>Pipelines</h1>
      <div className="filters" data-testid="pipeline-filters">
        <label className="filter">
          <span>Status</span>
          <select aria-label="Status" value={f.status} onChange={(e) => set("status", e.target.value)}>
            <option value="">Any status</option>
            {STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
        <label className="filter">
          <span>Action</span>
          <select aria-label="Action" value={f.action} onChange={(e) => set("action", e.target.value)}>
            <option value="">Any action</option>
            {ACTIONS.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
        <label className="filter">
          <span>Repository</span>
          <select aria-label="Repository" value={f.project} onChange={(e) => set("project", e.target.value)}>
            <option value="">Every repository</option>
            {projects.data?.items.map((p) => <option key={p.id} value={String(p.id)}>{p.name}</option>)}
          </select>
        </label>
        <label className="filter">
          <span>Cluster</span>
          <select aria-label="Cluster" value={f.cluster} onChange={(e) => set("cluster", e.target.value)}>
            <option value="">Every cluster</option>
            {clusters.data?.items.map((c) => <option key={c.id} value={String(c.id)}>{c.name}</option>)}
          </select>
        </label>
        <label className="filter">
          <span>From</span>
          <input type="date" aria-label="From" value={f.since} onChange={(e) => set("since", e.target.value)} />
        </label>
        <label className="filter">
          <span>To</span>
          <input type="date" aria-label="To" value={f.until} onChange={(e) => set("until", e.target.value)} />
        </label>
      </div>
      {err && <p className="form-error" role="alert">{err.message}</p>}
      <div className="table-wrap">
        <table data-testid="pipelines">
          <thead>
            <tr>
              <th>Pipeline</th>
              <th>Status</th>
              <th>Action</th>
              <th>Instance</th>
              <th>Cluster</th>
              <th>Started</th>
            </tr>
          </thead>
          <tbody>
            {!err && list.data?.items.map((p) => (
              <tr key={p.id} className={BAD.has(p.status) ? "row-bad" : undefined} data-status={p.status}>
                <td>
                  {p.web_url ? <a href={p.web_url} target="_blank" rel="noreferrer">#{p.gitlab_id}</a> : `#${p.gitlab_id}`}
                  <div className="muted small">{p.project_name}</div>
                </td>
                <td>
                  <StateBadge kind="pipeline" value={p.status} />
                  {p.message && <div className={BAD.has(p.status) ? "pipeline-error" : "muted small"} data-testid="pipeline-message">{p.message}</div>}
                </td>
                <td>
                  {p.action_id ? <Link to={`/actions/${p.action_id}`}>{p.action_kind ?? "action"}</Link> : p.action_kind ?? "—"}
                </td>
                <td>{p.instance_id ? <Link to={`/instances/${p.instance_id}`}>{p.instance_name ?? p.instance_id}</Link> : "—"}</td>
                <td>{p.cluster_id ? <Link to={`/clusters/${p.cluster_id}`}>{p.cluster_name}</Link> : "—"}</td>
                <td>{when(p.created_at ?? p.updated_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {!err && list.data && list.data.items.length === 0 && <p className="muted">No pipeline matches.</p>}
      <Pager cursor={cursor} next={list.data?.next_cursor} onChange={setCursor} first="Newest" more="Older" />
    </section>
  );
}
