import type { TrackKind } from '../../protocols/media/frame.ts';
import type { ReaderQueue } from './reader-queue.ts';

/** One frame as an output encoded it: the same buffers go to every reader of that output. */
export interface EncodedUnit {
  readonly buffers: readonly Buffer[];
  readonly track: TrackKind;
  /** A decoder can start here (video keyframe; any frame of an audio-only stream). */
  readonly startsGop: boolean;
  /** Sum of the buffers' lengths. */
  readonly size: number;
}

export interface FanOutLimits {
  /** Encoded bytes of the cached GOP at most. Defaults to 16 MiB. */
  readonly maxGopBytes: number;
  readonly maxGopUnits: number;
}

export const DEFAULT_FAN_OUT_LIMITS: FanOutLimits = { maxGopBytes: 16 * 1024 * 1024, maxGopUnits: 3000 };

/**
 * The reader set of one output of one stream (say, RTMP play of site1/cam1). Units are encoded
 * once by the output and written to every reader; the units since the last GOP start are kept so
 * a joining reader gets its first picture at once, with continuous sequence numbers.
 */
export class FanOut {
  #readers = new Set<ReaderQueue>();
  #gop: EncodedUnit[] = [];
  #gopBytes = 0;
  #limits: FanOutLimits;

  constructor(limits: FanOutLimits = DEFAULT_FAN_OUT_LIMITS) {
    this.#limits = limits;
  }

  get size(): number {
    return this.#readers.size;
  }

  /** The cached units, oldest first (the first one starts a GOP). */
  get gop(): readonly EncodedUnit[] {
    return this.#gop;
  }

  /** Adds a reader and replays the cached GOP into it; returns the units and bytes it took. */
  add(reader: ReaderQueue): { units: number; bytes: number } {
    this.#readers.add(reader);
    let units = 0;
    let bytes = 0;
    for (const u of this.#gop) {
      if (!reader.write(u.buffers, u.track, u.startsGop, u.size)) continue;
      units++;
      bytes += u.size;
    }
    return { units, bytes };
  }

  remove(reader: ReaderQueue): void {
    this.#readers.delete(reader);
  }

  /** Sends one unit to every reader; returns the bytes written in total. */
  push(unit: EncodedUnit): number {
    this.#remember(unit);
    let written = 0;
    for (const r of this.#readers) {
      if (r.closed) {
        this.#readers.delete(r);
        continue;
      }
      if (r.write(unit.buffers, unit.track, unit.startsGop, unit.size)) written += unit.size;
    }
    return written;
  }

  /** Forgets the cached GOP (codec change, publisher gone). */
  resetGop(): void {
    this.#gop = [];
    this.#gopBytes = 0;
  }

  #remember(unit: EncodedUnit): void {
    if (unit.startsGop) this.resetGop();
    else if (this.#gop.length === 0) return; // nothing a reader could start from yet
    if (this.#gop.length >= this.#limits.maxGopUnits || this.#gopBytes + unit.size > this.#limits.maxGopBytes) {
      this.resetGop(); // a GOP this long is not worth replaying; wait for the next start
      return;
    }
    this.#gop.push(unit);
    this.#gopBytes += unit.size;
  }
}
