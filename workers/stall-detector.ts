/**
 * Decides when ffmpeg is stuck: no output activity (encoded bytes or a growing frame count) for
 * `timeoutMs`. Pure: the clock is injected; the supervisor polls `stalled()` from a timer.
 */
export class StallDetector {
  readonly timeoutMs: number;
  readonly #now: () => number;
  #lastActivity: number;

  constructor(timeoutMs: number, now: () => number) {
    if (!(timeoutMs > 0)) throw new RangeError(`stall timeout must be > 0 ms, got ${timeoutMs}`);
    this.timeoutMs = timeoutMs;
    this.#now = now;
    this.#lastActivity = now();
  }

  /** Output was seen. */
  activity(): void {
    this.#lastActivity = this.#now();
  }

  /** Starts a new watch period (a new ffmpeg run): the timeout counts from now. */
  reset(): void {
    this.#lastActivity = this.#now();
  }

  /** Milliseconds since the last activity. */
  idleMs(): number {
    return this.#now() - this.#lastActivity;
  }

  stalled(): boolean {
    return this.idleMs() >= this.timeoutMs;
  }

  /** How long until `stalled()` turns true if nothing happens (0 when already stalled). */
  msUntilStall(): number {
    return Math.max(0, this.timeoutMs - this.idleMs());
  }
}
