import type { Frame, StreamDescription } from '../../protocols/media/frame.ts';
import { FRAME_GOP, GopCache, type GopCacheLimits, DEFAULT_GOP_LIMITS } from './gop-cache.ts';
import { RateMeter } from './rate-meter.ts';

/**
 * The bitrate the API and dashboard show is the average of the last this many whole seconds: long
 * enough to span several GOPs (a keyframe every 2 s makes 2-s readings swing by 2-3x).
 */
export const BITRATE_WINDOW_SECONDS = 10;
import type { FactoryName, FrameSink, PublisherInfo, ReaderProtocol, StreamStats } from './types.ts';

/** A per-format output shared by every reader of one stream (RTMP chunks, RTP packets...). */
export interface StreamOutput {
  close(): void;
}

/** Told when a reader is counted in or out (the registry turns it into `reader.*` events). */
export type ReaderObserver = (stream: Stream, change: 'connect' | 'disconnect', protocol: ReaderProtocol, remote: string) => void;

/** Gap inserted between the last frame of one publisher and the first of the next (ms). */
const REBASE_GAP_MS = 40;

/**
 * One path of one factory. Holds the current description, metadata and GOP; forwards frames to
 * subscribers with timestamps rebased so they never go backwards across a change of publisher.
 * Created and removed only by the StreamRegistry.
 */
export class Stream {
  readonly path: string;
  readonly factory: FactoryName;
  readonly stats: StreamStats = { bytesIn: 0, framesIn: 0, bytesOut: 0, framesOut: 0, framesDropped: 0, readersEvicted: 0 };
  #now: () => number;
  #publisher: PublisherInfo | null = null;
  #publishedAt: number | null = null;
  #description: StreamDescription | null = null;
  #metadata: Readonly<Record<string, unknown>> | null = null;
  #gop: GopCache<Frame>;
  readonly gopLimits: GopCacheLimits;
  /** A video keyframe came since the publisher and description were set: a new reader can start. */
  #keyframeSeen = false;
  #sinks = new Set<FrameSink>();
  #outputs = new Map<string, StreamOutput>();
  #readers = new Map<ReaderProtocol, number>();
  #bitrate = new RateMeter(BITRATE_WINDOW_SECONDS + 1);
  #fps = new RateMeter();
  #lastFrameAt: number | null = null;
  // timestamp rebasing
  #offsetMs = 0;
  #lastOutDts = Number.NEGATIVE_INFINITY;
  #rebasePending = false;
  /**
   * After a change of publisher, video frames wait for the new publisher's first keyframe: a
   * decoder cannot use its P-frames with the previous publisher's reference pictures.
   */
  #awaitingKeyframe = false;

  #onReader: ReaderObserver | undefined;

  constructor(path: string, factory: FactoryName, now: () => number, gopLimits: GopCacheLimits = DEFAULT_GOP_LIMITS, onReader?: ReaderObserver) {
    this.path = path;
    this.factory = factory;
    this.#now = now;
    this.gopLimits = gopLimits;
    this.#gop = new GopCache(FRAME_GOP, gopLimits);
    this.#onReader = onReader;
  }

  get publisher(): PublisherInfo | null {
    return this.#publisher;
  }
  get publishedAt(): number | null {
    return this.#publishedAt;
  }
  get description(): StreamDescription | null {
    return this.#description;
  }
  get metadata(): Readonly<Record<string, unknown>> | null {
    return this.#metadata;
  }
  /**
   * Published by a real source and described: readers can start. A stand-in (the placeholder of an
   * always-available camera) keeps existing readers fed but does not make the stream live.
   */
  get live(): boolean {
    return this.#publisher !== null && this.#publisher.kind !== 'placeholder' && this.#description !== null;
  }
  /** A placeholder feeds the stream while its camera is away. */
  get standIn(): boolean {
    return this.#publisher?.kind === 'placeholder';
  }
  get lastFrameAt(): number | null {
    return this.#lastFrameAt;
  }
  /** A new reader would start at once: live with a keyframe cached (or audio flowing, without video). */
  get startable(): boolean {
    if (!this.live) return false;
    // The keyframe itself may not be cached (the GOP cache off or full): readers then start at the next one.
    return this.#keyframeSeen || this.#gop.length > 0 || (this.#description?.video === undefined && this.#lastFrameAt !== null);
  }
  /** The frames since the latest keyframe, that keyframe first (empty without one): equal to what was pushed, not the same objects. */
  get gop(): readonly Frame[] {
    return this.#gop.items;
  }
  get subscriberCount(): number {
    return this.#sinks.size;
  }
  /** Bits per second received over the last seconds. */
  bitrateBps(): number {
    return this.#bitrate.perSecond(this.#now()) * 8;
  }
  /** Video frames per second received over the last seconds. */
  fps(): number {
    return this.#fps.perSecond(this.#now());
  }
  readerCount(protocol?: ReaderProtocol): number {
    if (protocol !== undefined) return this.#readers.get(protocol) ?? 0;
    let n = 0;
    for (const v of this.#readers.values()) n += v;
    return n;
  }
  readerCounts(): ReadonlyMap<ReaderProtocol, number> {
    return this.#readers;
  }

  /**
   * Adds a subscriber; it first gets the current description, metadata and cached GOP (so its
   * first picture is the latest keyframe), then live frames. Returns the unsubscribe function.
   */
  subscribe(sink: FrameSink): () => void {
    this.#sinks.add(sink);
    if (this.#description !== null) {
      sink.onDescription(this.#description);
      if (this.#metadata !== null) sink.onMetadata?.(this.#metadata);
      for (const f of this.#gop.items) sink.onFrame(f);
    }
    return () => {
      this.#sinks.delete(sink);
    };
  }

  /** The shared output under `key`, created on first use. The output calls releaseOutput when idle. */
  output<T extends StreamOutput>(key: string, create: () => T): T {
    const existing = this.#outputs.get(key);
    if (existing !== undefined) return existing as T;
    const created = create();
    this.#outputs.set(key, created);
    return created;
  }

  releaseOutput(key: string): void {
    this.#outputs.delete(key);
  }

  /**
   * Counts a reader (for the API, metrics and `reader.*` events); returns the function that uncounts
   * it. `remote` is the reader's address (`ip:port`) or a description.
   */
  addReader(protocol: ReaderProtocol, remote = 'unknown'): () => void {
    this.#readers.set(protocol, (this.#readers.get(protocol) ?? 0) + 1);
    this.#onReader?.(this, 'connect', protocol, remote);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const n = (this.#readers.get(protocol) ?? 1) - 1;
      if (n <= 0) this.#readers.delete(protocol);
      else this.#readers.set(protocol, n);
      this.#onReader?.(this, 'disconnect', protocol, remote);
    };
  }

  // ---- publisher side, called through the registry's Publication ----

  /** @internal */
  attachPublisher(publisher: PublisherInfo): void {
    this.#publisher = publisher;
    this.#publishedAt = this.#now();
    this.#rebasePending = this.#lastOutDts !== Number.NEGATIVE_INFINITY;
    this.#awaitingKeyframe = this.#rebasePending;
  }

  /** @internal */
  detachPublisher(): void {
    this.#publisher = null;
    this.#publishedAt = null;
    this.#keyframeSeen = false;
    this.#gop.clear();
    for (const s of [...this.#sinks]) s.onPublisherGone?.();
  }

  /** @internal */
  setDescription(desc: StreamDescription): void {
    this.#description = desc;
    this.#keyframeSeen = false;
    this.#gop.clear();
    for (const s of [...this.#sinks]) s.onDescription(desc);
  }

  /** @internal */
  setMetadata(meta: Readonly<Record<string, unknown>>): void {
    this.#metadata = meta;
    for (const s of [...this.#sinks]) s.onMetadata?.(meta);
  }

  /** @internal */
  pushFrame(input: Frame): void {
    if (this.#description === null) return; // no codec parameters yet: nobody could decode it
    if (this.#awaitingKeyframe && input.track === 'video') {
      if (!input.keyframe) return;
      this.#awaitingKeyframe = false;
    }
    const now = this.#now();
    if (this.#rebasePending) {
      this.#offsetMs = this.#lastOutDts + REBASE_GAP_MS - input.dts;
      this.#rebasePending = false;
    }
    let frame = input;
    if (this.#offsetMs !== 0) {
      frame = { ...input, dts: input.dts + this.#offsetMs, pts: input.pts + this.#offsetMs };
    }
    if (frame.dts > this.#lastOutDts) this.#lastOutDts = frame.dts;
    this.stats.bytesIn += frame.payload.length;
    this.stats.framesIn++;
    this.#bitrate.add(frame.payload.length, now);
    if (frame.track === 'video') this.#fps.add(1, now);
    this.#lastFrameAt = now;
    if (frame.track === 'video' && frame.keyframe) this.#keyframeSeen = true;
    this.#gop.push(frame);
    for (const s of this.#sinks) s.onFrame(frame);
  }

  /** @internal Ends every subscriber and output: the stream is removed. */
  end(): void {
    for (const s of [...this.#sinks]) s.onEnd();
    this.#sinks.clear();
    for (const o of [...this.#outputs.values()]) o.close();
    this.#outputs.clear();
  }
}
