/**
 * Options for a polled query: the interval, paused while the tab is hidden
 * (RTK Query's focus tracking, set up in store.ts). A tab that becomes
 * visible again refetches at once (refetchOnFocus in api.ts), and each
 * poll is a revalidation the server answers 304 when nothing changed.
 */
export function poll(ms: number) {
  return { pollingInterval: ms, skipPollingIfUnfocused: true } as const;
}
