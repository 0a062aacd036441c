/**
 * Main-thread side of one camera's compression: owns its worker thread, publishes the worker's
 * frames on Factory 2 under the camera's path, keeps its status. The worker supervises ffmpeg; this
 * side restarts the worker itself (with backoff) if the thread dies.
 */
import type { StreamDescription } from '../../protocols/media/frame.ts';
import type { StreamRegistry, Publication } from '../streams/registry.ts';
import { PublishRejectedError } from '../streams/types.ts';
import type { Logger } from '../log/logger.ts';
import {
  assertNever,
  descriptionFromMessage,
  type BackoffOptions,
  type CompressionOutput,
  type CompressionProfile,
  type MainToWorkerMessage,
  type StartMessage,
  type WorkerToMainMessage,
} from '../../workers/messages.ts';
import { Backoff } from '../../protocols/backoff.ts';
import type { CameraCompressionStatus, CompressionState, StatusChange } from './compression-status.ts';

/** The parts of worker_threads' Worker used here (tests inject fakes). */
export interface CompressorWorker {
  postMessage(message: MainToWorkerMessage): void;
  on(event: 'message', listener: (message: WorkerToMainMessage) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  terminate(): Promise<number>;
}

export interface CameraWorkerDeps {
  /** Factory 2, where the frames are published; null when ffmpeg pushes itself ('push' output). */
  readonly compressed: StreamRegistry | null;
  /** Factory 1, read only for the input bitrate; null on a node without the raw stream. */
  readonly raw: StreamRegistry | null;
  /**
   * Bitrates measured elsewhere, used where `raw` or `compressed` is null: the compressor role reads
   * them from the slave's stream listing (ffmpeg's progress has no bitrate for an RTSP output).
   */
  readonly remoteBitrates?: () => { readonly inputBps: number; readonly outputBps: number } | undefined;
  readonly createWorker: () => CompressorWorker;
  readonly inputUrl: string;
  readonly inputArgs?: readonly string[];
  readonly output: CompressionOutput;
  readonly stallTimeoutMs: number;
  readonly backoff: BackoffOptions;
  readonly ffmpegPath?: string;
  /** How long stop() waits for the worker to stop ffmpeg before terminating it (ms). */
  readonly stopTimeoutMs: number;
  readonly onStatus: (status: CameraCompressionStatus, change: StatusChange) => void;
  readonly log: Logger;
  readonly now: () => number;
}

/** Progress is reported to the listener at most this often (ms). */
const PROGRESS_INTERVAL_MS = 1000;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export class CameraWorker {
  readonly path: string;
  readonly profile: CompressionProfile;
  readonly #deps: CameraWorkerDeps;
  readonly #workerBackoff: Backoff;
  #status: Mutable<CameraCompressionStatus>;
  #worker: CompressorWorker | null = null;
  #workerExited: Promise<void> = Promise.resolve();
  #publication: Publication | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  #stopping = false;
  #restartsBefore = 0;
  #lastProgressAt = 0;
  /** ffmpeg's own output bitrate (0 when it prints N/A, as for an RTSP output). */
  #progressBitrateBps = 0;

  constructor(path: string, profile: CompressionProfile, deps: CameraWorkerDeps) {
    this.path = path;
    this.profile = profile;
    this.#deps = deps;
    this.#workerBackoff = new Backoff(deps.backoff);
    this.#status = {
      path, profileId: profile.id, codec: profile.codec, state: 'idle', stateSince: deps.now(), pid: null,
      fps: 0, speed: 0, outputBitrateBps: 0, inputBitrateBps: 0, bitrateRatio: null, droppedFrames: 0,
      duplicatedFrames: 0, restarts: 0, stalls: 0, lastExit: null, lastError: null, stderrTail: [],
    };
  }

  /** A snapshot of the status, with the bitrates measured now. */
  status(): CameraCompressionStatus {
    const s = this.#status;
    const { compressed, raw } = this.#deps;
    const remote = compressed === null || raw === null ? this.#deps.remoteBitrates?.() : undefined;
    if (compressed !== null) {
      const out = compressed.get(this.path);
      s.outputBitrateBps = out !== undefined && out.publisher?.kind === 'compressor' ? out.bitrateBps() : 0;
    } else {
      s.outputBitrateBps = remote !== undefined && remote.outputBps > 0 ? remote.outputBps : this.#progressBitrateBps;
    }
    if (raw !== null) {
      const input = raw.get(this.path);
      s.inputBitrateBps = input?.live === true ? input.bitrateBps() : 0;
    } else s.inputBitrateBps = remote?.inputBps ?? 0;
    s.bitrateRatio = s.inputBitrateBps > 0 && s.outputBitrateBps > 0 ? s.outputBitrateBps / s.inputBitrateBps : null;
    return { ...s };
  }

  start(): void {
    if (this.#worker !== null || this.#stopping) return;
    this.#spawnWorker();
  }

  /** Stops ffmpeg and the worker; closes the Factory 2 stream. Resolves once the thread is gone. */
  async stop(): Promise<void> {
    if (this.#stopping) return this.#workerExited;
    this.#stopping = true;
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    const worker = this.#worker;
    if (worker !== null) {
      worker.postMessage({ type: 'stop' });
      const timer = setTimeout(() => {
        this.#deps.log.warn('compression worker did not stop in time; terminating it', { path: this.path });
        void worker.terminate();
      }, this.#deps.stopTimeoutMs);
      await this.#workerExited;
      clearTimeout(timer);
    }
    this.#closePublication();
    this.#setState('stopped');
  }

  #spawnWorker(): void {
    const worker = this.#deps.createWorker();
    this.#worker = worker;
    let resolveExit!: () => void;
    this.#workerExited = new Promise((r) => (resolveExit = r));
    worker.on('message', (m) => this.#onMessage(m));
    worker.on('error', (err) => {
      this.#status.lastError = `worker error: ${err.message}`;
      this.#deps.log.error('compression worker failed', { path: this.path, err });
    });
    worker.on('exit', (code) => {
      if (this.#worker === worker) this.#worker = null;
      this.#status.pid = null;
      resolveExit();
      if (!this.#stopping) this.#onWorkerLost(code);
    });
    const start: StartMessage = {
      type: 'start',
      cameraPath: this.path,
      inputUrl: this.#deps.inputUrl,
      ...(this.#deps.inputArgs !== undefined ? { inputArgs: this.#deps.inputArgs } : {}),
      output: this.#deps.output,
      profile: this.profile,
      stallTimeoutMs: this.#deps.stallTimeoutMs,
      backoff: this.#deps.backoff,
      ...(this.#deps.ffmpegPath !== undefined ? { ffmpegPath: this.#deps.ffmpegPath } : {}),
    };
    worker.postMessage(start);
    this.#setState('starting');
  }

  /** The thread died without being asked to (a crash): its ffmpeg died with it; start a new one. */
  #onWorkerLost(code: number): void {
    this.#closePublication();
    this.#restartsBefore = this.#status.restarts + 1;
    this.#status.restarts = this.#restartsBefore;
    const delay = this.#workerBackoff.next();
    this.#deps.log.warn('compression worker exited unexpectedly; restarting', { path: this.path, code, delayMs: delay });
    this.#setState('backoff');
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      if (!this.#stopping) this.#spawnWorker();
    }, delay);
  }

  #onMessage(m: WorkerToMainMessage): void {
    const s = this.#status;
    switch (m.type) {
      case 'frame':
        // A view on the transferred ArrayBuffer: no copy on this side.
        this.#publication?.pushFrame({ track: m.track, dts: m.dts, pts: m.pts, keyframe: m.keyframe, payload: Buffer.from(m.payload) });
        return;
      case 'description':
        this.#onDescription(m.desc);
        return;
      case 'metadata':
        this.#publication?.setMetadata(m.meta);
        return;
      case 'progress': {
        s.fps = m.fps;
        s.speed = m.speed;
        this.#progressBitrateBps = m.bitrateBps;
        s.droppedFrames = m.dropped;
        s.duplicatedFrames = m.duplicated;
        s.restarts = this.#restartsBefore + m.restarts;
        // 'push' output has no frames on this side: progress is the sign of life.
        if (this.#deps.output.kind === 'push' && m.frames > 0 && s.state === 'starting') this.#setState('running');
        const now = this.#deps.now();
        if (now - this.#lastProgressAt >= PROGRESS_INTERVAL_MS) {
          this.#lastProgressAt = now;
          this.#deps.onStatus(this.status(), 'progress');
        }
        return;
      }
      case 'ffmpeg-started':
        s.pid = m.pid;
        this.#setState('starting');
        return;
      case 'ffmpeg-exited':
        s.pid = null;
        s.lastExit = { code: m.code, signal: m.signal, at: this.#deps.now() };
        s.stderrTail = m.stderrTail;
        this.#closePublication();
        if (!this.#stopping) {
          this.#deps.log.warn('ffmpeg exited', { path: this.path, code: m.code, signal: m.signal, stderr: m.stderrTail.slice(-5) });
        }
        return;
      case 'backoff':
        s.restarts = this.#restartsBefore + m.attempt;
        this.#setState('backoff');
        return;
      case 'stalled':
        s.stalls++;
        this.#deps.log.warn('ffmpeg stalled; restarting it', { path: this.path });
        return;
      case 'error':
        s.lastError = m.message;
        this.#deps.log.warn('compression worker reported an error', { path: this.path, error: m.message });
        return;
      case 'unsupported':
        // Not retried: the same profile would fail the same way. A new profile or a camera
        // restart starts a new worker and checks again.
        s.lastError = m.message;
        this.#deps.log.error('camera not compressed: its profile cannot run on this node', { path: this.path, profile: this.profile.id, error: m.message });
        this.#setState('failed');
        return;
      case 'stopped':
        return;
      default:
        assertNever(m);
    }
  }

  #onDescription(raw: StreamDescription): void {
    const desc = descriptionFromMessage(raw);
    const compressed = this.#deps.compressed;
    if (compressed === null || this.#stopping) return;
    if (this.#publication === null) {
      try {
        this.#publication = compressed.publish(this.path, { kind: 'compressor', remote: `worker:${this.path}` });
      } catch (err) {
        if (!(err instanceof PublishRejectedError)) throw err;
        this.#status.lastError = `Factory 2 refused ${this.path}: ${err.message}`;
        this.#deps.log.warn('compressed stream not published', { path: this.path, reason: err.reason, error: err.message });
        return;
      }
    }
    this.#publication.setDescription(desc);
    this.#workerBackoff.reset();
    this.#setState('running');
  }

  #closePublication(): void {
    this.#publication?.close();
    this.#publication = null;
  }

  #setState(state: CompressionState): void {
    if (this.#status.state === state) return;
    this.#status.state = state;
    this.#status.stateSince = this.#deps.now();
    this.#deps.onStatus(this.status(), 'state');
  }
}
