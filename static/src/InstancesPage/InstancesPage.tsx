import { useEffect, useRef, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { apiError, useInstancesQuery } from "../api/api";
import { usePermissions } from "../api/permissions";
import { INSTANCE_STATES } from "../api/states";
import { when } from "../format";
import { StateBadge } from "../StateBadge/StateBadge";
import { poll } from "../api/poll";
import { instanceFilters, instanceListArgs } from "../api/urls";

const STATES = ["", ...INSTANCE_STATES];

/** Every instance, filtered by the query string (so filters can be shared as links). */
export function InstancesPage() {
  const [params, setParams] = useSearchParams();
  const { can } = usePermissions();
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.length ? cursors[cursors.length - 1] : null;
  const filters = instanceFilters(params);
  const list = useInstancesQuery(instanceListArgs(params, cursor), poll(15000));
  const err = apiError(list.error);

  function set(name: string, value: string) {
    // from the address as it is now: two debounced filters that fire
    // together must not undo each other with the params of an older render
    const next = new URLSearchParams(window.location.search);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
    setCursors([]);
  }

  return (
    <section className="panel">
      <div className="panel-head">
        <h1>Instances</h1>
        {can("operate") && (
          <Link to="/deploy" className="button primary">
            Deploy new instance
          </Link>
        )}
      </div>
      <div className="filters" data-testid="filters">
        <TextFilter label="Instance name" value={filters.name} onChange={(v) => set("name", v)} placeholder="part of the name" />
        <TextFilter label="Cluster" value={filters.cluster} onChange={(v) => set("cluster", v)} placeholder="part of the name" />
        <label className="filter">
          <span>Provider</span>
          <select aria-label="Provider" value={filters.provider} onChange={(e) => set("provider", e.target.value)}>
            <option value="">Any provider</option>
            <option value="aws">AWS</option>
            <option value="digitalocean">DigitalOcean</option>
            <option value="other">Other</option>
          </select>
        </label>
        <label className="filter">
          <span>Status</span>
          <select aria-label="Status" value={filters.status} onChange={(e) => set("status", e.target.value)}>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s ? s.replace(/_/g, " ") : "Any status"}
              </option>
            ))}
          </select>
        </label>
        <TextFilter
          label="Configuration"
          value={filters.config}
          onChange={(v) => set("config", v)}
          placeholder="KEY=value or KEY"
          title="a key of config.yml, grove.yml or cluster.yml: KEY=value, or KEY alone for every instance that has it"
        />
        <TextFilter label="Search" value={filters.q} onChange={(v) => set("q", v)} placeholder="name, description, YAML" />
        <label className="filter">
          <span>Sort</span>
          <select aria-label="Sort" value={filters.sort} onChange={(e) => set("sort", e.target.value)}>
            <option value="">By name</option>
            <option value="updated">Recently updated</option>
            <option value="status">By status</option>
          </select>
        </label>
      </div>
      {err && (
        <p className="form-error" role="alert" data-testid="filter-error">
          {err.message}
        </p>
      )}
      <table data-testid="instances">
        <thead>
          <tr>
            <th>Name</th>
            <th>Cluster</th>
            <th>Status</th>
            <th>Health</th>
            <th>Last pipeline</th>
            <th>Updated</th>
          </tr>
        </thead>
        <tbody>
          {!err && list.data?.items.map((i) => (
            <tr key={i.id}>
              <td>
                <Link to={`/instances/${i.id}`}>{i.name}</Link>
                {i.description && <div className="muted small">{i.description}</div>}
              </td>
              <td>
                <Link to={`/clusters/${i.cluster_id}`}>{i.cluster_name}</Link> <span className="muted small">{i.provider}</span>
              </td>
              <td>
                <StateBadge kind="instance" value={i.state} />
                {i.state_reason && <div className="muted small">{i.state_reason}</div>}
              </td>
              <td>
                <StateBadge kind="health" value={i.health} />
              </td>
              <td>{i.latest_pipeline ? <StateBadge kind="pipeline" value={i.latest_pipeline.status} /> : "—"}</td>
              <td>{when(i.updated_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {!err && list.data && list.data.items.length === 0 && <p className="muted">No instance matches.</p>}
      <div className="pager">
        {cursors.length > 0 && (
          <button type="button" onClick={() => setCursors(cursors.slice(0, -1))}>
            Previous page
          </button>
        )}
        {list.data?.next_cursor != null && (
          <button type="button" onClick={() => setCursors([...cursors, String(list.data?.next_cursor)])}>
            Next page
          </button>
        )}
      </div>
    </section>
  );
}

/** A text filter with its label in sight; the URL (and so the query)
 * follows the typing 300 ms after the last key, not at every key. */
function TextFilter(props: { label: string; value: string; onChange: (v: string) => void; placeholder?: string; title?: string }) {
  const { label, value, onChange, placeholder, title } = props;
  const [text, setText] = useState(value);
  const sent = useRef(value);
  useEffect(() => {
    // the URL changed by itself (back, a link): show what it says
    if (value !== sent.current) {
      sent.current = value;
      setText(value);
    }
  }, [value]);
  useEffect(() => {
    if (text === sent.current) return;
    const t = setTimeout(() => {
      sent.current = text;
      onChange(text);
    }, 300);
    return () => clearTimeout(t);
  }, [text]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <label className="filter">
      <span>{label}</span>
      <input aria-label={label} placeholder={placeholder} title={title} value={text} onChange={(e) => setText(e.target.value)} />
    </label>
  );
}
