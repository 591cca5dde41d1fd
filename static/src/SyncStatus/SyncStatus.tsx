import { useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { useSyncRunsQuery } from "../api/api";
import { ago, when } from "../format";
import { poll } from "../api/poll";

/** "Synced 12 s ago" in the header: when ocim-sync last finished, and
 * whether that run had errors.  Links to the list of runs. */
export function SyncStatus() {
  const runs = useSyncRunsQuery({ limit: 1 }, poll(30000));
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = window.setInterval(() => setNow(Date.now()), 5000);
    return () => window.clearInterval(t);
  }, []);

  const last = runs.data?.items[0];
  let text = "Never synced";
  let tone = "warn";
  if (runs.isError) {
    text = "Sync status unknown";
  } else if (last && !last.finished_at) {
    text = `Syncing since ${ago(last.started_at, now)}`;
    tone = "ok";
  } else if (last) {
    text = `Synced ${ago(last.finished_at, now)}`;
    tone = last.error_count > 0 ? "bad" : "ok";
    if (last.error_count > 0) text += `, ${last.error_count} error${last.error_count > 1 ? "s" : ""}`;
  }
  return (
    <Link to="/sync" className={`sync-status sync-${tone}`} data-testid="sync-status"
          title={last ? `Last run started ${when(last.started_at)}` : "ocim-sync has not run yet"}>
      {runs.isLoading ? "…" : text}
    </Link>
  );
}
