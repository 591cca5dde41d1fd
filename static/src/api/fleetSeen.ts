import { useEffect, useRef } from "react";
import { useDispatch } from "react-redux";
import { api } from "./api";

/**
 * A page that polls part of the fleet calls this with what it saw change
 * (a state, a count, a time): when that moves, the sidebar's counts and
 * trees are fetched again at once, so the two never tell different stories
 * until the sidebar's own, slower poll.
 */
export function useFleetSeen(stamp: string | undefined): void {
  const dispatch = useDispatch();
  const last = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (stamp === undefined) return;
    if (last.current !== undefined && last.current !== stamp) dispatch(api.util.invalidateTags(["Counts"]));
    last.current = stamp;
  }, [stamp, dispatch]);
}
