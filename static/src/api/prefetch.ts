// The first screen's data, asked for together with who the user is.
//
// Without this the requests go one after the other: the bundle runs, asks
// /auth/me, waits for it, renders the layout, and only then do the sidebar
// and the page ask for their data.  The arguments here are the ones the
// components pass (instanceListArgs is shared with InstancesPage), so when
// they mount they find the answers in RTK Query's cache, or in flight.  A
// visitor without a session gets 401s here; RequireAuth sends them to the
// login page, and the errors are dropped (an errored entry is asked again
// when a component subscribes to it).
import type { InstanceFilters } from "./api";
import { api } from "./api";
import type { AppDispatch } from "../store";

/** The filters of the instance list, as the address carries them. */
export const INSTANCE_FILTERS = ["cluster", "cluster_id", "provider", "name", "config", "status", "q", "sort"] as const;

export type InstanceFilterValues = Record<(typeof INSTANCE_FILTERS)[number], string>;

/** The filters of the address, each "" when absent. */
export function instanceFilters(params: URLSearchParams): InstanceFilterValues {
  return Object.fromEntries(INSTANCE_FILTERS.map((f) => [f, params.get(f) ?? ""])) as InstanceFilterValues;
}

/** The arguments of the instance list's query for an address and a page. */
export function instanceListArgs(params: URLSearchParams, cursor: string | null): InstanceFilters {
  return { ...instanceFilters(params), cursor, limit: 50 };
}

/** Starts the requests of the screen at path (the layout's and the page's). */
export function prefetchFirstScreen(dispatch: AppDispatch, path: string, search: string): void {
  const logged = !["/login", "/forgot-password", "/reset-password", "/register", "/logged-out"].includes(path);
  if (!logged) return;
  const opts = { force: false } as const;
  dispatch(api.util.prefetch("me", undefined, opts));
  dispatch(api.util.prefetch("projects", undefined, opts));
  dispatch(api.util.prefetch("clusters", undefined, opts));
  dispatch(api.util.prefetch("syncRuns", { limit: 1 }, opts));
  if (path === "/" || path === "/instances")
    dispatch(api.util.prefetch("instances", instanceListArgs(new URLSearchParams(search), null), opts));
  if (path === "/") dispatch(api.util.prefetch("health", undefined, opts));
}
