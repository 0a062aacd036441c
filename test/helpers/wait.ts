/**
 * Waiting for something a test cannot get an event for: polls, bounded both in time and in the
 * number of polls, and fails naming what it waited for.
 */

/** What is waited for, in the timeout's message; a function to say how far it got at that moment. */
export type Description = string | (() => string);

/** Polls `check` every `intervalMs` until it returns a truthy value (returned) or `timeoutMs` passes. */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs: number, what: Description, intervalMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let i = 0; i < 100_000; i++) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}${last ? `: ${String(last)}` : ''}`);
}

/** `waitFor` for a condition on in-process state, polled often (default: every 10 ms for up to 5 s). */
export async function until(done: () => boolean, what: Description, timeoutMs = 5000, intervalMs = 10): Promise<void> {
  await waitFor(done, timeoutMs, what, intervalMs);
}
