/**
 * Capped exponential backoff with jitter: the one retry schedule of Cupola — ffmpeg restarts and
 * hook restarts (jitter spread both ways), and every reconnect: replication and source pulls and
 * listener binds (jitter only below the delay, see RECONNECT_BACKOFF).
 * Pure: randomness comes in as a function returning [0, 1). In protocols/ because src/ and workers/
 * both use it (the worker supervisor restarts ffmpeg with it) and may both import only protocols/.
 */

export interface BackoffSchedule {
  /** Delay before the first retry (ms). */
  readonly initialMs: number;
  /** Upper bound of the delay (ms). */
  readonly maxMs: number;
  /** Growth per retry. Defaults to 2. */
  readonly factor?: number;
  /** Share of the delay randomised, 0..1. */
  readonly jitter: number;
  /**
   * `spread` (default): anywhere within +-jitter of the delay, never above maxMs (ffmpeg and hook
   * restarts). `below`: up to `jitter` of the delay taken off, never above it (reconnects, binds:
   * spreads the retries of many streams after a common failure without ever waiting longer).
   */
  readonly jitterMode?: 'spread' | 'below';
}

/** Reconnects (replication and source pulls, listener binds): 0.5 s doubling to 10 s, up to 20 % earlier. */
export const RECONNECT_BACKOFF: Required<BackoffSchedule> = Object.freeze({ initialMs: 500, maxMs: 10_000, factor: 2, jitter: 0.2, jitterMode: 'below' });

const clamp01 = (x: number): number => Math.min(Math.max(x, 0), 1);

/**
 * Delay before retry `retry` (0 = the first retry; below 0 counts as 0): min(maxMs, initialMs x
 * factor^retry), then jittered as `jitterMode` says. Never above maxMs nor below 0; whole ms.
 */
export function backoffDelayMs(retry: number, s: BackoffSchedule, random: () => number): number {
  const grown = s.initialMs * (s.factor ?? 2) ** Math.max(0, Math.floor(retry));
  // Huge retry counts overflow to Infinity (0 x Infinity is NaN): the cap, or 0 for a zero delay.
  const base = s.initialMs <= 0 ? 0 : Number.isFinite(grown) ? Math.min(s.maxMs, grown) : s.maxMs;
  const jitter = clamp01(s.jitter);
  const r = clamp01(random());
  const scale = s.jitterMode === 'below' ? 1 - jitter * r : 1 - jitter + 2 * jitter * r;
  return Math.round(Math.min(s.maxMs, Math.max(0, base * scale)));
}

/** The retry counter around `backoffDelayMs`. */
export class Backoff {
  readonly #schedule: BackoffSchedule;
  readonly #random: () => number;
  #attempt = 0;

  constructor(schedule: BackoffSchedule, random: () => number = Math.random) {
    this.#schedule = schedule;
    this.#random = random;
  }

  /** Retries scheduled since the last reset. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The next delay; advances the counter. */
  next(): number {
    return backoffDelayMs(this.#attempt++, this.#schedule, this.#random);
  }

  /** A run lasted long enough to count as healthy: start again from initialMs. */
  reset(): void {
    this.#attempt = 0;
  }
}
