// Following a queued refresh: the API answers 202 at once and ocim-sync
// reads GitLab afterwards, so the page polls the project until it lands.
import { useEffect, useState } from "react";
import { useDispatch } from "react-redux";
import { api, useProjectQuery } from "./api";
import { poll } from "./poll";
import type { RefreshQueued } from "./types";
import type { AppDispatch } from "../store";

export type RefreshStatus = "idle" | "queued" | "done" | "failed";

interface Outcome {
  status: RefreshStatus;
  error: string | null;
}

const POLL_MS = 2000;

/** The state of a queued refresh: "queued" until its project's sync_requested
 * is false or last_sync_at moves ("done"), or a new last_sync_error shows
 * ("failed"); then polling stops and the fleet and projects are fetched again. */
export function useRefreshWatch(queued: RefreshQueued | undefined): Outcome {
  const dispatch = useDispatch<AppDispatch>();
  const [since, setSince] = useState(0);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  useEffect(() => {
    setOutcome(null);
    setSince(Date.now());
  }, [queued]);
  const watched = useProjectQuery(queued?.project_id ?? 0, { skip: !queued || outcome !== null, ...poll(POLL_MS) });
  const p = watched.data;
  // an answer fetched before the request tells nothing about it
  const fresh = !!queued && !!p && (watched.fulfilledTimeStamp ?? 0) > since;
  const done = fresh && (!p.sync_requested || p.last_sync_at !== queued.last_sync_at);
  const failed = fresh && !done && !!p.last_sync_error && p.last_sync_error !== queued.last_sync_error;

  useEffect(() => {
    if (outcome !== null || !(done || failed)) return;
    setOutcome(done ? { status: "done", error: null } : { status: "failed", error: p?.last_sync_error ?? null });
    dispatch(api.util.invalidateTags(["Fleet", "Projects"]));
  }, [done, failed, outcome, p, dispatch]);

  if (!queued) return { status: "idle", error: null };
  return outcome ?? { status: "queued", error: null };
}
