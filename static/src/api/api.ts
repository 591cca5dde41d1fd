// The one place that talks to the HTTP API (RTK Query).
import { createApi, fetchBaseQuery, type FetchBaseQueryError } from "@reduxjs/toolkit/query/react";
import type { SerializedError } from "@reduxjs/toolkit";
import type {
  Action, ApiError, ApiToken, AuditEntry, Cluster, CursorPage, Health, Instance, Invite, OidcDomain, Page, Pipeline, Plan,
  Project,
  RefreshQueued, Role, Session, SyncRun, User,
} from "./types";
import { setCsrfToken } from "./csrf";
import { LAYOUT_URLS, listParams, takeBooted } from "./urls";

interface StateWithCsrf {
  csrf: { token: string | null };
}

/** fetch, but the first GET of an address the boot script already asked
 * for takes that answer instead of asking again. */
const bootedFetch: typeof fetch = (input, init) => {
  if (input instanceof Request && input.method === "GET") {
    const u = new URL(input.url);
    const booted = takeBooted(u.pathname + u.search);
    if (booted) return booted;
  }
  return fetch(input, init);
};

const baseQuery = fetchBaseQuery({
  baseUrl: "/api/v1",
  credentials: "same-origin",
  fetchFn: bootedFetch,
  prepareHeaders: (headers, { getState, type }) => {
    const token = (getState() as StateWithCsrf).csrf.token;
    if (type === "mutation" && token) headers.set("X-CSRF-Token", token);
    return headers;
  },
});

/** The base query, and a 401 of any request but the login's own makes
 * the session be asked again: when it has expired, RequireAuth sends the
 * user to the login page and back to where they were. */
const sessionQuery: typeof baseQuery = async (args, bapi, extra) => {
  const result = await baseQuery(args, bapi, extra);
  const url = typeof args === "string" ? args : args.url;
  if (result.error?.status === 401 && !url.startsWith("/auth/")) bapi.dispatch(api.util.invalidateTags(["Me"]));
  return result;
};

/** Remembers the CSRF token of any answer that carries one. */
async function rememberCsrf(
  queryFulfilled: Promise<{ data: Session }>,
  dispatch: (a: ReturnType<typeof setCsrfToken>) => unknown,
): Promise<void> {
  try {
    const { data } = await queryFulfilled;
    if (data.csrf_token) dispatch(setCsrfToken(data.csrf_token));
  } catch {
    /* the component shows the error */
  }
}

/** A sign-in provider's button: start is a page to navigate to, not to fetch. */
export interface OidcProvider {
  name: string;
  label: string;
  start: string;
}

export interface ListArgs {
  cursor?: number | null;
  limit?: number;
}


export const api = createApi({
  reducerPath: "api",
  baseQuery: sessionQuery,
  refetchOnFocus: true,
  tagTypes: ["Me", "Users", "OidcDomains", "Invites", "Tokens", "Audit", "Fleet", "Projects", "Actions", "Counts"],
  endpoints: (b) => ({
    health: b.query<Health, void>({
      query: () => LAYOUT_URLS.health,
      // a 503 still has a health body worth showing
      transformErrorResponse: (e) => e,
    }),
    me: b.query<Session, void>({
      query: () => LAYOUT_URLS.me,
      providesTags: ["Me"],
      onQueryStarted: (_a, { dispatch, queryFulfilled }) => rememberCsrf(queryFulfilled, dispatch),
    }),
    oidcProviders: b.query<{ providers: OidcProvider[] }, void>({
      query: () => "/auth/oidc",
    }),
    login: b.mutation<Session, { email: string; password: string }>({
      query: (body) => ({ url: "/auth/login", method: "POST", body }),
      invalidatesTags: ["Me"],
      onQueryStarted: (_a, { dispatch, queryFulfilled }) => rememberCsrf(queryFulfilled, dispatch),
    }),
    logout: b.mutation<{ logged_out: boolean }, void>({
      query: () => ({ url: "/auth/logout", method: "POST", body: {} }),
    }),
    changePassword: b.mutation<
      { changed: boolean; sessions_ended: number; tokens_ended: number; tokens_kept: number },
      { current_password: string; new_password: string; end_tokens: boolean }
    >({
      query: (body) => ({ url: "/auth/password", method: "POST", body }),
    }),
    requestReset: b.mutation<{ message: string }, { email: string }>({
      query: (body) => ({ url: "/auth/password-reset", method: "POST", body }),
    }),
    confirmReset: b.mutation<{ reset: boolean }, { token: string; new_password: string }>({
      query: (body) => ({ url: "/auth/password-reset/confirm", method: "POST", body }),
    }),
    invite: b.query<{ email: string; is_admin: boolean; role: Role }, string>({
      query: (token) => `/auth/invites/${encodeURIComponent(token)}`,
    }),
    register: b.mutation<Session, { token: string; name: string; password: string }>({
      query: (body) => ({ url: "/auth/register", method: "POST", body }),
      invalidatesTags: ["Me"],
      onQueryStarted: (_a, { dispatch, queryFulfilled }) => rememberCsrf(queryFulfilled, dispatch),
    }),
    users: b.query<Page<User>, ListArgs>({
      query: (a) => `/users${listParams({ ...a })}`,
      providesTags: ["Users"],
    }),
    createUser: b.mutation<User, { email: string; display_name: string; password: string; role: Role }>({
      query: (body) => ({ url: "/users", method: "POST", body }),
      invalidatesTags: ["Users", "Audit"],
    }),
    updateUser: b.mutation<User, { id: number; display_name?: string; role?: Role; is_active?: boolean;
                                   can_reprovision?: boolean; project_ids?: number[] | null }>({
      query: ({ id, ...body }) => ({ url: `/users/${id}`, method: "PATCH", body }),
      invalidatesTags: ["Users", "Audit"],
    }),
    endSessions: b.mutation<{ ended: number }, number>({
      query: (id) => ({ url: `/users/${id}/end-sessions`, method: "POST", body: {} }),
      invalidatesTags: ["Audit"],
    }),
    unlinkOidc: b.mutation<{ unlinked: boolean }, { id: number; provider: string }>({
      query: ({ id, provider }) => ({ url: `/users/${id}/oidc-links/${encodeURIComponent(provider)}`, method: "DELETE" }),
      invalidatesTags: ["Users", "Audit"],
    }),
    oidcDomains: b.query<Page<OidcDomain>, void>({
      query: () => "/oidc-domains",
      providesTags: ["OidcDomains"],
    }),
    addOidcDomain: b.mutation<OidcDomain, { domain: string; providers: string[] }>({
      query: (body) => ({ url: "/oidc-domains", method: "POST", body }),
      invalidatesTags: ["OidcDomains", "Users", "Audit"],
    }),
    removeOidcDomain: b.mutation<{ removed: boolean }, string>({
      query: (domain) => ({ url: `/oidc-domains/${encodeURIComponent(domain)}`, method: "DELETE" }),
      invalidatesTags: ["OidcDomains", "Users", "Audit"],
    }),
    invites: b.query<Page<Invite>, ListArgs>({
      query: (a) => `/invites${listParams({ ...a })}`,
      providesTags: ["Invites"],
    }),
    createInvite: b.mutation<Invite, { email: string; role: Role }>({
      query: (body) => ({ url: "/invites", method: "POST", body }),
      invalidatesTags: ["Invites", "Audit"],
    }),
    revokeInvite: b.mutation<{ revoked: boolean }, number>({
      query: (id) => ({ url: `/invites/${id}`, method: "DELETE" }),
      invalidatesTags: ["Invites", "Audit"],
    }),
    tokens: b.query<Page<ApiToken>, void>({
      query: () => "/api-tokens",
      providesTags: ["Tokens"],
    }),
    createToken: b.mutation<ApiToken, { name: string; read_only: boolean }>({
      query: (body) => ({ url: "/api-tokens", method: "POST", body }),
      invalidatesTags: ["Tokens"],
    }),
    revokeToken: b.mutation<{ revoked: boolean }, number>({
      query: (id) => ({ url: `/api-tokens/${id}`, method: "DELETE" }),
      invalidatesTags: ["Tokens"],
    }),
    syncRuns: b.query<Page<SyncRun>, ListArgs>({
      query: (a) => `/sync-runs${listParams({ ...a })}`,
    }),
    audit: b.query<Page<AuditEntry>, ListArgs & { action?: string; user?: string; object?: string }>({
      query: (a) => `/audit${listParams({ ...a })}`,
      providesTags: ["Audit"],
    }),
    projects: b.query<Page<Project>, void>({
      query: () => LAYOUT_URLS.projects,
      providesTags: ["Projects"],
    }),
    createProject: b.mutation<Project, {
      name: string; gitlab_url: string; gitlab_project_id: number; api_token: string; trigger_token: string;
      description?: string; default_branch?: string; deploy_key?: string;
    }>({
      query: (body) => ({ url: "/projects", method: "POST", body }),
      invalidatesTags: ["Projects", "Audit"],
    }),
    project: b.query<Project, number>({
      query: (id) => `/projects/${id}`,
      providesTags: ["Projects"],
    }),
    // a refresh is queued (202) and run by ocim-sync afterwards: poll the
    // project until it lands (useRefreshWatch)
    syncProject: b.mutation<RefreshQueued, number>({
      query: (id) => ({ url: `/projects/${id}/sync`, method: "POST", body: {} }),
      invalidatesTags: ["Projects"],
    }),
    // an admin's confirmation of the deletions a read refused; queues a refresh
    allowDeletes: b.mutation<{ project_id: number; allow_deletes: boolean; sync_requested: boolean }, number>({
      query: (id) => ({ url: `/projects/${id}/allow-deletes`, method: "POST", body: {} }),
      invalidatesTags: ["Projects", "Audit"],
    }),
    // the sidebar's: "Counts" lets a page that saw the fleet change refresh it (useFleetSeen)
    clusters: b.query<Page<Cluster>, void>({
      query: () => LAYOUT_URLS.clusters,
      providesTags: ["Fleet", "Counts"],
    }),
    clusterInstances: b.query<CursorPage<Instance>, string>({
      query: (cluster) => `/instances${listParams({ cluster, limit: 200 })}`,
      providesTags: ["Fleet", "Counts"],
    }),
    cluster: b.query<Cluster, number>({
      query: (id) => `/clusters/${id}`,
      providesTags: ["Fleet"],
    }),
    updateCluster: b.mutation<Cluster, { id: number; links: Record<string, string> }>({
      query: ({ id, ...body }) => ({ url: `/clusters/${id}`, method: "PATCH", body }),
      invalidatesTags: ["Fleet", "Audit"],
    }),
    deleteCluster: b.mutation<{ deleted: boolean }, number>({
      query: (id) => ({ url: `/clusters/${id}`, method: "DELETE" }),
      invalidatesTags: ["Fleet", "Audit"],
    }),
    instances: b.query<CursorPage<Instance>, InstanceFilters>({
      query: (f) => `/instances${listParams({ ...f })}`,
      providesTags: ["Fleet"],
    }),
    instance: b.query<Instance, number>({
      query: (id) => `/instances/${id}`,
      providesTags: ["Fleet"],
    }),
    createInstance: b.mutation<Action, { cluster_id: number; name: string; overrides?: string; key: string }>({
      query: ({ key, ...body }) => ({ url: "/instances", method: "POST", body, headers: { "Idempotency-Key": key } }),
      invalidatesTags: ["Fleet"],
    }),
    instanceAction: b.mutation<Action, { id: number; kind: string; overrides?: string; key: string }>({
      query: ({ id, key, ...body }) => ({
        url: `/instances/${id}/actions`, method: "POST", body, headers: { "Idempotency-Key": key },
      }),
      invalidatesTags: ["Fleet", "Actions"],
    }),
    pipelines: b.query<Page<Pipeline>, ListArgs & PipelineFilters>({
      query: (a) => `/pipelines${listParams({ ...a })}`,
      providesTags: ["Fleet"],
    }),
    action: b.query<Action, number>({
      query: (id) => `/actions/${id}`,
      providesTags: ["Actions"],
    }),
    actions: b.query<Page<Action>, { instance: number; limit?: number }>({
      query: (a) => `/actions${listParams({ ...a })}`,
      providesTags: ["Actions"],
    }),
    retryAction: b.mutation<Action, number>({
      query: (id) => ({ url: `/actions/${id}/retry`, method: "POST", body: {} }),
      invalidatesTags: ["Fleet", "Actions"],
    }),
    cancelAction: b.mutation<Action, number>({
      query: (id) => ({ url: `/actions/${id}/cancel`, method: "POST", body: {} }),
      invalidatesTags: ["Fleet", "Actions"],
    }),
    updateInstance: b.mutation<Instance, { id: number; description: string }>({
      query: ({ id, ...body }) => ({ url: `/instances/${id}`, method: "PATCH", body }),
      invalidatesTags: ["Fleet"],
    }),
    refreshInstance: b.mutation<RefreshQueued, number>({
      query: (id) => ({ url: `/instances/${id}/actions`, method: "POST", body: { kind: "refresh" } }),
    }),
    plan: b.mutation<Plan, { id: number; overrides: string }>({
      query: ({ id, ...body }) => ({ url: `/instances/${id}/plan`, method: "POST", body }),
    }),
  }),
});

export interface PipelineFilters {
  status?: string;
  action?: string;
  cluster?: string;
  project?: string;
  since?: string;
  until?: string;
}

export interface InstanceFilters {
  status?: string;
  provider?: string;
  cluster?: string;
  /** one cluster, by id (links from the sidebar and the cluster page) */
  cluster_id?: string;
  name?: string;
  config?: string;
  q?: string;
  sort?: string;
  cursor?: string | null;
  limit?: number;
}

export const {
  useHealthQuery,
  useMeQuery,
  useLoginMutation,
  useOidcProvidersQuery,
  useLogoutMutation,
  useChangePasswordMutation,
  useRequestResetMutation,
  useConfirmResetMutation,
  useInviteQuery,
  useRegisterMutation,
  useUsersQuery,
  useCreateUserMutation,
  useUpdateUserMutation,
  useEndSessionsMutation,
  useUnlinkOidcMutation,
  useOidcDomainsQuery,
  useAddOidcDomainMutation,
  useRemoveOidcDomainMutation,
  useInvitesQuery,
  useCreateInviteMutation,
  useRevokeInviteMutation,
  useTokensQuery,
  useCreateTokenMutation,
  useRevokeTokenMutation,
  useAuditQuery,
  useSyncRunsQuery,
  useProjectsQuery,
  useProjectQuery,
  useCreateProjectMutation,
  useSyncProjectMutation,
  useAllowDeletesMutation,
  useClustersQuery,
  useClusterQuery,
  useClusterInstancesQuery,
  useInstancesQuery,
  useInstanceQuery,
  useCreateInstanceMutation,
  useInstanceActionMutation,
  useActionQuery,
  useActionsQuery,
  useRetryActionMutation,
  useCancelActionMutation,
  useUpdateInstanceMutation,
  useUpdateClusterMutation,
  useDeleteClusterMutation,
  usePipelinesQuery,
  usePlanMutation,
  useRefreshInstanceMutation,
} = api;

/** The API's error object inside whatever RTK Query reports, or a generic one. */
export function apiError(e: FetchBaseQueryError | SerializedError | undefined): ApiError | null {
  if (!e) return null;
  if ("status" in e) {
    const data = e.data as { error?: ApiError } | undefined;
    if (data && typeof data === "object" && data.error) return data.error;
    if (e.status === "FETCH_ERROR") return { code: "network", message: "Ocim cannot be reached.", field: null };
    return { code: String(e.status), message: `The request failed (${String(e.status)}).`, field: null };
  }
  return { code: "client", message: e.message ?? "Something went wrong.", field: null };
}

/** The HTTP status of an RTK Query error, when there is one. */
export function errorStatus(e: FetchBaseQueryError | SerializedError | undefined): number | null {
  return e && "status" in e && typeof e.status === "number" ? e.status : null;
}
