import { Link } from "react-router-dom";

export function NotFoundPage() {
  return (
    <div className="card narrow">
      <h1>Page not found</h1>
      <p>
        <Link to="/">Go to the overview</Link>
      </p>
    </div>
  );
}
