// Loaded by index.html before the stylesheet and the bundle, without defer:
// it starts the GETs of the first screen at once, while the browser still
// fetches and compiles the bundle (a third of a second on a slow machine),
// and leaves the answers for the bundle's first asks of the same addresses
// (takeBooted in api/urls.ts, through fetchFn in api.ts).  A visitor
// without a session gets 401s, as the bundle's own asks would.
import { firstScreen } from "./api/urls";

const started: Record<string, Promise<Response>> = {};
for (const { url } of firstScreen(location.pathname, location.search)) {
  const answer = fetch("/api/v1" + url, { credentials: "same-origin" });
  answer.catch(() => undefined); // a failure shows when the bundle takes it, not as an unhandled rejection
  started["/api/v1" + url] = answer;
}
(window as unknown as { __ocimBoot: Record<string, Promise<Response>> }).__ocimBoot = started;
