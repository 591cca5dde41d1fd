// The first screen's data, asked for together with who the user is.
//
// Without this the requests go one after the other: the bundle runs, asks
// /auth/me, waits for it, renders the layout, and only then do the sidebar
// and the page ask for their data.  The endpoints and arguments are the
// ones the components use (firstScreen in urls.ts), so when they mount they
// find the answers in RTK Query's cache, or in flight; and the addresses are
// those boot.ts asked for before the bundle ran, so these asks take its
// answers.  A visitor without a session gets 401s; RequireAuth sends them to
// the login page, and an errored entry is asked again when a component
// subscribes to it.
import { api } from "./api";
import { firstScreen } from "./urls";
import type { AppDispatch } from "../store";

/** Starts the requests of the screen at path?search. */
export function prefetchFirstScreen(dispatch: AppDispatch, path: string, search: string): void {
  const opts = { force: false } as const;
  for (const ask of firstScreen(path, search)) {
    switch (ask.endpoint) {
      case "syncRuns":
        dispatch(api.util.prefetch("syncRuns", ask.arg, opts));
        break;
      case "instances":
        dispatch(api.util.prefetch("instances", ask.arg, opts));
        break;
      default:
        dispatch(api.util.prefetch(ask.endpoint, undefined, opts));
    }
  }
}
