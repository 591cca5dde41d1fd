import { Link, useParams } from "react-router-dom";
import { apiError, useActionQuery } from "../api/api";
import { poll } from "../api/poll";
import { when } from "../format";
import { StateBadge } from "../StateBadge/StateBadge";
import { CancelAction } from "../CancelAction/CancelAction";

/** One instance action: what was asked, where it stands, its pipeline. */
export function ActionPage() {
  const id = Number(useParams().id);
  const a = useActionQuery(id, poll(15000));
  const err = apiError(a.error);
  if (err) return <section className="panel"><p className="form-error" role="alert">{err.message}</p></section>;
  if (!a.data) return <p className="muted">Loading…</p>;
  const x = a.data;
  return (
    <section className="panel" data-testid="action">
      <h1>
        Action {x.id}: {x.kind} {x.instance_id ? <Link to={`/instances/${x.instance_id}`}>{x.instance_name}</Link> : x.instance_name}
      </h1>
      <dl className="facts">
        <dt>State</dt>
        <dd>
          <StateBadge kind="action" value={x.state} /> after {x.attempts} attempt{x.attempts === 1 ? "" : "s"}{" "}
          <CancelAction action={x} />
        </dd>
        {x.state === "cancelled" && (<><dt>Cancelled</dt><dd>by {x.cancelled_by_email ?? "—"} {when(x.cancelled_at)}</dd></>)}
        <dt>Asked</dt>
        <dd>{when(x.created_at)}</dd>
        {x.last_error && (<><dt>Last error</dt><dd className="pipeline-error">{x.last_error}</dd></>)}
        <dt>Pipeline</dt>
        <dd>
          {x.pipeline ? (
            <>
              {x.pipeline.web_url ? <a href={x.pipeline.web_url} target="_blank" rel="noreferrer">#{x.pipeline.gitlab_id}</a> : `#${x.pipeline.gitlab_id}`}{" "}
              <StateBadge kind="pipeline" value={x.pipeline.status} />
            </>
          ) : "none yet"}
        </dd>
      </dl>
    </section>
  );
}
