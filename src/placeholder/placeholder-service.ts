/**
 * Always-available cameras: when the publisher of a stream leaves while readers are attached and
 * the camera is wanted always-available, a PlaceholderFeed stands in for it (one per stream) until
 * the camera is back, the readers are gone or the camera no longer wants it. One service per
 * factory registry. Streams of other cameras keep the registry's grace period.
 */
import type { Logger } from '../log/logger.ts';
import type { StreamRegistry } from '../streams/registry.ts';
import type { Stream } from '../streams/stream.ts';
import type { ClipCache } from './placeholder-encoder.ts';
import { PlaceholderFeed } from './placeholder-feed.ts';

/** How often a placeholder's "time since it dropped" is re-encoded (ms). */
export const PLACEHOLDER_REFRESH_MS = 10_000;

export interface PlaceholderServiceOptions {
  readonly registry: StreamRegistry;
  /** Whether the camera at `path` is always available (catalog camera or default setting, enabled). */
  readonly wanted: (path: string) => boolean;
  /** Encodes and caches the clips; one per process, shared by the factories' services (one encode cap). */
  readonly clips: ClipCache;
  readonly log: Logger;
  readonly now?: () => number;
  /** Defaults to PLACEHOLDER_REFRESH_MS. */
  readonly refreshMs?: number;
}

export class PlaceholderService {
  readonly #o: PlaceholderServiceOptions;
  readonly #clips: ClipCache;
  readonly #feeds = new Map<string, PlaceholderFeed>();
  readonly #onDown = (stream: Stream): void => {
    // stream.down fires inside the publication's close, before the registry decides what to do with
    // the readers (and before a pre-empting publisher attaches): look once that is done.
    queueMicrotask(() => this.#consider(stream));
  };
  #closed = false;

  constructor(o: PlaceholderServiceOptions) {
    this.#o = o;
    this.#clips = o.clips;
    o.registry.on('stream.down', this.#onDown);
  }

  /** Streams a placeholder is feeding (or encoding for). */
  get activePaths(): string[] {
    return [...this.#feeds.keys()];
  }

  close(): void {
    this.#closed = true;
    this.#o.registry.off('stream.down', this.#onDown);
    for (const f of [...this.#feeds.values()]) f.stop();
    this.#feeds.clear();
  }

  #consider(stream: Stream): void {
    if (this.#closed || stream.publisher !== null || stream.subscriberCount === 0) return;
    if (this.#o.registry.get(stream.path) !== stream || !this.#o.wanted(stream.path)) return;
    const existing = this.#feeds.get(stream.path);
    if (existing !== undefined) {
      if (existing.publication === null || !existing.publication.closed) return; // still starting or playing
      existing.stop(); // pre-empted a moment ago and not yet noticed: a new outage starts
    }
    const feed = PlaceholderFeed.create(
      {
        registry: this.#o.registry,
        stream,
        clips: this.#clips,
        now: this.#o.now ?? Date.now,
        wanted: () => !this.#closed && this.#o.wanted(stream.path),
        refreshMs: this.#o.refreshMs ?? PLACEHOLDER_REFRESH_MS,
        log: this.#o.log,
        onStop: () => {
          if (this.#feeds.get(stream.path) === feed) this.#feeds.delete(stream.path);
        },
      },
      stream.description,
    );
    if (feed === null) return; // nothing to imitate (audio-only camera): the grace period applies
    this.#feeds.set(stream.path, feed);
    void feed.start();
  }
}
