// The lifecycle of an instance as the server's one table has it
// (src/lib/states.c, GET /api/v1/instance-states). tests/unit/test-states
// checks that these lists match that table; change both together.

/** Every instance state, in the server's order. */
export const INSTANCE_STATES = [
  "create_pending",
  "running",
  "failure",
  "update_pending",
  "archive_pending",
  "archived",
  "unarchive_pending",
  "delete_pending",
  "deleted",
  "unknown",
] as const;

export type InstanceState = (typeof INSTANCE_STATES)[number];

/** The states an operator's action may start from (create has its own form). */
export const ACTION_FROM: Record<string, readonly InstanceState[]> = {
  update: ["running", "failure"],
  archive: ["running", "failure"],
  unarchive: ["archived"],
  delete: ["running", "failure", "archived", "unknown"],
  "build-images": ["running", "failure"],
  reprovision: ["running", "failure"],
};

/** The states that wait for a pipeline. */
export const PENDING_STATES: readonly InstanceState[] = [
  "create_pending",
  "update_pending",
  "archive_pending",
  "unarchive_pending",
  "delete_pending",
];

/** Whether an instance in `state` waits for a pipeline. */
export function isPending(state: string): boolean {
  return (PENDING_STATES as readonly string[]).includes(state);
}

/** What a state means to the eye; each tone has one colour everywhere
 * (app.css .badge-TONE): done and fine, broken, needs a look, waiting for
 * something to start, under way, gone or unknown. */
export type Tone = "good" | "bad" | "warn" | "pending" | "progress" | "muted";

/** The kinds of things that have a state; the same word may mean two things
 * ("running" is a healthy instance but a pipeline still under way). */
export type StateKind = "instance" | "health" | "pipeline" | "cluster" | "action";

/** An instance state's tone, from the lifecycle above. */
function instanceTone(state: string): Tone {
  if (isPending(state)) return "pending";
  if (state === "running") return "good";
  if (state === "failure") return "bad";
  return "muted"; // archived, deleted, unknown
}

// GitLab's pipeline statuses; "created", "waiting_for_resource", "preparing",
// "pending", "scheduled" and "manual" wait to start
const PIPELINE_TONES: Record<string, Tone> = {
  running: "progress",
  success: "good",
  failed: "bad",
  canceled: "muted",
  skipped: "muted",
};
const HEALTH_TONES: Record<string, Tone> = { healthy: "good", degraded: "warn", unreachable: "bad", unknown: "muted" };
const CLUSTER_TONES: Record<string, Tone> = { active: "good", pending: "pending", archived: "muted", deleted: "muted" };
// an action: queued, dispatching, unconfirmed (waiting for GitLab), dispatched, failed,
// cancelled (withdrawn before it reached GitLab)
const ACTION_TONES: Record<string, Tone> = { dispatched: "progress", failed: "bad", queued: "pending",
                                            dispatching: "pending", unconfirmed: "pending", cancelled: "muted" };

/** The tone of `value` as a state of a `kind`. */
export function toneOf(kind: StateKind, value: string): Tone {
  switch (kind) {
    case "instance":
      return instanceTone(value);
    case "pipeline":
      return PIPELINE_TONES[value] ?? "pending";
    case "health":
      return HEALTH_TONES[value] ?? "muted";
    case "cluster":
      return CLUSTER_TONES[value] ?? "muted";
    case "action":
      return ACTION_TONES[value] ?? "muted";
  }
}

/** Whether a pipeline of this status is over. */
export function pipelineDone(status: string | undefined | null): boolean {
  return !!status && ["success", "failed", "canceled", "skipped"].includes(status);
}
