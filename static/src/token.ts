/** The one-time token of an invite or reset link: it travels in the URL
 * fragment (#token=...), which browsers never send to a server. */
export function linkToken(): string {
  return new URLSearchParams(window.location.hash.replace(/^#/, "")).get("token") ?? "";
}
