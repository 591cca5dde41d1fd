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

export interface User {
  id: number;
  email: string;
  display_name: string;
  is_admin: boolean;
  is_active?: boolean;
  created_at?: string;
  last_login_at?: string | null;
  locked?: boolean;
}

export interface Session {
  user: User;
  csrf_token?: string;
}

export interface Page<T> {
  items: T[];
  next_cursor: number | null;
}

export interface Invite {
  id: number;
  email: string;
  is_admin: boolean;
  invited_by: number | null;
  created_at: string;
  expires_at: string;
  accepted_at: string | null;
  revoked_at: string | null;
  state: "pending" | "accepted" | "revoked" | "expired";
  link?: string;
  mail_error?: string;
}

export interface ApiToken {
  id: number;
  name: string;
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
