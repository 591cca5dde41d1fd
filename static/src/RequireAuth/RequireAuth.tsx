import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router-dom";
import { errorStatus, useMeQuery } from "../api/api";
import type { User } from "../api/types";

/** Renders children for a logged-in user (admins only when admin is set);
 * anybody else goes to the login page and comes back after it. */
export function RequireAuth({ children, admin }: { children: (u: User) => ReactNode; admin?: boolean }) {
  const { data, error, isLoading } = useMeQuery();
  const location = useLocation();

  if (isLoading) return <p className="muted">Loading…</p>;
  if (errorStatus(error) === 401 || (!data && !error)) {
    const next = encodeURIComponent(location.pathname + location.search);
    return <Navigate to={`/login?next=${next}`} replace />;
  }
  if (!data) return <p className="form-error">Ocim cannot tell who you are right now; try again shortly.</p>;
  if (admin && !data.user.is_admin) return <p className="form-error">This page is for administrators.</p>;
  return <>{children(data.user)}</>;
}
