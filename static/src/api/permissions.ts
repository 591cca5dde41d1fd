// What the logged-in user may do, from /auth/me: pages hide what the
// user's role cannot use (the API refuses it anyway, with a 403 naming the
// permission).
import { useMeQuery } from "./api";
import type { Permission, Role } from "./types";

/** The weakest role that holds each permission (src/lib/route.c). */
export const PERMISSION_ROLE: Record<Permission, Role> = {
  account: "viewer",
  read: "viewer",
  operate: "operator",
  admin: "admin",
  reprovision: "operator",
};

export const PERMISSION_TEXT: Record<Permission, string> = {
  account: "use your own account",
  read: "see repositories, clusters and instances",
  operate: "run instance actions",
  admin: "manage users, invitations, repositories and clusters",
  reprovision: "reprovision instances (an administrator grants it per user)",
};

export const ROLES: Role[] = ["viewer", "operator", "admin"];

export const ROLE_TEXT: Record<Role, string> = {
  viewer: "reads what they may see",
  operator: "also runs instance actions",
  admin: "also manages users, invitations, repositories and clusters",
};

/** can(p): whether the current user holds p now (false while loading). */
export function usePermissions(): { can: (p: Permission) => boolean; role: Role | null } {
  const { data } = useMeQuery();
  const held = new Set(data?.permissions ?? []);
  return { can: (p) => held.has(p), role: data?.user.role ?? null };
}
