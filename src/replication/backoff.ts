/**
 * Capped exponential backoff with jitter for replication reconnects. Pure: randomness comes in as a
 * parameter so tests pin it.
 */

export interface BackoffSettings {
  /** Delay before the first retry. Defaults to 500 ms. */
  readonly initialMs: number;
  /** Upper bound of the delay. Defaults to 10 000 ms. */
  readonly maxMs: number;
  /**
   * Fraction of the delay taken off at random (0 = none, 1 = anywhere from 0 to the full delay).
   * Spreads the retries of many streams after a common failure. Defaults to 0.2.
   */
  readonly jitter: number;
}

export const DEFAULT_BACKOFF: BackoffSettings = Object.freeze({ initialMs: 500, maxMs: 10_000, jitter: 0.2 });

/** Largest exponent used; 2^30 x any sane initial delay is far past any cap. */
const MAX_EXPONENT = 30;

/**
 * Delay before retry number `attempt` (1 = first retry): initial x 2^(attempt-1), capped at maxMs,
 * then reduced by up to `jitter` of itself. Never above maxMs, never below (1 - jitter) x the capped
 * delay. `random` returns a number in [0, 1).
 */
export function backoffDelayMs(attempt: number, random: () => number, settings: BackoffSettings = DEFAULT_BACKOFF): number {
  const exponent = Math.min(Math.max(Math.floor(attempt) - 1, 0), MAX_EXPONENT);
  const capped = Math.min(settings.initialMs * 2 ** exponent, settings.maxMs);
  const r = Math.min(Math.max(random(), 0), 1);
  const jitter = Math.min(Math.max(settings.jitter, 0), 1);
  return Math.round(capped * (1 - jitter * r));
}
