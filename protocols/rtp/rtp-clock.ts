/** Conversion between RTP media clocks and the millisecond timestamps of Frame. */
import { TimestampUnwrapper } from './sequence.ts';

/** RTP timestamp for a presentation time: round(ptsMs × clockRate / 1000) + offset, modulo 2^32. */
export function rtpTimestampFromMs(ptsMs: number, clockRate: number, offset: number): number {
  return (Math.round((ptsMs * clockRate) / 1000) + offset) >>> 0;
}

/** Milliseconds for a number of clock ticks (fractional). */
export function ticksToMs(ticks: number, clockRate: number): number {
  return (ticks * 1000) / clockRate;
}

/**
 * Receiving side: unwraps 32-bit RTP timestamps and converts them to milliseconds relative to an
 * origin (the RTP timestamp that maps to 0 ms; the first timestamp seen unless given, e.g. from
 * RTSP RTP-Info rtptime). Results may be fractional.
 */
export class RtpClock {
  readonly clockRate: number;
  #unwrapper: TimestampUnwrapper;
  #origin: number | undefined;

  constructor(clockRate: number, origin?: number) {
    if (!(clockRate > 0)) throw new RangeError(`clock rate ${clockRate}`);
    this.clockRate = clockRate;
    this.#origin = origin === undefined ? undefined : origin >>> 0;
    this.#unwrapper = new TimestampUnwrapper(this.#origin);
  }

  /** Milliseconds since the origin for an RTP timestamp (negative before the origin). */
  toMs(timestamp: number): number {
    return this.ticksToMs(this.ticksSinceOrigin(timestamp));
  }

  /** Clock ticks since the origin for an RTP timestamp, unwrapped across 2^32. */
  ticksSinceOrigin(timestamp: number): number {
    const extended = this.#unwrapper.unwrap(timestamp);
    if (this.#origin === undefined) this.#origin = extended;
    return extended - this.#origin;
  }

  ticksToMs(ticks: number): number {
    return ticksToMs(ticks, this.clockRate);
  }
}
