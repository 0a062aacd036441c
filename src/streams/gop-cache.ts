import type { Frame } from '../../protocols/media/frame.ts';
import type { GopBudget } from './gop-budget.ts';

export interface GopCacheLimits {
  /** Items (frames, or encoded units) kept at most; past it the cache empties until the next GOP start. */
  readonly maxItems: number;
  /** Bytes kept at most (0: nothing is cached, readers start at the next keyframe). */
  readonly maxBytes: number;
  /** The node's budget for every cache together; none: only maxBytes bounds this one. */
  readonly budget?: GopBudget;
}

/** The stream's frame cache: 1500 frames, 16 MiB. */
export const DEFAULT_GOP_LIMITS: GopCacheLimits = { maxItems: 1500, maxBytes: 16 * 1024 * 1024 };

/**
 * How the cache stores an item without keeping the item: the numbers that describe it (track,
 * timestamps, flags) go into a row of `fields` doubles, its bytes are copied, and `revive` builds
 * an equal item from the two when a reader joins.
 */
export interface GopItemKind<T> {
  startsGop(item: T): boolean;
  /** Doubles per item that `header` writes and `revive` reads. */
  readonly fields: number;
  header(item: T, row: Float64Array, at: number): void;
  /** The item's bytes, in order; `revive` gets copies of them (same lengths, same order). */
  buffers(item: T): readonly Buffer[];
  revive(row: Float64Array, at: number, buffers: Buffer[]): T;
}

/**
 * Slab size. Items' bytes are packed into slabs end to end, a buffer continuing in the next slab
 * when it does not fit, so a cache holds at most one part-filled slab (with 64 KiB slabs and a
 * slab of its own for each large buffer, a quarter of what the caches held at 100 publishers was
 * slab tails and headroom: docs/benchmarks.md, "Packed GOP slabs"). Below glibc's mmap threshold
 * (128 KiB), so slabs freed to malloc are reused from its free lists: fresh pages for every GOP
 * made the copies page-fault, 5-10x the cost of copying into reused blocks (measured in isolation).
 */
export const SLAB_BYTES = 16 * 1024;

/**
 * Free slabs, shared by every cache of the process: a GOP that ends gives its slabs back and the
 * next GOP of any stream takes them, so the process holds about the sum of what its GOPs hold now
 * (streams' GOPs are at different points) instead of a whole GOP per stream. At most `maxFree`
 * slabs wait here; past that they are let go.
 */
export class SlabPool {
  readonly #free: Buffer[] = [];
  readonly #maxFree: number;
  allocated = 0;

  constructor(maxFreeBytes: number) {
    this.#maxFree = Math.floor(maxFreeBytes / SLAB_BYTES);
  }

  get freeSlabs(): number {
    return this.#free.length;
  }

  take(): Buffer {
    const slab = this.#free.pop();
    if (slab !== undefined) return slab;
    this.allocated++;
    return Buffer.allocUnsafeSlow(SLAB_BYTES);
  }

  give(slab: Buffer): void {
    if (this.#free.length < this.#maxFree) this.#free.push(slab);
  }
}

/** The process's pool: up to 32 MiB of free slabs. */
const SHARED_POOL = new SlabPool(32 * 1024 * 1024);

const EMPTY = Buffer.alloc(0);

/**
 * Items since the latest GOP start, so a new reader's first picture is that keyframe instead of
 * waiting for the next one. One class for both caches: the stream's (frames, for subscribers) and
 * each output's (encoded units, for its readers).
 *
 * The cache keeps no item object and no caller's Buffer. Bytes are copied into slabs from a pool,
 * and headers into typed arrays. Nothing the cache holds is a small object that lives for a GOP.
 * Holding ~2 s of frames as objects made every frame survive V8's young generation, and then the
 * old generation was marked and compacted several times a second; that garbage collection was most
 * of the ingest's CPU (docs/benchmarks.md, "Ingest work").
 * A revived buffer is a view of its slab, or a copy of its own when it continues into the next
 * slab (every buffer larger than a slab does; done once per GOP, for the first reader joining it). A slab is
 * written again only if no view of it was ever handed out: the slabs of a GOP that no reader
 * joined during are reused by the next GOP (so a stream without joins allocates nothing); once
 * `items` has handed out views, which a reader's socket may still hold, those slabs are let go and
 * freed when the last view is gone.
 */
export class GopCache<T> {
  readonly #limits: GopCacheLimits;
  readonly #kind: GopItemKind<T>;
  #count = 0;
  #bytes = 0;
  /** Item i's header: #rows[i * fields ...]. */
  #rows: Float64Array;
  /** Item i's buffers: #bufferRefs[#firstBuffer[i] .. #firstBuffer[i + 1]). */
  #firstBuffer: Uint32Array;
  /** Per buffer: the slab it starts in, its offset there, its length. */
  #bufferRefs: Uint32Array;
  #bufferCount = 0;
  /** This GOP's slabs in the order they were filled; the last one is being filled. */
  #slabs: Buffer[] = [];
  /** Bytes used of the last slab. */
  #slabUsed = SLAB_BYTES;
  /**
   * The revived items, once asked for: kept, and extended by each push, until the GOP ends, so that
   * every reader joining during a GOP gets the same item objects (what is derived from an item and
   * keyed by it, like the RTSP interleaved framing, is then made once per GOP, not once per join).
   * Never changed in place: a caller's array stays as it got it.
   */
  #view: T[] | undefined;
  /** Views of this GOP's slabs were handed out: they may be held by sockets, so these slabs are not reused. */
  #exposed = false;
  readonly #pool: SlabPool;

  constructor(kind: GopItemKind<T>, limits: GopCacheLimits, pool: SlabPool = SHARED_POOL) {
    this.#kind = kind;
    this.#limits = limits;
    this.#pool = pool;
    this.#rows = new Float64Array(64 * kind.fields);
    this.#firstBuffer = new Uint32Array(65);
    this.#bufferRefs = new Uint32Array(64 * 3);
  }

  /** How many items are cached. */
  get length(): number {
    return this.#count;
  }

  /** Bytes cached (the items' buffers). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Slabs this cache holds now (the last one part-filled). */
  get slabs(): number {
    return this.#slabs.length;
  }

  /** The cached items, oldest first (the first one starts a GOP): equal to what was pushed, not the same objects. */
  get items(): readonly T[] {
    if (this.#view === undefined) {
      const view: T[] = new Array(this.#count);
      for (let i = 0; i < this.#count; i++) view[i] = this.#revive(i);
      this.#view = view;
    }
    if (this.#count > 0) this.#exposed = true;
    return this.#view;
  }

  push(item: T): void {
    if (this.#kind.startsGop(item)) this.clear();
    else if (this.#count === 0) return; // no GOP start yet: nothing a reader could start from
    const buffers = this.#kind.buffers(item);
    let size = 0;
    for (const b of buffers) size += b.length;
    if (this.#count >= this.#limits.maxItems || this.#bytes + size > this.#limits.maxBytes || this.#limits.budget?.take(size) === false) {
      // A GOP this long is not worth replaying (or the node's caches are full): wait for the next start.
      this.clear();
      return;
    }
    const i = this.#count;
    const fields = this.#kind.fields;
    if ((i + 1) * fields > this.#rows.length) this.#rows = grow(this.#rows, (i + 1) * fields);
    if (i + 2 > this.#firstBuffer.length) this.#firstBuffer = grow(this.#firstBuffer, i + 2);
    this.#kind.header(item, this.#rows, i * fields);
    for (const b of buffers) this.#copy(b);
    this.#firstBuffer[i + 1] = this.#bufferCount;
    this.#count = i + 1;
    this.#bytes += size;
    if (this.#view !== undefined) this.#view = [...this.#view, this.#revive(i)];
  }

  clear(): void {
    this.#limits.budget?.give(this.#bytes);
    // Nobody has a view of these: the next GOPs (of any stream) write into them instead of into new memory.
    if (!this.#exposed) for (const slab of this.#slabs) this.#pool.give(slab);
    this.#exposed = false;
    this.#count = 0;
    this.#bytes = 0;
    this.#bufferCount = 0;
    this.#slabs = [];
    this.#slabUsed = SLAB_BYTES;
    this.#view = undefined;
  }

  #copy(buffer: Buffer): void {
    const len = buffer.length;
    if (len > 0 && this.#slabUsed === SLAB_BYTES) this.#nextSlab();
    const r = this.#bufferCount * 3;
    if (r + 3 > this.#bufferRefs.length) this.#bufferRefs = grow(this.#bufferRefs, r + 3);
    this.#bufferRefs[r] = this.#slabs.length - 1;
    this.#bufferRefs[r + 1] = this.#slabUsed;
    this.#bufferRefs[r + 2] = len;
    this.#bufferCount++;
    if (len <= SLAB_BYTES - this.#slabUsed) {
      if (len > 0) this.#slabs[this.#slabs.length - 1]!.set(buffer, this.#slabUsed);
      this.#slabUsed += len;
      return;
    }
    let done = 0;
    while (done < len) {
      if (this.#slabUsed === SLAB_BYTES) this.#nextSlab();
      const n = Math.min(len - done, SLAB_BYTES - this.#slabUsed);
      buffer.copy(this.#slabs[this.#slabs.length - 1]!, this.#slabUsed, done, done + n);
      this.#slabUsed += n;
      done += n;
    }
  }

  #nextSlab(): void {
    this.#slabs.push(this.#pool.take());
    this.#slabUsed = 0;
  }

  #revive(i: number): T {
    const first = this.#firstBuffer[i]!;
    const end = this.#firstBuffer[i + 1]!;
    const buffers: Buffer[] = new Array(end - first);
    for (let k = first; k < end; k++) buffers[k - first] = this.#bufferAt(k);
    return this.#kind.revive(this.#rows, i * this.#kind.fields, buffers);
  }

  /** Buffer k: a view of its slab, or a copy when it continues into the next slabs. */
  #bufferAt(k: number): Buffer {
    let slab = this.#bufferRefs[k * 3]!;
    let off = this.#bufferRefs[k * 3 + 1]!;
    const len = this.#bufferRefs[k * 3 + 2]!;
    if (len === 0) return EMPTY;
    if (off + len <= SLAB_BYTES) return this.#slabs[slab]!.subarray(off, off + len);
    const out = Buffer.allocUnsafeSlow(len);
    let done = 0;
    while (done < len) {
      const n = Math.min(len - done, SLAB_BYTES - off);
      this.#slabs[slab]!.copy(out, done, off, off + n);
      done += n;
      slab++;
      off = 0;
    }
    return out;
  }
}

function grow<A extends Float64Array | Uint32Array>(a: A, needed: number): A {
  let n = a.length * 2;
  while (n < needed) n *= 2;
  const next = new (a.constructor as new (n: number) => A)(n);
  next.set(a);
  return next;
}

const VIDEO = 0;
const AUDIO = 1;

/** Frames: a GOP starts at a video keyframe; streams without video keep nothing. */
export const FRAME_GOP: GopItemKind<Frame> = {
  startsGop: (f) => f.track === 'video' && f.keyframe,
  fields: 4,
  header(f, row, at) {
    row[at] = f.track === 'video' ? VIDEO : AUDIO;
    row[at + 1] = f.dts;
    row[at + 2] = f.pts;
    row[at + 3] = f.keyframe ? 1 : 0;
  },
  buffers: (f) => [f.payload],
  revive: (row, at, [payload]) => ({
    track: row[at] === VIDEO ? 'video' : 'audio',
    dts: row[at + 1]!,
    pts: row[at + 2]!,
    keyframe: row[at + 3] === 1,
    payload: payload!,
  }),
};
