import type { TrackKind } from '../../protocols/media/frame.ts';
import type { OutputBudget } from './output-budget.ts';
import type { ReaderTransport } from './types.ts';

export interface ReaderQueueOptions {
  /** Bytes a reader may have waiting in its socket before we drop frames. Defaults to 4 MiB. */
  readonly maxPendingBytes: number;
  /** A reader that keeps dropping for this long is disconnected. Defaults to 10 000 ms. */
  readonly maxDroppingMs: number;
  /** The node's output budget across readers; a reader over its share of it drops like one over maxPendingBytes. */
  readonly budget?: OutputBudget;
}

export const DEFAULT_READER_QUEUE: ReaderQueueOptions = { maxPendingBytes: 4 * 1024 * 1024, maxDroppingMs: 10_000 };

export interface ReaderQueueEvents {
  /** One unit not delivered to this reader. */
  onDrop?(): void;
  /** This reader was closed for staying behind. */
  onEvict?(): void;
}

/**
 * A reader's bounded queue. The queue itself is the socket's buffer (`pendingBytes`): we never
 * buffer on our side. When it is over the cap, units are dropped until the next GOP start that
 * finds the socket drained to half the cap; a reader still dropping after maxDroppingMs is closed.
 * The same happens to a reader over its share of the node's output budget while that is exceeded.
 */
export class ReaderQueue {
  #transport: ReaderTransport;
  #options: ReaderQueueOptions;
  #now: () => number;
  #events: ReaderQueueEvents;
  #droppingSince: number | null = null;
  #closed = false;
  /** Backlog last reported to the output budget. */
  #reported = 0;
  dropped = 0;
  bytesWritten = 0;

  constructor(transport: ReaderTransport, options: ReaderQueueOptions, now: () => number, events: ReaderQueueEvents = {}) {
    this.#transport = transport;
    this.#options = options;
    this.#now = now;
    this.#events = events;
    options.budget?.join();
  }

  get dropping(): boolean {
    return this.#droppingSince !== null;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Offers one unit (the buffers of one frame). `startsGop` marks a point a decoder can start from
   * (a video keyframe, or any frame of an audio-only stream). Returns whether it was written.
   */
  write(buffers: readonly Buffer[], track: TrackKind, startsGop: boolean, size: number): boolean {
    if (this.#closed) return false;
    const pending = this.#transport.pendingBytes;
    const budget = this.#options.budget;
    this.#report(pending);
    const overBudget = budget !== undefined && budget.overShare(pending);
    if (this.#droppingSince !== null) {
      if (startsGop && pending <= this.#options.maxPendingBytes / 2 && !overBudget) {
        this.#droppingSince = null;
      } else {
        this.#drop();
        return false;
      }
    } else if (pending > this.#options.maxPendingBytes || overBudget) {
      this.#droppingSince = this.#now();
      this.#drop();
      return false;
    }
    this.#transport.writev(buffers, track);
    this.bytesWritten += size;
    this.#report(pending + size);
    return true;
  }

  /** Marks the queue closed without touching the transport (its owner is closing it). */
  markClosed(): void {
    this.#close();
  }

  #report(pending: number): void {
    const budget = this.#options.budget;
    if (budget === undefined || this.#closed) return;
    budget.adjust(pending - this.#reported);
    this.#reported = pending;
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#options.budget?.leave(this.#reported);
    this.#reported = 0;
  }

  #drop(): void {
    this.dropped++;
    this.#events.onDrop?.();
    if (this.#droppingSince !== null && this.#now() - this.#droppingSince > this.#options.maxDroppingMs) {
      this.#close();
      this.#events.onEvict?.();
      this.#transport.close('reader too slow: dropped frames for longer than the limit');
    }
  }
}
