// Shapes of the API's answers (see docs/openapi.yaml).

export interface ApiError {
  code: string;
  message: string;
  field: string | null;
}

export interface Health {
  status: "ok" | "unavailable";
  database: "ok" | "unavailable";
  version: string;
}

/** What a caller may do (x-ocim-permission in docs/openapi.yaml). */
export type Permission = "account" | "read" | "operate" | "admin" | "reprovision";
export type Role = "viewer" | "operator" | "admin";

export interface User {
  id: number;
  email: string;
  display_name: string;
  is_admin: boolean;
  role: Role;
  can_reprovision?: boolean;
  /** null: every repository; else only these projects */
  project_ids?: number[] | null;
  is_active?: boolean;
  created_at?: string;
  last_login_at?: string | null;
  locked?: boolean;
  /** in the users list (admin): the user's ways in */
  sign_in?: SignIn;
}

/** A domain whose users must sign in through a provider (no password). */
export interface OidcDomain {
  domain: string;
  /** the providers allowed; empty: any configured one */
  providers: string[];
  created_by?: number | null;
  created_at?: string;
  users?: number;
  sessions_ended?: number;
  tokens_revoked?: number;
  reset_links_voided?: number;
}

export interface SignIn {
  /** a password is set */
  password: boolean;
  oidc: { provider: string; email: string; linked_at: string; last_used_at: string | null }[];
  oidc_required: { domain: string; providers: string[] } | null;
}

export interface Session {
  user: User;
  csrf_token?: string;
  /** in /auth/me: what the caller may do now */
  permissions?: Permission[];
  read_only?: boolean;
  /** in /auth/me: what the server switched on */
  features?: { reprovision: boolean };
}

/** An error of the API; a 403 of the route check names the permission and
 * the weakest role that has it. */
export interface ForbiddenError extends ApiError {
  permission?: Permission;
  role?: Role;
}

export interface Page<T> {
  items: T[];
  next_cursor: number | null;
}

export interface Invite {
  id: number;
  email: string;
  is_admin: boolean;
  role: Role;
  invited_by: number | null;
  created_at: string;
  expires_at: string;
  accepted_at: string | null;
  revoked_at: string | null;
  state: "pending" | "accepted" | "revoked" | "expired";
  link?: string;
  mail?: "queued";
  mail_error?: string;
}

export interface ApiToken {
  id: number;
  name: string;
  read_only?: boolean;
  /** how its maker had signed in: a domain rule revokes password-made tokens */
  signed_in_with?: "password" | "oidc";
  created_at: string;
  last_used_at?: string | null;
  token?: string;
}

export interface AuditEntry {
  id: number;
  at: string;
  user_id: number | null;
  user_email: string | null;
  address: string | null;
  action: string;
  object: string | null;
  details: Record<string, unknown>;
}

export interface PipelineSummary {
  id: number;
  gitlab_id: number;
  status: string;
  action_kind: string | null;
  ref?: string | null;
  web_url: string | null;
  /** its last message: "job NAME failed in stage STAGE", or GitLab's detailed status */
  message?: string | null;
  /** in a cluster's latest pipeline: its instance */
  instance_id?: number | null;
  instance_name?: string | null;
  created_at?: string | null;
  finished_at?: string | null;
  updated_at?: string;
}

/** A pipeline of the pipelines list: where it ran and what started it. */
export interface Pipeline extends PipelineSummary {
  project_id: number;
  project_name: string;
  cluster_id: number | null;
  cluster_name: string | null;
  instance_id: number | null;
  instance_name: string | null;
  action_id: number | null;
  sha: string | null;
  message: string | null;
  started_at: string | null;
}

/** A file (or instances/ folder) a tree read could not take, until it is fixed. */
export interface FileError {
  path: string;
  instance?: string | null;
  blob: string | null;
  error: string;
  seen_at: string;
}

export interface Project {
  id: number;
  name: string;
  gitlab_url: string;
  gitlab_project_id: number;
  description: string;
  web_url: string | null;
  default_branch: string;
  api_token_set: boolean;
  trigger_token_set: boolean;
  deploy_key_set: boolean;
  sync_requested: boolean;
  last_sync_at: string | null;
  last_sync_error: string | null;
  cluster_count: number;
  /** an admin allowed the next read's deletions */
  allow_deletes: boolean;
  /** how many instances the last read would have deleted, refused by sync.max_delete_fraction */
  deletes_waiting: number | null;
  /** in the list: the files (or folders) the last reads could not take */
  file_error_count?: number;
  file_errors?: FileError[];
  webhook_url?: string;
  webhook_secret?: string;
}

/** The answer to a refresh request: queued, run by ocim-sync afterwards. */
export interface RefreshQueued {
  state: "queued";
  project_id: number;
  sync_requested: boolean;
  last_sync_at: string | null;
  last_sync_error: string | null;
  kind?: "refresh";
  instance_id?: number;
}

export interface Cluster {
  id: number;
  project_id: number;
  project_name: string;
  name: string;
  provider: string;
  region: string | null;
  status: string;
  online: boolean | null;
  online_checked_at: string | null;
  max_node_count: number | null;
  node_size: string | null;
  mysql_size: string | null;
  mongodb_size: string | null;
  links: Record<string, string>;
  openfaas_url: string | null;
  openfaas_credentials_set: boolean;
  last_error: string | null;
  instance_counts: Record<string, number>;
  latest_pipeline: PipelineSummary | null;
  cluster_yml?: string | null;
  /** in GET /clusters/:id: its repository in GitLab */
  gitlab_url?: string;
  gitlab_project_id?: number;
  project_web_url?: string | null;
}

export interface Instance {
  id: number;
  name: string;
  cluster_id: number;
  cluster_name: string;
  project_id: number;
  provider: string;
  description: string;
  state: string;
  state_since: string;
  state_reason: string | null;
  health: string;
  latest_pipeline: PipelineSummary | null;
  last_error: string | null;
  /** in GET /instances/:id: its files the last reads could not parse */
  file_errors?: FileError[];
  updated_at: string;
  config_yml?: string | null;
  grove_yml?: string | null;
  config?: Record<string, unknown> | null;
  pods?: Pod[] | null;
  pods_fetched_at?: string | null;
  replication?: Record<string, unknown> | null;
  replication_fetched_at?: string | null;
  usage?: Record<string, unknown> | null;
  usage_fetched_at?: string | null;
  pipelines?: PipelineSummary[];
}

/** A pod as OpenFaaS reported it; reason: what instance-errors said of it. */
export interface Pod {
  name?: string | null;
  phase?: string;
  ready?: boolean;
  restarts?: number;
  reason?: string;
}

export interface CursorPage<T> {
  items: T[];
  next_cursor: string | number | null;
}

export interface Action {
  id: number;
  kind: string;
  instance_id: number | null;
  instance_name: string;
  state: "queued" | "dispatching" | "unconfirmed" | "dispatched" | "failed" | "cancelled";
  attempts: number;
  last_error: string | null;
  pipeline: { id: number; gitlab_id: number; status: string; web_url: string | null } | null;
  requested_by?: number | null;
  requested_by_email?: string | null;
  cancelled_by_email?: string | null;
  cancelled_at?: string | null;
  created_at: string;
  updated_at?: string;
}

export interface Plan {
  current: Record<string, unknown>;
  merged: Record<string, unknown>;
  changes: { path: string; old: unknown; new: unknown }[];
}

export interface SyncRun {
  id: number;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  projects: number;
  requests: number;
  files_fetched: number;
  pipelines_upserted: number;
  actions_sent: number;
  error_count: number;
  errors: { project?: string; mail?: string; error: string }[];
}
