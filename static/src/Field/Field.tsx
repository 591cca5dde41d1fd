import type { ChangeEvent } from "react";
import type { ApiError } from "../api/types";

interface Props {
  label: string;
  name: string;
  value: string;
  onChange: (v: string) => void;
  type?: string;
  autoComplete?: string;
  error?: ApiError | null;
  required?: boolean;
  hint?: string;
}

/** A labelled input; shows the API's error when it names this field. */
export function Field({ label, name, value, onChange, type = "text", autoComplete, error, required, hint }: Props) {
  const mine = error && error.field === name ? error.message : null;
  return (
    <label className="field">
      <span className="field-label">{label}</span>
      <input
        name={name}
        type={type}
        value={value}
        autoComplete={autoComplete}
        required={required}
        aria-invalid={mine ? true : undefined}
        onChange={(e: ChangeEvent<HTMLInputElement>) => onChange(e.target.value)}
      />
      {hint && !mine && <span className="field-hint">{hint}</span>}
      {mine && (
        <span className="field-error" role="alert" data-testid={`error-${name}`}>
          {mine}
        </span>
      )}
    </label>
  );
}

/** The API's error when it does not belong to one field. */
export function FormError({ error, fields }: { error: ApiError | null; fields: string[] }) {
  if (!error || (error.field && fields.includes(error.field))) return null;
  return (
    <p className="form-error" role="alert" data-testid="form-error">
      {error.message}
    </p>
  );
}
