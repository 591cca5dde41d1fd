import { useEffect, useRef, useState, type ReactNode } from "react";
import { NavLink, useLocation, useNavigate } from "react-router-dom";
import { api, useLogoutMutation } from "../api/api";
import { usePermissions } from "../api/permissions";
import { setCsrfToken } from "../api/csrf";
import { Sidebar } from "../Sidebar/Sidebar";
import { SyncStatus } from "../SyncStatus/SyncStatus";
import type { User } from "../api/types";
import { useDispatch } from "react-redux";

/** The frame of every page behind the login: header, navigation, content. */
export function Layout({ user, children }: { user: User; children: ReactNode }) {
  const [logout, { isLoading }] = useLogoutMutation();
  const navigate = useNavigate();
  const dispatch = useDispatch();
  const { can } = usePermissions();
  const admin = can("admin");
  // on a narrow screen the navigation folds behind a button, and folds
  // again once a link of it was followed
  const [menu, setMenu] = useState(false);
  const location = useLocation();
  // the account's menu (who, role, password, tokens, log out) closes
  // after a choice, on Escape and on a click elsewhere
  const account = useRef<HTMLDetailsElement>(null);
  useEffect(() => {
    setMenu(false);
    if (account.current) account.current.open = false;
  }, [location.pathname]);
  useEffect(() => {
    function close(e: Event) {
      const el = account.current;
      if (!el?.open) return;
      if (e instanceof KeyboardEvent ? e.key === "Escape" : !el.contains(e.target as Node)) el.open = false;
    }
    document.addEventListener("click", close);
    document.addEventListener("keydown", close);
    return () => {
      document.removeEventListener("click", close);
      document.removeEventListener("keydown", close);
    };
  }, []);

  async function onLogout() {
    try {
      await logout().unwrap();
    } finally {
      dispatch(setCsrfToken(null));
      dispatch(api.util.resetApiState());
      navigate("/logged-out");
    }
  }

  return (
    <div className={menu ? "layout menu-open" : "layout"}>
      <header className="topbar">
        <button type="button" className="menu-toggle" aria-expanded={menu} aria-label="Menu" onClick={() => setMenu(!menu)}>
          ☰
        </button>
        <NavLink to="/" className="brand">
          Ocim
        </NavLink>
        <nav className="topnav" aria-label="Main">
          <NavLink to="/" end>
            Overview
          </NavLink>
          <NavLink to="/instances">Instances</NavLink>
          <NavLink to="/projects">Repositories</NavLink>
          <NavLink to="/pipelines">Pipelines</NavLink>
          <NavLink to="/sync">Sync runs</NavLink>
          {admin && <NavLink to="/admin/users">Users</NavLink>}
          {admin && <NavLink to="/admin/invites">Invites</NavLink>}
          {admin && <NavLink to="/admin/audit">Audit log</NavLink>}
        </nav>
        <div className="user">
          <SyncStatus />
          {admin && (
            <NavLink to="/projects?add=1" className="add-repo">
              Add GitLab repository
            </NavLink>
          )}
          <details className="account" ref={account}>
            <summary aria-label="Account menu">
              <span data-testid="current-user">{user.display_name || user.email}</span>{" "}
              <span className="muted small" data-testid="current-role">{user.role}</span>
            </summary>
            <div className="account-menu">
              <span className="muted small">{user.email}</span>
              <NavLink to="/account/password">Change password</NavLink>
              <NavLink to="/account/tokens">API tokens</NavLink>
              <button type="button" className="link" onClick={onLogout} disabled={isLoading} data-testid="logout">
                Log out
              </button>
            </div>
          </details>
        </div>
      </header>
      <div className="body">
        <Sidebar />
        <main className="content">{children}</main>
      </div>
    </div>
  );
}
