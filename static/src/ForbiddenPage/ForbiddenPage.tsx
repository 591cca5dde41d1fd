import { Link } from "react-router-dom";
import { PERMISSION_ROLE, PERMISSION_TEXT } from "../api/permissions";
import type { Permission, Role } from "../api/types";

/** Shown inside the navigation when a link leads where the user's role
 * does not reach: what it needs and who can give it. */
export function ForbiddenPage({ permission, role }: { permission: Permission; role: Role | null }) {
  const needed = PERMISSION_ROLE[permission];
  return (
    <section className="panel" data-testid="forbidden">
      <h1>Not for your role</h1>
      <p>
        This page needs the permission <strong data-testid="forbidden-permission">{permission}</strong> (
        {PERMISSION_TEXT[permission]}), which the role <strong data-testid="forbidden-role">{needed}</strong>
        {needed !== "admin" ? " and those above it have" : " has"}.
        {role && (
          <>
            {" "}
            Your role is <strong>{role}</strong>.
          </>
        )}
      </p>
      <p className="muted">An administrator can change your role on the Users page.</p>
      <p>
        <Link to="/">Back to the overview</Link>
      </p>
    </section>
  );
}
