import { skipToken } from "@reduxjs/toolkit/query/react";
import { useEffect, useState } from "react";
import { useActionQuery } from "./api";
import type { Action } from "./types";
import { poll } from "./poll";

/** Polling intervals (ms) of the states in which an action may still move:
 * the responder answers at once and ocim-sync sends the action right after;
 * an unconfirmed one waits for ocim-sync's next look at GitLab. */
const MOVING: Record<string, number> = { queued: 1000, dispatching: 1000, unconfirmed: 5000 };

/** The action as it is now: what the request answered, then followed until
 * it is dispatched or failed. */
export function useLiveAction(answered: Action | undefined): Action | undefined {
  const [interval, setPolling] = useState(answered ? MOVING[answered.state] ?? 0 : 0);
  const q = useActionQuery(answered ? answered.id : skipToken, poll(interval));
  const latest = q.data && answered && q.data.id === answered.id ? q.data : answered;
  const wanted = latest ? MOVING[latest.state] ?? 0 : 0;
  useEffect(() => {
    if (wanted !== interval) setPolling(wanted);
  }, [wanted, interval]);
  return latest;
}
