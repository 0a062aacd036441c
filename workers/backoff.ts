/**
 * Capped exponential backoff with jitter for ffmpeg restarts (and the compressor role's reconnects).
 * Pure: randomness comes in as a function returning [0, 1).
 */
import type { BackoffOptions } from './messages.ts';

/**
 * Delay before attempt `attempt` (0 = first retry): min(maxMs, initialMs * factor^attempt), spread by
 * +-jitter, never above maxMs nor below 0. Whole milliseconds.
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: () => number): number {
  const base = Math.min(options.maxMs, options.initialMs * options.factor ** Math.max(0, attempt));
  const spread = 1 - options.jitter + 2 * options.jitter * random();
  return Math.round(Math.min(options.maxMs, Math.max(0, base * spread)));
}

/** The attempt counter around `backoffDelayMs`. */
export class Backoff {
  readonly #options: BackoffOptions;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: BackoffOptions, random: () => number = Math.random) {
    this.#options = options;
    this.#random = random;
  }

  /** Retries scheduled since the last reset. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The next delay; advances the attempt counter. */
  next(): number {
    return backoffDelayMs(this.#attempt++, this.#options, this.#random);
  }

  /** A run lasted long enough to count as healthy: start again from initialMs. */
  reset(): void {
    this.#attempt = 0;
  }
}
