import { useRef } from "react";

/** A fresh Idempotency-Key. */
export function newKey(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Whether a failed request may have reached the server without its answer
 * reaching us: no answer at all, a timeout, or a 5xx (a gateway error may
 * come after the responder did the work). Then a retry must send the same
 * key, so the server answers the first request's outcome instead of doing
 * the work twice. Any other answer ends the intent.
 */
export function outcomeUnknown(error: unknown): boolean {
  if (typeof error !== "object" || error === null || !("status" in error)) return true;
  const status = (error as { status: unknown }).status;
  if (typeof status === "number") return status >= 500;
  return status === "FETCH_ERROR" || status === "TIMEOUT_ERROR" || status === "PARSING_ERROR";
}

/**
 * One Idempotency-Key per user intent (what is asked, with its body): a
 * retried click of the same intent after an unknown outcome sends the same
 * key; an answer, or another intent, gets a new one.
 */
export function useIntentKeys() {
  const keys = useRef(new Map<string, string>());
  return {
    keyFor(intent: unknown): string {
      const id = JSON.stringify(intent);
      let k = keys.current.get(id);
      if (k === undefined) {
        k = newKey();
        keys.current.set(id, k);
      }
      return k;
    },
    settle(intent: unknown, error?: unknown): void {
      if (error === undefined || !outcomeUnknown(error)) keys.current.delete(JSON.stringify(intent));
    },
  };
}
