import { Link } from "react-router-dom";

export function LoggedOutPage() {
  return (
    <div className="card narrow">
      <h1 data-testid="logged-out">You are logged out</h1>
      <p>
        <Link to="/login">Log in again</Link>
      </p>
    </div>
  );
}
