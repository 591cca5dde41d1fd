const tones: Record<string, string> = {
  running: "good",
  healthy: "good",
  success: "good",
  failure: "bad",
  failed: "bad",
  unreachable: "bad",
  canceled: "bad",
  degraded: "pending",
  archived: "muted",
  deleted: "muted",
  unknown: "muted",
};

/** A state, health or pipeline status as a coloured badge; *_pending and
 * GitLab's waiting statuses show as pending. */
export function StateBadge({ value }: { value: string }) {
  const tone = tones[value] ?? "pending";
  return <span className={`badge badge-${tone}`}>{value.replace(/_/g, " ")}</span>;
}
