import { useState } from "react";
import { apiError, useCancelActionMutation } from "../api/api";
import { usePermissions } from "../api/permissions";
import type { Action } from "../api/types";

/** Whether the current user may cancel a: it is queued (nothing has reached
 * GitLab yet) and they may start an action of its kind (the server checks
 * the same: operate, and the reprovision grant for a reprovision). */
export function useMayCancel(a: Action): boolean {
  const { can } = usePermissions();
  return a.state === "queued" && can("operate") && (a.kind !== "reprovision" || can("reprovision"));
}

/** "Cancel" for a queued action, confirmed first; the server's refusal (409:
 * ocim-sync took it meanwhile) is shown as it says it. Nothing for users
 * who cannot cancel it or once it left the queue. */
export function CancelAction({ action }: { action: Action }) {
  const may = useMayCancel(action);
  const [asking, setAsking] = useState(false);
  const [cancel, cancelled] = useCancelActionMutation();
  const err = apiError(cancelled.error);
  if (!may && !err) return null;
  return (
    <div className="cancel-action">
      {may && !asking && (
        <button type="button" onClick={() => setAsking(true)} disabled={cancelled.isLoading}>Cancel</button>
      )}
      {may && asking && (
        <div role="dialog" aria-label={`Cancel action ${action.id}`} data-testid="cancel-dialog" className="notice">
          <p>
            Cancel the {action.kind} of <strong>{action.instance_name}</strong>? It has not reached GitLab yet; the
            instance goes back to where it was.
          </p>
          <div className="actions-row">
            <button type="button" className="danger" disabled={cancelled.isLoading}
                    onClick={async () => {
                      setAsking(false);
                      try {
                        await cancel(action.id).unwrap();
                      } catch {
                        /* shown below */
                      }
                    }}>
              Cancel the {action.kind}
            </button>
            <button type="button" onClick={() => setAsking(false)}>Keep it</button>
          </div>
        </div>
      )}
      {err && <p className="form-error small" role="alert">{err.message}</p>}
    </div>
  );
}
