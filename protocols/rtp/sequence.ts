/**
 * Wrap-around arithmetic for RTP sequence numbers (16 bits) and timestamps (32 bits), RFC 3550
 * Appendix A.1: differences are taken modulo 2^n and read as signed.
 */

export const SEQUENCE_NUMBER_MODULO = 0x10000;

/** seq + n modulo 2^16. */
export function seqAdd(seq: number, n: number): number {
  return (seq + n) & 0xffff;
}

/** Signed distance a - b in [-32768, 32767]. */
export function seqDiff(a: number, b: number): number {
  return (((a - b) & 0xffff) << 16) >> 16;
}

/** True when a comes after b (within half the sequence space). */
export function seqIsNewer(a: number, b: number): boolean {
  return seqDiff(a, b) > 0;
}

/** ts + n modulo 2^32. */
export function timestampAdd(ts: number, n: number): number {
  return (ts + n) >>> 0;
}

/** Signed distance a - b between two 32-bit RTP timestamps. */
export function timestampDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/**
 * Extends 32-bit RTP timestamps to a continuous value: each timestamp is placed at the signed
 * distance from the previous one, so wraps at 2^32 keep counting up.
 */
export class TimestampUnwrapper {
  #lastRaw: number | undefined;
  #lastExtended = 0;

  /** `origin`, when given, is the raw timestamp that maps to itself; otherwise the first seen. */
  constructor(origin?: number) {
    if (origin !== undefined) {
      this.#lastRaw = origin >>> 0;
      this.#lastExtended = origin >>> 0;
    }
  }

  unwrap(ts: number): number {
    ts >>>= 0;
    if (this.#lastRaw === undefined) {
      this.#lastRaw = ts;
      this.#lastExtended = ts;
      return ts;
    }
    this.#lastExtended += timestampDiff(ts, this.#lastRaw);
    this.#lastRaw = ts;
    return this.#lastExtended;
  }
}
