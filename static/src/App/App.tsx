import type { ReactNode } from "react";
import { Route, Routes } from "react-router-dom";
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

export function App() {
  return (
    <Routes>
      <Route path="/login" element={<Public><LoginPage /></Public>} />
      <Route path="/forgot-password" element={<Public><ForgotPasswordPage /></Public>} />
      <Route path="/reset-password" element={<Public><ResetPasswordPage /></Public>} />
      <Route path="/register" element={<Public><RegisterPage /></Public>} />
      <Route path="/logged-out" element={<Public><LoggedOutPage /></Public>} />
      <Route
        path="/"
        element={<RequireAuth>{(u) => <Layout user={u}><InstancesPage /><HealthPanel /></Layout>}</RequireAuth>}
      />
      <Route
        path="/instances"
        element={<RequireAuth>{(u) => <Layout user={u}><InstancesPage /></Layout>}</RequireAuth>}
      />
      <Route
        path="/instances/:id"
        element={<RequireAuth>{(u) => <Layout user={u}><InstancePage /></Layout>}</RequireAuth>}
      />
      <Route
        path="/clusters/:id"
        element={<RequireAuth>{(u) => <Layout user={u}><ClusterPage /></Layout>}</RequireAuth>}
      />
      <Route
        path="/pipelines"
        element={<RequireAuth>{(u) => <Layout user={u}><PipelinesPage /></Layout>}</RequireAuth>}
      />
      <Route
        path="/actions/:id"
        element={<RequireAuth>{(u) => <Layout user={u}><ActionPage /></Layout>}</RequireAuth>}
      />
      <Route
        path="/deploy"
        element={<RequireAuth perm="operate">{(u) => <Layout user={u}><DeployPage /></Layout>}</RequireAuth>}
      />
      <Route
        path="/projects"
        element={<RequireAuth>{(u) => <Layout user={u}><ProjectsPage admin={u.role === "admin"} /></Layout>}</RequireAuth>}
      />
      <Route
        path="/sync"
        element={<RequireAuth>{(u) => <Layout user={u}><SyncRunsPage /></Layout>}</RequireAuth>}
      />
      <Route
        path="/account/password"
        element={<RequireAuth>{(u) => <Layout user={u}><ChangePasswordPage /></Layout>}</RequireAuth>}
      />
      <Route
        path="/account/tokens"
        element={<RequireAuth>{(u) => <Layout user={u}><ApiTokensPage /></Layout>}</RequireAuth>}
      />
      <Route
        path="/admin/users"
        element={<RequireAuth perm="admin">{(u) => <Layout user={u}><UsersPage me={u} /></Layout>}</RequireAuth>}
      />
      <Route
        path="/admin/invites"
        element={<RequireAuth perm="admin">{(u) => <Layout user={u}><InvitesPage /></Layout>}</RequireAuth>}
      />
      <Route
        path="/admin/audit"
        element={<RequireAuth perm="admin">{(u) => <Layout user={u}><AuditPage /></Layout>}</RequireAuth>}
      />
      <Route path="*" element={<Public><NotFoundPage /></Public>} />
    </Routes>
  );
}
