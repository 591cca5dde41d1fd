interface Props {
  cursor: number | null;
  next: number | null | undefined;
  onChange: (cursor: number | null) => void;
  first?: string;
  more?: string;
}

/** Buttons for cursor pages: back to the first page, on to the next. */
export function Pager({ cursor, next, onChange, first = "First page", more = "Next page" }: Props) {
  return (
    <div className="pager">
      {cursor !== null && (
        <button type="button" onClick={() => onChange(null)}>
          {first}
        </button>
      )}
      {next != null && (
        <button type="button" onClick={() => onChange(next)}>
          {more}
        </button>
      )}
    </div>
  );
}
