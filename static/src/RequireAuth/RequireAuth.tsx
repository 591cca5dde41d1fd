import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router-dom";
import { errorStatus, useMeQuery } from "../api/api";
import type { Permission, User } from "../api/types";
import { ForbiddenPage } from "../ForbiddenPage/ForbiddenPage";
import { Layout } from "../Layout/Layout";

/** Renders children for a logged-in user who holds perm (when given);
 * anybody else goes to the login page and comes back after it.  A user
 * without perm gets a page inside the navigation that says what it needs. */
export function RequireAuth({ children, perm }: { children: (u: User) => ReactNode; perm?: Permission }) {
  const { data, error, isLoading } = useMeQuery();
  const location = useLocation();

  if (isLoading) return <p className="muted">Loading…</p>;
  if (errorStatus(error) === 401 || (!data && !error)) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/login?next=${next}`} replace />;
  }
  if (!data) return <p className="form-error">Ocim cannot tell who you are right now; try again shortly.</p>;
  if (perm && !(data.permissions ?? []).includes(perm))
    return (
      <Layout user={data.user}>
        <ForbiddenPage permission={perm} role={data.user.role} />
      </Layout>
    );
  return <>{children(data.user)}</>;
}
