// The API addresses of the first screen, in a module without dependencies:
// the boot script (boot.ts) asks for them before the bundle has loaded, and
// the endpoints of api.ts ask for the same strings, so the two meet.

/** "?k=v&..." of the arguments that have a value, in their order ("" if none). */
export function listParams(a: Record<string, string | number | null | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(a)) if (v !== undefined && v !== null && v !== "") p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : "";
}

/** The filters of the instance list, as the address carries them. */
export const INSTANCE_FILTERS = ["cluster", "cluster_id", "provider", "name", "config", "status", "q", "sort"] as const;

export type InstanceFilterValues = Record<(typeof INSTANCE_FILTERS)[number], string>;

/** The filters of the address, each "" when absent. */
export function instanceFilters(params: URLSearchParams): InstanceFilterValues {
  return Object.fromEntries(INSTANCE_FILTERS.map((f) => [f, params.get(f) ?? ""])) as InstanceFilterValues;
}

/** The arguments of the instance list's query for an address and a page. */
export function instanceListArgs(params: URLSearchParams, cursor: string | null) {
  return { ...instanceFilters(params), cursor, limit: 50 };
}

/** The fixed addresses the layout asks for on every logged-in page. */
export const LAYOUT_URLS = {
  me: "/auth/me",
  projects: "/projects?limit=200",
  clusters: "/clusters?limit=200",
  health: "/health",
} as const;

/** One ask of the first screen: the RTK Query endpoint, its argument, and
 * the address (under /api/v1) the endpoint makes of it. */
export type FirstAsk =
  | { endpoint: "me" | "projects" | "clusters" | "health"; arg: undefined; url: string }
  | { endpoint: "syncRuns"; arg: { limit: number }; url: string }
  | { endpoint: "instances"; arg: ReturnType<typeof instanceListArgs>; url: string };

/** The pages one sees logged out: App.tsx gives each its component (the
 * compiler holds the two to the same list), firstScreen asks nothing for them. */
export const PUBLIC_PAGES = ["/login", "/forgot-password", "/reset-password", "/register", "/logged-out"] as const;
export type PublicPage = (typeof PUBLIC_PAGES)[number];

/** What the page at path?search asks for first: the layout's data (who is
 * logged in, the sidebar, the sync status) and the main page's; nothing for
 * the pages one sees logged out. */
export function firstScreen(path: string, search: string): FirstAsk[] {
  if ((PUBLIC_PAGES as readonly string[]).includes(path)) return [];
  const lastRun = { limit: 1 };
  const asks: FirstAsk[] = [
    { endpoint: "me", arg: undefined, url: LAYOUT_URLS.me },
    { endpoint: "projects", arg: undefined, url: LAYOUT_URLS.projects },
    { endpoint: "clusters", arg: undefined, url: LAYOUT_URLS.clusters },
    { endpoint: "syncRuns", arg: lastRun, url: `/sync-runs${listParams(lastRun)}` },
  ];
  if (path === "/" || path === "/instances") {
    const arg = instanceListArgs(new URLSearchParams(search), null);
    asks.push({ endpoint: "instances", arg, url: `/instances${listParams(arg)}` });
  }
  if (path === "/") asks.push({ endpoint: "health", arg: undefined, url: LAYOUT_URLS.health });
  return asks;
}

/** The boot script's answer for a GET of url (path and query), once, and only
 * while the page is young: a later ask of the same address wants news. */
export function takeBooted(url: string): Promise<Response> | undefined {
  const w = window as unknown as { __ocimBoot?: Record<string, Promise<Response>> };
  const booted = w.__ocimBoot?.[url];
  if (!booted) return undefined;
  delete w.__ocimBoot![url];
  return performance.now() < 15000 ? booted : undefined;
}
