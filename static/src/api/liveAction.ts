import { skipToken } from "@reduxjs/toolkit/query/react";
import { useEffect, useState } from "react";
import { useDispatch } from "react-redux";
import { api, useActionQuery } from "./api";
import { pipelineDone } from "./states";
import type { Action } from "./types";
import { poll } from "./poll";

/** Polling intervals (ms) of the states in which an action may still move:
 * the responder answers at once and ocim-sync sends the action right after;
 * an unconfirmed one waits for ocim-sync's next look at GitLab; a
 * dispatched one waits for its pipeline (webhooks or ocim-sync tell it). */
const MOVING: Record<string, number> = { queued: 1000, dispatching: 1000, unconfirmed: 5000, dispatched: 3000 };

/** Whether an action reached its end: failed, cancelled, or its pipeline is over. */
export function actionOver(a: Action): boolean {
  if (a.state === "failed" || a.state === "cancelled") return true;
  return a.state === "dispatched" && pipelineDone(a.pipeline?.status);
}

function interval(a: Action | undefined): number {
  return a && !actionOver(a) ? MOVING[a.state] ?? 0 : 0;
}

/** The action as it is now: what the request answered, then followed until
 * its end (failed, or its pipeline finished); then the fleet's pages are
 * fetched again, so the instance shows the state the action left. */
export function useLiveAction(answered: Action | undefined): Action | undefined {
  const [ms, setPolling] = useState(interval(answered));
  const q = useActionQuery(answered ? answered.id : skipToken, poll(ms));
  const latest = q.data && answered && q.data.id === answered.id ? q.data : answered;
  const wanted = interval(latest);
  const over = !!latest && actionOver(latest);
  const dispatch = useDispatch();
  useEffect(() => {
    if (wanted !== ms) setPolling(wanted);
  }, [wanted, ms]);
  useEffect(() => {
    if (over) dispatch(api.util.invalidateTags(["Fleet", "Actions"]));
  }, [over, dispatch]);
  return latest;
}
