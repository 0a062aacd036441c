/**
 * One compressor worker per live camera: follows Factory 1 (stream up/down), publishes each
 * camera's compressed twin on Factory 2 at the same path, restarts only the camera whose profile
 * changed, stops everything on shutdown. The master reuses it with `follow: false` and calls
 * startCamera/stopCamera when it takes over compression for a camera. At most `maxWorkers` ffmpeg
 * run at once: later cameras wait in state `queued` (first come, first served) for a slot. The
 * compressor role uses it with a push sink: no local factories, each ffmpeg pushes its output to
 * the slave's Factory 2 itself.
 */
import type { Stream } from '../streams/stream.ts';
import type { StreamRegistry } from '../streams/registry.ts';
import { silentLogger, type Logger } from '../log/logger.ts';
import type { CompressionProfile } from '../config/model.ts';
import { DEFAULT_BACKOFF, type BackoffOptions } from '../../workers/messages.ts';
import { CameraWorker, type CompressorWorker } from './camera-worker.ts';
import { CompressionQueue } from './compression-queue.ts';
import type { CameraCompressionStatus, CompressionListener } from './compression-status.ts';
import { startWorker } from './start-worker.ts';
import { moduleUrl } from '../source-url.ts';

/**
 * The worker entry (a path, not an import: src/ reaches workers/ only through messages.ts): the
 * built dist/workers/compressor.worker.js when this module is built, the `.ts` source under tsx.
 */
export const COMPRESSOR_WORKER_ENTRY = moduleUrl('../../workers/compressor.worker.ts', import.meta.url);

export interface CompressionManagerOptions {
  /**
   * Factory 1: whose stream up/down events drive the workers (when `follow`), and the input bitrate.
   * Null on a node without cameras (the compressor role; `follow` must then be false).
   */
  readonly raw: StreamRegistry | null;
  /** Factory 2: where compressed streams are published. Null with a `pushSink`. */
  readonly compressed: StreamRegistry | null;
  /**
   * A remote Factory 2: ffmpeg publishes each camera itself with RTSP ANNOUNCE/RECORD to
   * `urlFor(path)` (credentials as URL user info), and `bitrates(path)` are the slave's measures.
   */
  readonly pushSink?: PushSink;
  /** The camera's effective profile; undefined = do not compress this camera. */
  readonly profileFor: (path: string) => CompressionProfile | undefined;
  /** URL ffmpeg reads the raw camera from, e.g. `rtsp://127.0.0.1:8554/site1/cam1`. */
  readonly inputUrlFor: (path: string) => string;
  /** Input options before `-i`. Defaults to RTSP over TCP for rtsp:// URLs. */
  readonly inputArgsFor?: (path: string) => readonly string[] | undefined;
  readonly listener?: CompressionListener;
  /** Start/stop with Factory 1's streams. Defaults to true (slave); the master passes false. */
  readonly follow?: boolean;
  /** No ffmpeg output for this long restarts it (ms). Defaults to 10000. */
  readonly stallTimeoutMs?: number;
  readonly backoff?: BackoffOptions;
  /** Workers (ffmpeg processes) running at once; more cameras wait `queued`. Defaults to defaultMaxWorkers(). */
  readonly maxWorkers?: number;
  /** Defaults to the bundled ffmpeg (resolved in the worker). */
  readonly ffmpegPath?: string;
  /** How long a stop waits for ffmpeg to exit before terminating the worker (ms). Defaults to 5000. */
  readonly stopTimeoutMs?: number;
  readonly log?: Logger;
  readonly now?: () => number;
  /** Worker factory (tests). Defaults to a worker thread running workers/compressor.worker.ts. */
  readonly createWorker?: () => CompressorWorker;
}

export interface PushSink {
  urlFor(path: string): string;
  bitrates?(path: string): { readonly inputBps: number; readonly outputBps: number } | undefined;
}

export class CompressionManager {
  readonly #o: CompressionManagerOptions;
  readonly #log: Logger;
  readonly #cameras = new Map<string, CameraWorker>();
  /** Cameras waiting for a worker slot (compression.maxWorkers). */
  readonly #queue: CompressionQueue;
  /** Per path, the stop in progress (start waits for it: one ffmpeg per camera at any time). */
  readonly #stopping = new Map<string, Promise<void>>();
  #closed = false;
  #started = false;
  readonly #onUp = (stream: Stream): void => {
    void this.startCamera(stream.path);
  };
  readonly #onDown = (stream: Stream): void => {
    void this.stopCamera(stream.path);
  };

  constructor(options: CompressionManagerOptions) {
    this.#o = options;
    this.#log = options.log ?? silentLogger;
    this.#queue = new CompressionQueue(options.maxWorkers, options.listener, options.now ?? Date.now);
  }

  /** Cameras waiting for a worker slot. */
  get queuedCount(): number {
    return this.#queue.size;
  }

  /** Begins following Factory 1 (when `follow`), starting a worker for every camera already live. */
  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    const raw = this.#o.raw;
    if (this.#o.follow === false || raw === null) return;
    raw.on('stream.up', this.#onUp);
    raw.on('stream.down', this.#onDown);
    for (const s of raw.live()) void this.startCamera(s.path);
  }

  /** Starts compressing `path` (no-op when running or when it has no profile). */
  async startCamera(path: string): Promise<void> {
    if (this.#closed || this.#cameras.has(path) || this.#queue.has(path)) return;
    const pending = this.#stopping.get(path);
    if (pending !== undefined) {
      await pending;
      if (this.#closed || this.#cameras.has(path)) return;
      // Following Factory 1: the camera may have gone again while the old worker stopped.
      if (this.#o.follow !== false && this.#o.raw?.get(path)?.live !== true) return;
    }
    const profile = this.#o.profileFor(path);
    if (profile === undefined || this.#cameras.has(path) || this.#queue.has(path)) return;
    if (!this.#queue.hasSlot(this.#busySlots())) {
      this.#queue.add(path, profile);
      this.#log.info('compression queued: all worker slots busy', { path, maxWorkers: this.#queue.maxWorkers, queued: this.#queue.size });
      return;
    }
    this.#launch(path, profile);
  }

  /** Stops `path`'s worker and ffmpeg (or takes it out of the queue); resolves when they are gone. */
  async stopCamera(path: string): Promise<void> {
    if (this.#queue.remove(path)) return;
    const cam = this.#cameras.get(path);
    if (cam === undefined) return this.#stopping.get(path);
    this.#cameras.delete(path);
    const done = cam.stop().finally(() => {
      if (this.#stopping.get(path) === done) this.#stopping.delete(path);
      this.#o.listener?.onRemoved?.(path);
      this.#drain();
    });
    this.#stopping.set(path, done);
    return done;
  }

  /**
   * The camera's effective profile changed (config reload): restarts only its worker, and only if
   * the profile really differs. `undefined` stops compressing the camera.
   */
  async updateProfile(path: string, profile: CompressionProfile | undefined): Promise<void> {
    const cam = this.#cameras.get(path);
    if (profile === undefined) return this.stopCamera(path);
    if (this.#queue.update(path, profile)) return;
    if (cam === undefined) {
      const follows = this.#o.follow !== false;
      if (follows && this.#o.raw?.get(path)?.live === true) await this.startCamera(path);
      return;
    }
    if (sameProfile(cam.profile, profile)) return;
    this.#log.info('compression profile changed; restarting the camera worker', { path, profile: profile.id });
    await this.stopCamera(path);
    if (!this.#closed && !this.#cameras.has(path)) this.#launch(path, profile);
  }

  status(path: string): CameraCompressionStatus | undefined {
    return this.#queue.status(path) ?? this.#cameras.get(path)?.status();
  }

  list(): CameraCompressionStatus[] {
    return [...[...this.#cameras.values()].map((c) => c.status()), ...this.#queue.list()];
  }

  /** PIDs of the running ffmpeg processes (diagnostics and tests). */
  pids(): number[] {
    return this.list().flatMap((s) => (s.pid === null ? [] : [s.pid]));
  }

  /** Stops every worker and its ffmpeg; resolves when all are gone. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#queue.clear();
    this.#o.raw?.off('stream.up', this.#onUp);
    this.#o.raw?.off('stream.down', this.#onDown);
    await Promise.all([...[...this.#cameras.keys()].map((p) => this.stopCamera(p)), ...this.#stopping.values()]);
  }

  /** Running workers plus those still stopping (their ffmpeg may not have exited yet). */
  #busySlots(): number {
    return this.#cameras.size + this.#stopping.size;
  }

  /** A slot freed: start the longest-waiting cameras that fit (one whose old worker still stops waits). */
  #drain(): void {
    while (!this.#closed && this.#queue.hasSlot(this.#busySlots())) {
      const next = this.#queue.take((path) => !this.#stopping.has(path));
      if (next === undefined) return;
      this.#log.info('compression slot free: starting the queued camera', { path: next.path });
      this.#launch(next.path, next.profile);
    }
  }

  #launch(path: string, profile: CompressionProfile): void {
    const o = this.#o;
    const inputArgs = o.inputArgsFor?.(path);
    const sink = o.pushSink;
    const bitrates = sink?.bitrates;
    const cam = new CameraWorker(path, profile, {
      compressed: sink === undefined ? o.compressed : null,
      raw: o.raw,
      ...(bitrates !== undefined ? { remoteBitrates: () => bitrates.call(sink, path) } : {}),
      createWorker: o.createWorker ?? (() => startWorker(COMPRESSOR_WORKER_ENTRY, { name: `compress:${path}` })),
      inputUrl: o.inputUrlFor(path),
      ...(inputArgs !== undefined ? { inputArgs } : {}),
      output: sink === undefined ? { kind: 'frames' } : { kind: 'push', url: sink.urlFor(path) },
      stallTimeoutMs: o.stallTimeoutMs ?? 10_000,
      backoff: o.backoff ?? DEFAULT_BACKOFF,
      ...(o.ffmpegPath !== undefined ? { ffmpegPath: o.ffmpegPath } : {}),
      stopTimeoutMs: o.stopTimeoutMs ?? 5000,
      onStatus: (s, change) => o.listener?.onStatus(s, change),
      log: this.#log.child({ component: 'compression', path }),
      now: o.now ?? Date.now,
    });
    this.#cameras.set(path, cam);
    cam.start();
  }
}

export function sameProfile(a: CompressionProfile, b: CompressionProfile): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof CompressionProfile>;
  for (const k of keys) if (a[k] !== b[k]) return false;
  return true;
}
