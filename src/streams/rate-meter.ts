/**
 * Rate over a sliding window of one-second buckets (bytes/s, frames/s), fed on the hot path with
 * no timers: `add` rolls the buckets forward from the injected clock.
 */
export class RateMeter {
  #buckets: Float64Array;
  #bucketMs: number;
  #head = 0; // index of the current bucket
  #headStart = 0; // start time of the current bucket
  #completed = 0; // buckets completed since the first sample, up to the window

  constructor(windowBuckets = 3, bucketMs = 1000) {
    this.#buckets = new Float64Array(windowBuckets);
    this.#bucketMs = bucketMs;
  }

  add(amount: number, now: number): void {
    this.#roll(now);
    this.#buckets[this.#head] = this.#buckets[this.#head]! + amount;
  }

  /** Seconds the full window averages over (the completed buckets). */
  get windowSeconds(): number {
    return ((this.#buckets.length - 1) * this.#bucketMs) / 1000;
  }

  /**
   * Average per second over the completed buckets of the window (the current one excluded); while
   * fewer than the window have completed since the first sample, over those only.
   */
  perSecond(now: number): number {
    this.#roll(now);
    const n = this.#buckets.length;
    const m = Math.min(this.#completed, n - 1);
    if (m === 0) return 0;
    let sum = 0;
    for (let i = 1; i <= m; i++) sum += this.#buckets[(this.#head - i + n) % n]!;
    return (sum * 1000) / (this.#bucketMs * m);
  }

  #roll(now: number): void {
    if (this.#headStart === 0) this.#headStart = now;
    let steps = Math.floor((now - this.#headStart) / this.#bucketMs);
    if (steps <= 0) return;
    const n = this.#buckets.length;
    this.#headStart += steps * this.#bucketMs;
    this.#completed = Math.min(this.#completed + steps, n);
    if (steps > n) steps = n;
    for (let i = 0; i < steps; i++) {
      this.#head = (this.#head + 1) % n;
      this.#buckets[this.#head] = 0;
    }
  }
}
