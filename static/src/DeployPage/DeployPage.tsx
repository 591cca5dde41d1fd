import { useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { apiError, useClustersQuery, useCreateInstanceMutation } from "../api/api";
import { useLiveAction } from "../api/liveAction";
import type { Action } from "../api/types";
import { Field, FormError } from "../Field/Field";
import { useIntentKeys } from "../key";

export function DeployPage() {
  const [params] = useSearchParams();
  const clusters = useClustersQuery();
  const [cluster, setCluster] = useState(params.get("cluster") ?? "");
  const [name, setName] = useState("");
  const [overrides, setOverrides] = useState("");
  const keys = useIntentKeys();
  const [deploy, deployed] = useCreateInstanceMutation();
  const err = apiError(deployed.error);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const intent = { cluster_id: Number(cluster), name, overrides };
    try {
      await deploy({ ...intent, key: keys.keyFor(intent) }).unwrap();
      keys.settle(intent);
    } catch (e) {
      keys.settle(intent, e); // shown below; a retry after no answer sends the same key
    }
  }

  return (
    <section className="panel narrow">
      <h1>Deploy a new instance</h1>
      {deployed.data ? (
        <DeployResult answered={deployed.data} />
      ) : (
        <form onSubmit={onSubmit} noValidate>
          <label className="field">
            <span className="field-label">Cluster</span>
            <select name="cluster_id" value={cluster} onChange={(e) => setCluster(e.target.value)} required>
              <option value="">Choose a cluster</option>
              {clusters.data?.items.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.project_name} / {c.name} ({c.provider})
                </option>
              ))}
            </select>
            {err?.field === "cluster_id" && <span className="field-error">{err.message}</span>}
          </label>
          <Field label="Name" name="name" value={name} onChange={setName} error={err} required
                 hint="Lowercase letters, digits, - and _, starting with a letter; at most 50." />
          <label className="field">
            <span className="field-label">Configuration overrides (YAML, optional)</span>
            <textarea name="overrides" rows={8} value={overrides} onChange={(e) => setOverrides(e.target.value)}
                      placeholder={"PLATFORM_NAME: My site\nLMS_HOST: courses.example.com\n"} />
            {err?.field === "overrides" && <span className="field-error" data-testid="error-overrides">{err.message}</span>}
          </label>
          <FormError error={err} fields={["name", "cluster_id", "overrides"]} />
          <button type="submit" className="primary" disabled={deployed.isLoading}>
            Deploy
          </button>
        </form>
      )}
    </section>
  );
}

/** The deploy action, followed until ocim-sync has sent it. */
function DeployResult({ answered }: { answered: Action }) {
  const action = useLiveAction(answered) ?? answered;
  return (
    <div className="notice" data-testid="deploy-result">
      <p>
        <strong>{action.instance_name}</strong>: {action.state}
        {action.last_error && <span className="form-error"> ({action.last_error})</span>}
      </p>
      {action.instance_id && <Link to={`/instances/${action.instance_id}`}>Follow it</Link>}
    </div>
  );
}
