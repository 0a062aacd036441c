import type { Frame } from '../../protocols/media/frame.ts';

export interface GopCacheLimits {
  /** Items (frames, or encoded units) kept at most; past it the cache empties until the next GOP start. */
  readonly maxItems: number;
  /** Bytes kept at most. */
  readonly maxBytes: number;
}

/** The stream's frame cache: 1500 frames, 16 MiB. */
export const DEFAULT_GOP_LIMITS: GopCacheLimits = { maxItems: 1500, maxBytes: 16 * 1024 * 1024 };

/** What the cache needs to know of an item: whether a decoder can start at it, and its size. */
export interface GopItemKind<T> {
  startsGop(item: T): boolean;
  sizeOf(item: T): number;
}

/**
 * Items since the latest GOP start, so a new reader's first picture is that keyframe instead of
 * waiting for the next one. One class for both caches: the stream's (frames, for subscribers) and
 * each output's (encoded units, for its readers). Items are kept by reference: nobody writes into
 * a payload or an encoded buffer again.
 */
export class GopCache<T> {
  #items: T[] = [];
  #bytes = 0;
  readonly #limits: GopCacheLimits;
  readonly #kind: GopItemKind<T>;

  constructor(kind: GopItemKind<T>, limits: GopCacheLimits) {
    this.#kind = kind;
    this.#limits = limits;
  }

  /** The cached items, oldest first (the first one starts a GOP). */
  get items(): readonly T[] {
    return this.#items;
  }

  push(item: T): void {
    if (this.#kind.startsGop(item)) this.clear();
    else if (this.#items.length === 0) return; // no GOP start yet: nothing a reader could start from
    const size = this.#kind.sizeOf(item);
    if (this.#items.length >= this.#limits.maxItems || this.#bytes + size > this.#limits.maxBytes) {
      // A GOP this long is not worth replaying; wait for the next start.
      this.clear();
      return;
    }
    this.#items.push(item);
    this.#bytes += size;
  }

  clear(): void {
    this.#items = [];
    this.#bytes = 0;
  }
}

/** Frames: a GOP starts at a video keyframe; streams without video keep nothing. */
export const FRAME_GOP: GopItemKind<Frame> = {
  startsGop: (f) => f.track === 'video' && f.keyframe,
  sizeOf: (f) => f.payload.length,
};
