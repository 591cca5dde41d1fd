import type { ReactNode } from "react";
import { Route, Routes } from "react-router-dom";
import type { Permission, User } from "../api/types";
import { PUBLIC_PAGES, type PublicPage } from "../api/urls";
import { ApiTokensPage } from "../ApiTokensPage/ApiTokensPage";
import { ClusterPage } from "../ClusterPage/ClusterPage";
import { DeployPage } from "../DeployPage/DeployPage";
import { InstancePage } from "../InstancePage/InstancePage";
import { InstancesPage } from "../InstancesPage/InstancesPage";
import { ProjectsPage } from "../ProjectsPage/ProjectsPage";
import { AuditPage } from "../AuditPage/AuditPage";
import { ActionPage } from "../ActionPage/ActionPage";
import { PipelinesPage } from "../PipelinesPage/PipelinesPage";
import { ChangePasswordPage } from "../ChangePasswordPage/ChangePasswordPage";
import { ForgotPasswordPage } from "../ForgotPasswordPage/ForgotPasswordPage";
import { HealthPanel } from "../HealthPanel/HealthPanel";
import { InvitesPage } from "../InvitesPage/InvitesPage";
import { Layout } from "../Layout/Layout";
import { LoggedOutPage } from "../LoggedOutPage/LoggedOutPage";
import { LoginPage } from "../LoginPage/LoginPage";
import { NotFoundPage } from "../NotFoundPage/NotFoundPage";
import { RegisterPage } from "../RegisterPage/RegisterPage";
import { RequireAuth } from "../RequireAuth/RequireAuth";
import { ResetPasswordPage } from "../ResetPasswordPage/ResetPasswordPage";
import { SyncRunsPage } from "../SyncRunsPage/SyncRunsPage";
import { UsersPage } from "../UsersPage/UsersPage";

function Public({ children }: { children: ReactNode }) {
  return (
    <div className="public">
      <div className="public-brand">Ocim</div>
      {children}
      <HealthPanel />
    </div>
  );
}

/** Each public page's component: a key for every PUBLIC_PAGES path, no other. */
const PUBLIC: Record<PublicPage, ReactNode> = {
  "/login": <LoginPage />,
  "/forgot-password": <ForgotPasswordPage />,
  "/reset-password": <ResetPasswordPage />,
  "/register": <RegisterPage />,
  "/logged-out": <LoggedOutPage />,
};

/** The pages behind the login, inside the navigation: the permission each
 * needs (none: any signed-in user) and what it shows. */
const PAGES: { path: string; perm?: Permission; page: (u: User) => ReactNode }[] = [
  { path: "/", page: () => <><InstancesPage /><HealthPanel /></> },
  { path: "/instances", page: () => <InstancesPage /> },
  { path: "/instances/:id", page: () => <InstancePage /> },
  { path: "/clusters/:id", page: () => <ClusterPage /> },
  { path: "/pipelines", page: () => <PipelinesPage /> },
  { path: "/actions/:id", page: () => <ActionPage /> },
  { path: "/deploy", perm: "operate", page: () => <DeployPage /> },
  { path: "/projects", page: (u) => <ProjectsPage admin={u.role === "admin"} /> },
  { path: "/sync", page: () => <SyncRunsPage /> },
  { path: "/account/password", page: () => <ChangePasswordPage /> },
  { path: "/account/tokens", page: () => <ApiTokensPage /> },
  { path: "/admin/users", perm: "admin", page: (u) => <UsersPage me={u} /> },
  { path: "/admin/invites", perm: "admin", page: () => <InvitesPage /> },
  { path: "/admin/audit", perm: "admin", page: () => <AuditPage /> },
];

export function App() {
  return (
    <Routes>
      {PUBLIC_PAGES.map((path) => (
        <Route key={path} path={path} element={<Public>{PUBLIC[path]}</Public>} />
      ))}
      {PAGES.map(({ path, perm, page }) => (
        <Route
          key={path}
          path={path}
          element={<RequireAuth perm={perm}>{(u) => <Layout user={u}>{page(u)}</Layout>}</RequireAuth>}
        />
      ))}
      <Route path="*" element={<Public><NotFoundPage /></Public>} />
    </Routes>
  );
}
