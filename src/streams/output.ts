/**
 * The one stream-output base. An output is one encoding of one stream (RTMP chunks for one chunk
 * size, RTP packets, later HLS fragments or WebRTC packets) shared by every reader of that
 * encoding. The base owns what every output does the same way:
 *
 * - the reader set, each reader behind its bounded ReaderQueue (drop to the next GOP start when
 *   its socket backs up, eviction when it stays behind), with the drops and evictions counted;
 * - the fan-out: a unit is encoded ONCE by the subclass and the same Buffers go to every reader;
 * - the GOP start: a joining reader gets the units since the last GOP start first, so its first
 *   picture comes at once (with continuous sequence numbers: they are the very packets the other
 *   readers got). The stream already keeps those frames; an output keeps its units only while
 *   readers join. When one joins, the subclass encodes the stream's cached frames again (`replay`:
 *   the same bytes as the first time), and the output keeps its units from then on, for the other
 *   readers of a join burst, until a whole GOP has gone by without a join. A camera whose readers
 *   stay (the compressor, the master) holds its GOP once, in the stream, instead of once more per
 *   protocol;
 * - the stats every output reports (readers, frames out, bytes out, drops, evictions), added to
 *   the stream's too so the metrics count every protocol's readers the same way.
 *
 * Subclasses are encoders: they turn the stream's description and frames into EncodedUnits and
 * call `push`, and make them again from the stream's cached frames in `replay`. They call
 * `start()` at the end of their constructor (the stream replays its description and GOP into the
 * subscriber at once, so their own fields must be set first).
 */
import type { Frame, StreamDescription, TrackKind } from '../../protocols/media/frame.ts';
import { GopCache, type GopItemKind } from './gop-cache.ts';
import { ReaderQueue, type ReaderQueueEvents, type ReaderQueueOptions } from './reader-queue.ts';
import type { Stream, StreamOutput } from './stream.ts';
import type { FrameSink, ReaderTransport } from './types.ts';

/** One frame as an output encoded it: the same buffers go to every reader of that output. */
export interface EncodedUnit {
  readonly buffers: readonly Buffer[];
  readonly track: TrackKind;
  /** A decoder can start here (video keyframe; any frame of an audio-only stream). */
  readonly startsGop: boolean;
  /** Sum of the buffers' lengths. */
  readonly size: number;
}

/** Units an output's cached GOP holds at most (its bytes are bounded like the stream's, under the same budget). */
const OUTPUT_GOP_MAX_UNITS = 3000;

const UNIT_GOP: GopItemKind<EncodedUnit> = {
  startsGop: (u) => u.startsGop,
  fields: 2,
  header(u, row, at) {
    row[at] = u.track === 'video' ? 0 : 1;
    row[at + 1] = u.startsGop ? 1 : 0;
  },
  buffers: (u) => u.buffers,
  revive(row, at, buffers) {
    let size = 0;
    for (const b of buffers) size += b.length;
    return { buffers, track: row[at] === 0 ? 'video' : 'audio', startsGop: row[at + 1] === 1, size };
  },
};

/** How a reader's queue is set up: the listener's limits and clock. */
export interface ReaderQueueSetup {
  readonly options: ReaderQueueOptions;
  readonly now: () => number;
}

export interface OutputReader<T extends ReaderTransport> {
  readonly queue: ReaderQueue;
  readonly transport: T;
}

/** What one output has done since it was created. */
export interface OutputStats {
  readonly readers: number;
  /** Units delivered, counted once per reader that took them (the cached GOP a reader starts with included). */
  readonly framesOut: number;
  readonly bytesOut: number;
  /** Units not delivered to some reader because it was too slow (once per reader). */
  readonly framesDropped: number;
  /** Readers closed because they stayed behind. */
  readonly readersEvicted: number;
}

export abstract class StreamOutputBase<T extends ReaderTransport = ReaderTransport> implements StreamOutput, FrameSink {
  readonly stream: Stream;
  readonly key: string;
  readonly #readers = new Set<OutputReader<T>>();
  readonly #gop: GopCache<EncodedUnit>;
  /** #gop follows the pushed units (a reader joined during this GOP or the one before). */
  #keepingGop = false;
  /** A reader joined since the current GOP started. */
  #joinedThisGop = false;
  /** What every reader queue of this output reports, counted here and on the stream (one object for all readers). */
  readonly #queueEvents: ReaderQueueEvents = {
    onDrop: () => {
      this.#framesDropped++;
      this.stream.stats.framesDropped++;
    },
    onEvict: () => {
      this.#readersEvicted++;
      this.stream.stats.readersEvicted++;
    },
  };
  #unsubscribe: (() => void) | undefined;
  #closed = false;
  #framesOut = 0;
  #bytesOut = 0;
  #framesDropped = 0;
  #readersEvicted = 0;

  constructor(stream: Stream, key: string) {
    this.stream = stream;
    this.key = key;
    this.#gop = new GopCache(UNIT_GOP, { ...stream.gopLimits, maxItems: OUTPUT_GOP_MAX_UNITS });
  }

  get readerCount(): number {
    return this.#readers.size;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get stats(): OutputStats {
    return {
      readers: this.#readers.size,
      framesOut: this.#framesOut,
      bytesOut: this.#bytesOut,
      framesDropped: this.#framesDropped,
      readersEvicted: this.#readersEvicted,
    };
  }

  /**
   * The units since the last GOP start, oldest first, for a reader joining now (made again from the
   * stream's cached frames when the output was not keeping them).
   */
  get gop(): readonly EncodedUnit[] {
    this.#joinedThisGop = true;
    if (!this.#keepingGop) {
      this.#keepingGop = true;
      this.#gop.clear();
      for (const unit of this.replay(this.stream.gop)) this.#gop.push(unit);
    }
    return this.#gop.items;
  }

  /** Whether the output holds a copy of its GOP now (readers joined lately). */
  get keepingGop(): boolean {
    return this.#keepingGop;
  }

  /**
   * Attaches a reader: the subclass's intro first (headers a decoder needs), then the cached GOP,
   * then live units. Returns the function that detaches it; the output closes with its last reader.
   */
  addReader(transport: T, setup: ReaderQueueSetup): () => void {
    const queue = new ReaderQueue(transport, setup.options, setup.now, this.#queueEvents);
    const entry: OutputReader<T> = { queue, transport };
    this.#readers.add(entry);
    this.introduce(transport);
    // The cached GOP it starts with counts as sent, like live units.
    for (const u of this.gop) if (queue.write(u.buffers, u.track, u.startsGop, u.size)) this.#count(1, u.size);
    return () => this.#removeReader(entry);
  }

  /** Writes what a joining reader needs before its first unit (RTMP metadata, sequence headers). */
  protected introduce(_transport: T): void {}

  /**
   * The units this output pushed for `frames` (the stream's cached GOP, its keyframe first), made
   * again byte for byte without changing the output's state: what a joining reader starts with.
   */
  protected abstract replay(frames: readonly Frame[]): EncodedUnit[];

  /** The readers, for per-reader side channels (RTCP sender reports). */
  protected get readers(): ReadonlySet<OutputReader<T>> {
    return this.#readers;
  }

  /** Subscribes to the stream: call last in the subclass constructor. */
  protected start(): void {
    this.#unsubscribe = this.stream.subscribe(this);
  }

  /** Sends one unit to every reader (the same Buffers), remembering it in the GOP. */
  protected push(unit: EncodedUnit): void {
    if (this.#keepingGop) {
      if (unit.startsGop) {
        // A whole GOP without a join: the stream's frames are enough for the next one.
        if (!this.#joinedThisGop) this.resetGop();
        this.#joinedThisGop = false;
      }
      if (this.#keepingGop) this.#gop.push(unit);
    }
    let taken = 0;
    for (const r of this.#readers) if (r.queue.write(unit.buffers, unit.track, unit.startsGop, unit.size)) taken++;
    if (taken > 0) this.#count(taken, taken * unit.size);
  }

  /** Writes control units (headers, metadata) to every reader: they never go stale in a GOP, and are not counted as frames. */
  protected broadcast(buffers: readonly Buffer[]): void {
    if (buffers.length === 0) return;
    let size = 0;
    for (const b of buffers) size += b.length;
    for (const r of this.#readers) r.queue.write(buffers, 'video', true, size);
  }

  /** Counts units an output delivered without a reader queue (HLS parts served over HTTP). */
  protected countOut(units: number, bytes: number): void {
    this.#count(units, bytes);
  }

  /** Forgets the cached GOP (codec change, publisher gone, no joins lately). */
  protected resetGop(): void {
    this.#gop.clear();
    this.#keepingGop = false;
  }

  /** Closes every reader (the stream ended, or its codecs changed under them). */
  protected closeReaders(reason: string): void {
    for (const r of [...this.#readers]) {
      this.#readers.delete(r);
      r.queue.markClosed();
      r.transport.close(reason);
    }
  }

  abstract onDescription(desc: StreamDescription): void;
  abstract onFrame(frame: Frame): void;

  onPublisherGone(): void {
    this.resetGop();
  }

  onEnd(): void {
    this.close();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.closeReaders('stream ended');
    this.stream.releaseOutput(this.key);
  }

  #removeReader(entry: OutputReader<T>): void {
    if (!this.#readers.delete(entry)) return;
    entry.queue.markClosed();
    if (this.#readers.size === 0) this.close();
  }

  #count(units: number, bytes: number): void {
    this.#framesOut += units;
    this.#bytesOut += bytes;
    this.stream.stats.framesOut += units;
    this.stream.stats.bytesOut += bytes;
  }
}
