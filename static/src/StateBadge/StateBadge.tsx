import { toneOf, type StateKind } from "../api/states";

/** A state as a badge coloured by its meaning (api/states.ts: one colour per
 * meaning on every page); `kind` says what the state belongs to, since a
 * "running" instance is fine but a "running" pipeline is under way. */
export function StateBadge({ value, kind }: { value: string; kind: StateKind }) {
  const tone = toneOf(kind, value);
  return (
    <span className={`badge badge-${tone}`} data-tone={tone}>
      {value.replace(/_/g, " ")}
    </span>
  );
}
