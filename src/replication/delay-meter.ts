/**
 * Estimates the delay a replicated stream adds: for each frame, the master's arrival time minus the
 * frame's timestamp on the upstream's timeline. That difference is a constant clock offset plus the
 * variable part (transit, queueing, the upstream's own jitter). The constant is removed by taking
 * the smallest difference seen over a sliding window as the baseline, so what remains is the delay
 * beyond the fastest frame of the window. One-way delay cannot be measured without synchronised
 * clocks; this is the part of it that varies, which is what a replica adds on top of a steady path.
 */

/** Baseline window: the minimum is kept over two buckets of this length. Defaults to 10 000 ms. */
export const DEFAULT_DELAY_WINDOW_MS = 10_000;
/** A jump of the timeline beyond this (a new upstream session, a timestamp reset) restarts the meter. */
const MAX_PLAUSIBLE_DELAY_MS = 60_000;

export class DelayMeter {
  readonly #windowMs: number;
  #bucketStart = Number.NaN;
  #minCurrent = Number.POSITIVE_INFINITY;
  #minPrevious = Number.POSITIVE_INFINITY;
  #sumCurrent = 0;
  #countCurrent = 0;
  #sumPrevious = 0;
  #countPrevious = 0;
  #last: number | null = null;

  constructor(windowMs = DEFAULT_DELAY_WINDOW_MS) {
    this.#windowMs = windowMs;
  }

  /** Records a frame that arrived at `arrivalMs` (wall clock) with timestamp `timestampMs`. */
  add(arrivalMs: number, timestampMs: number): void {
    const offset = arrivalMs - timestampMs;
    if (!Number.isFinite(offset)) return;
    if (Number.isNaN(this.#bucketStart)) this.#bucketStart = arrivalMs;
    const baseline = Math.min(this.#minCurrent, this.#minPrevious);
    if (Number.isFinite(baseline) && Math.abs(offset - baseline) > MAX_PLAUSIBLE_DELAY_MS) {
      this.reset();
      this.#bucketStart = arrivalMs;
    }
    if (arrivalMs - this.#bucketStart >= this.#windowMs) this.#rotate(arrivalMs);
    if (offset < this.#minCurrent) this.#minCurrent = offset;
    const added = offset - Math.min(this.#minCurrent, this.#minPrevious);
    this.#last = added;
    this.#sumCurrent += added;
    this.#countCurrent++;
  }

  /** Added delay of the latest frame (ms); null before any. */
  get lastMs(): number | null {
    return this.#last;
  }

  /** Mean added delay over the recent window (ms); null before any frame. */
  meanMs(): number | null {
    const n = this.#countCurrent + this.#countPrevious;
    if (n === 0) return null;
    return (this.#sumCurrent + this.#sumPrevious) / n;
  }

  /** Forgets everything (a new upstream session has a new timeline). */
  reset(): void {
    this.#bucketStart = Number.NaN;
    this.#minCurrent = this.#minPrevious = Number.POSITIVE_INFINITY;
    this.#sumCurrent = this.#sumPrevious = 0;
    this.#countCurrent = this.#countPrevious = 0;
    this.#last = null;
  }

  #rotate(now: number): void {
    const skipped = now - this.#bucketStart >= 2 * this.#windowMs;
    this.#minPrevious = skipped ? Number.POSITIVE_INFINITY : this.#minCurrent;
    this.#sumPrevious = skipped ? 0 : this.#sumCurrent;
    this.#countPrevious = skipped ? 0 : this.#countCurrent;
    this.#minCurrent = Number.POSITIVE_INFINITY;
    this.#sumCurrent = 0;
    this.#countCurrent = 0;
    this.#bucketStart = now;
  }
}
