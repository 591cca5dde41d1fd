import { useEffect, useRef, useState, type FormEvent } from "react";
import { useSearchParams } from "react-router-dom";
import { apiError, useAllowDeletesMutation, useCreateProjectMutation, useProjectsQuery, useSyncProjectMutation } from "../api/api";
import { usePermissions } from "../api/permissions";
import { Field, FormError } from "../Field/Field";
import { when } from "../format";
import { poll } from "../api/poll";

/** The GitLab repositories Ocim follows; admins add them. */
export function ProjectsPage({ admin }: { admin: boolean }) {
  // a queued refresh lands when ocim-sync has run it: poll until none is left
  const [queued, setQueued] = useState(false);
  const { can } = usePermissions();
  const list = useProjectsQuery(undefined, poll(queued ? 2000 : 0));
  const anyQueued = !!list.data?.items.some((p) => p.sync_requested);
  useEffect(() => setQueued(anyQueued), [anyQueued]);
  const [create, created] = useCreateProjectMutation();
  const [sync] = useSyncProjectMutation();
  const [allowDeletes] = useAllowDeletesMutation();
  const [form, setForm] = useState({ name: "", gitlab_url: "https://gitlab.com", gitlab_project_id: "", api_token: "",
                                     trigger_token: "", deploy_key: "", description: "" });
  // the header's "Add GitLab repository" comes here with ?add=1: the form first, ready to type in
  const [params] = useSearchParams();
  const adding = params.get("add") === "1";
  const formRef = useRef<HTMLElement>(null);
  useEffect(() => {
    if (!adding || !formRef.current) return;
    formRef.current.scrollIntoView({ block: "start" });
    formRef.current.querySelector<HTMLInputElement>('input[name="name"]')?.focus();
  }, [adding]);
  const err = apiError(created.error);
  const set = (k: keyof typeof form) => (v: string) => setForm({ ...form, [k]: v });

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    try {
      const { deploy_key, description, ...rest } = form;
      await create({ ...rest, gitlab_project_id: Number(form.gitlab_project_id),
                     ...(deploy_key.trim() ? { deploy_key } : {}), ...(description ? { description } : {}) }).unwrap();
      setForm({ ...form, name: "", gitlab_project_id: "", api_token: "", trigger_token: "", deploy_key: "", description: "" });
    } catch {
      /* shown below */
    }
  }

  const addForm = (
    <>
      {admin && (
        <section className="panel narrow" ref={formRef} data-testid="add-repository">
          <h2>Add a GitLab repository</h2>
          {created.data?.webhook_secret && (
            <div className="notice" data-testid="webhook-secret">
              <p>
                In GitLab, add a webhook for pipeline and push events to <code>{created.data.webhook_url}</code> with
                the secret token below. It is shown this once.
              </p>
              <code>{created.data.webhook_secret}</code>
            </div>
          )}
          <form onSubmit={onSubmit} noValidate>
            <Field label="Name" name="name" value={form.name} onChange={set("name")} error={err} required />
            <Field label="GitLab URL" name="gitlab_url" value={form.gitlab_url} onChange={set("gitlab_url")} error={err} required />
            <Field label="Project id" name="gitlab_project_id" value={form.gitlab_project_id} onChange={set("gitlab_project_id")} error={err} required />
            <Field label="API token" name="api_token" type="password" autoComplete="off" value={form.api_token} onChange={set("api_token")} error={err} required />
            <Field label="Pipeline trigger token" name="trigger_token" type="password" autoComplete="off" value={form.trigger_token} onChange={set("trigger_token")} error={err} required />
            <label className="field">
              <span className="field-label">Deploy key (optional)</span>
              <textarea name="deploy_key" rows={3} autoComplete="off" spellCheck={false} value={form.deploy_key}
                        placeholder="-----BEGIN OPENSSH PRIVATE KEY-----" onChange={(e) => set("deploy_key")(e.target.value)} />
              <span className="field-hint">The private key Grove's pipelines use to reach the repository; stored encrypted, never shown again.</span>
              {err?.field === "deploy_key" && <span className="field-error">{err.message}</span>}
            </label>
            <label className="field">
              <span className="field-label">Description (optional)</span>
              <textarea name="description" rows={2} value={form.description} onChange={(e) => set("description")(e.target.value)} />
              {err?.field === "description" && <span className="field-error">{err.message}</span>}
            </label>
            <FormError error={err} fields={["name", "gitlab_url", "gitlab_project_id", "api_token", "trigger_token", "deploy_key", "description"]} />
            <button type="submit" className="primary" disabled={created.isLoading}>
              Add repository
            </button>
          </form>
        </section>
      )}
    </>
  );

  return (
    <>
      {adding && addForm}
      <section className="panel">
        <h1>GitLab repositories</h1>
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>GitLab</th>
              <th>Clusters</th>
              <th>Last sync</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.data?.items.map((p) => (
              <tr key={p.id}>
                <td>
                  {p.name}
                  {p.description && <div className="muted small">{p.description}</div>}
                </td>
                <td>
                  {p.gitlab_url} #{p.gitlab_project_id}
                </td>
                <td>{p.cluster_count}</td>
                <td>
                  {when(p.last_sync_at)}
                  {p.last_sync_error && <div className="form-error">{p.last_sync_error}</div>}
                  {!!p.file_error_count && (
                    <div className="form-error" data-testid="file-errors">
                      {p.file_error_count} file(s) in error in the repository
                    </div>
                  )}
                  {p.sync_requested && <div className="muted small" data-testid="refresh-queued">refresh queued</div>}
                </td>
                <td>
                  {can("operate") && (
                    <button type="button" onClick={() => sync(p.id)} disabled={p.sync_requested}>
                      {p.sync_requested ? "Queued…" : "Refresh"}
                    </button>
                  )}
                  {admin && p.deletes_waiting != null && !p.allow_deletes && (
                    <button
                      type="button"
                      className="danger"
                      data-testid="allow-deletes"
                      onClick={() => {
                        if (window.confirm(`Mark ${p.deletes_waiting} instances of ${p.name} deleted? Their folders left the repository.`))
                          allowDeletes(p.id);
                      }}
                    >
                      Allow deleting {p.deletes_waiting}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {!adding && addForm}
    </>
  );
}
