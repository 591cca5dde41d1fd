import { useHealthQuery } from "../api/api";
import type { Health } from "../api/types";
import { poll } from "../api/poll";

/** Service and database status, refreshed every 10 seconds. */
export function HealthPanel() {
  const { data, error, isLoading } = useHealthQuery(undefined, poll(10000));
  // a 503 carries a health body too
  const health: Health | undefined =
    data ?? (error && "status" in error && error.status === 503 ? (error.data as Health) : undefined);

  let text: string;
  let tone: string;
  if (isLoading) {
    text = "checking…";
    tone = "pending";
  } else if (health) {
    text = health.status === "ok" ? "ok" : "unavailable";
    tone = health.status === "ok" ? "good" : "bad";
  } else {
    text = "unreachable";
    tone = "bad";
  }
  return (
    <section className="panel" aria-labelledby="health-title">
      <h2 id="health-title">System status</h2>
      <dl className="facts">
        <dt>Service</dt>
        <dd>
          <span className={`badge badge-${tone}`} data-testid="health-status">
            {text}
          </span>
        </dd>
        <dt>Database</dt>
        <dd data-testid="health-database">{health ? health.database : "unknown"}</dd>
        <dt>Version</dt>
        <dd>{health ? health.version : "unknown"}</dd>
      </dl>
    </section>
  );
}
