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
