/**
 * JPEG thumbnails of live cameras for the dashboard and `GET /api/v1/cameras/:id/snapshot.jpg`.
 *
 * Per camera: one cached picture and at most one grab in flight; a picture younger than `maxAgeMs`
 * is served as is, an older one is served at once while a refresh runs (stale-while-revalidate), and
 * a failed grab is not retried for `retryAfterMs`. Across cameras: at most `maxConcurrent` ffmpeg
 * processes, the rest wait in a FIFO (one place per camera). The cache holds at most `maxCameras`.
 */
import type { GrabJpeg } from './ffmpeg-grab.ts';

export interface SnapshotServiceOptions {
  /**
   * The URL to grab camera `id` from (the node's own raw RTSP URL), or undefined when it is not live.
   * Only live cameras get an entry, which bounds the work by the number of live streams.
   */
  readonly urlFor: (cameraId: string) => string | undefined;
  /** Turns a URL into JPEG bytes: `grabJpegWithFfmpeg(ffmpegInstaller.path)` in production. */
  readonly grab: GrabJpeg;
  /** Defaults to 320 px. */
  readonly widthPx?: number;
  /** A picture younger than this is served without a new grab. Defaults to 5000 ms. */
  readonly maxAgeMs?: number;
  /** Wait after a failed grab before trying that camera again. Defaults to 5000 ms. */
  readonly retryAfterMs?: number;
  /** Per-grab time limit. Defaults to 8000 ms. */
  readonly timeoutMs?: number;
  /** ffmpeg processes at once, over all cameras. Defaults to 3. */
  readonly maxConcurrent?: number;
  /** Cameras kept in the cache (least recently asked for is evicted). Defaults to 500. */
  readonly maxCameras?: number;
  readonly now?: () => number;
}

export type SnapshotResult =
  | { readonly kind: 'ok'; readonly jpeg: Buffer; readonly takenAtMs: number; readonly stale: boolean }
  | { readonly kind: 'not-live' }
  | { readonly kind: 'unavailable'; readonly reason: string; readonly retryAfterMs: number };

interface Entry {
  url: string;
  jpeg?: Buffer;
  takenAtMs: number;
  failedAtMs?: number;
  failure?: string;
  inFlight?: Promise<void>;
}

export class SnapshotService {
  readonly #o: Required<Omit<SnapshotServiceOptions, 'urlFor' | 'grab' | 'now'>>;
  readonly #urlFor: (cameraId: string) => string | undefined;
  readonly #grab: GrabJpeg;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  readonly #waiting: (() => void)[] = [];
  readonly #abort = new AbortController();
  #running = 0;
  #grabs = 0;
  #failures = 0;

  constructor(o: SnapshotServiceOptions) {
    this.#urlFor = o.urlFor;
    this.#grab = o.grab;
    this.#now = o.now ?? Date.now;
    this.#o = {
      widthPx: o.widthPx ?? 320,
      maxAgeMs: o.maxAgeMs ?? 5000,
      retryAfterMs: o.retryAfterMs ?? 5000,
      timeoutMs: o.timeoutMs ?? 8000,
      maxConcurrent: Math.max(1, o.maxConcurrent ?? 3),
      maxCameras: Math.max(1, o.maxCameras ?? 500),
    };
  }

  /** Counters for metrics and tests. */
  get stats(): { grabs: number; failures: number; running: number; queued: number; cached: number } {
    return { grabs: this.#grabs, failures: this.#failures, running: this.#running, queued: this.#waiting.length, cached: this.#entries.size };
  }

  /** The camera's current thumbnail, grabbing one first when there is none. */
  async get(cameraId: string): Promise<SnapshotResult> {
    if (this.#abort.signal.aborted) return { kind: 'unavailable', reason: 'shutting down', retryAfterMs: this.#o.retryAfterMs };
    const url = this.#urlFor(cameraId);
    if (url === undefined) {
      this.#entries.delete(cameraId);
      return { kind: 'not-live' };
    }
    let entry = this.#entries.get(cameraId);
    if (entry && entry.url !== url) {
      // The stream moved (another factory or port): a picture of the old source is not this camera now.
      entry = undefined;
    }
    if (!entry) {
      entry = { url, takenAtMs: 0 };
      this.#evictFor();
    }
    // Re-insert: Map order is the LRU order.
    this.#entries.delete(cameraId);
    this.#entries.set(cameraId, entry);

    const now = this.#now();
    if (entry.jpeg && now - entry.takenAtMs < this.#o.maxAgeMs) {
      return { kind: 'ok', jpeg: entry.jpeg, takenAtMs: entry.takenAtMs, stale: false };
    }
    const inBackoff = entry.failedAtMs !== undefined && now - entry.failedAtMs < this.#o.retryAfterMs;
    if (!inBackoff) entry.inFlight ??= this.#refresh(entry);
    if (entry.jpeg) return { kind: 'ok', jpeg: entry.jpeg, takenAtMs: entry.takenAtMs, stale: true };
    if (entry.inFlight) await entry.inFlight;
    if (entry.jpeg) return { kind: 'ok', jpeg: entry.jpeg, takenAtMs: entry.takenAtMs, stale: false };
    const waitMs = Math.max(0, (entry.failedAtMs ?? now) + this.#o.retryAfterMs - this.#now());
    return { kind: 'unavailable', reason: entry.failure ?? 'no picture yet', retryAfterMs: waitMs };
  }

  /** Drops a camera's picture (its stream went down). */
  forget(cameraId: string): void {
    this.#entries.delete(cameraId);
  }

  /** Kills every grab in flight and refuses new ones. */
  close(): void {
    this.#abort.abort();
    for (const wake of this.#waiting.splice(0)) wake();
    this.#entries.clear();
  }

  async #refresh(entry: Entry): Promise<void> {
    try {
      await this.#acquire();
      if (this.#abort.signal.aborted) {
        this.#release();
        return;
      }
      this.#grabs++;
      try {
        const jpeg = await this.#grab(entry.url, {
          widthPx: this.#o.widthPx,
          timeoutMs: this.#o.timeoutMs,
          signal: this.#abort.signal,
        });
        entry.jpeg = jpeg;
        entry.takenAtMs = this.#now();
        delete entry.failedAtMs;
        delete entry.failure;
      } catch (err) {
        this.#failures++;
        entry.failedAtMs = this.#now();
        entry.failure = (err as Error).message;
      } finally {
        this.#release();
      }
    } finally {
      delete entry.inFlight;
    }
  }

  #acquire(): Promise<void> {
    if (this.#running < this.#o.maxConcurrent) {
      this.#running++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.#waiting.push(() => {
        this.#running++;
        resolve();
      });
    });
  }

  #release(): void {
    this.#running--;
    this.#waiting.shift()?.();
  }

  /** Makes room for one more camera: drops the least recently asked-for one that is not grabbing. */
  #evictFor(): void {
    if (this.#entries.size < this.#o.maxCameras) return;
    for (const [id, e] of this.#entries) {
      if (!e.inFlight) {
        this.#entries.delete(id);
        return;
      }
    }
  }
}
