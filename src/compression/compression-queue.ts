/**
 * The worker cap shared by every place that runs compression workers (the slave's and the master's
 * CompressionManager, the compressor role): at most `maxWorkers` ffmpeg at once; later cameras wait
 * here in state `queued`, first come first served, and are handed out when a slot frees.
 */
import os from 'node:os';
import type { CompressionProfile } from '../config/model.ts';
import type { CameraCompressionStatus, CompressionListener } from './compression-status.ts';

/** The CPU count (os.availableParallelism()), at least 1: one encoder per core. */
export function defaultMaxWorkers(): number {
  return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
}

interface Waiting {
  profile: CompressionProfile;
  readonly since: number;
}

export class CompressionQueue {
  readonly maxWorkers: number;
  readonly #waiting = new Map<string, Waiting>();
  readonly #listener: CompressionListener | undefined;
  readonly #now: () => number;

  constructor(maxWorkers: number | undefined, listener: CompressionListener | undefined, now: () => number) {
    this.maxWorkers = Math.max(1, Math.floor(maxWorkers ?? defaultMaxWorkers()));
    this.#listener = listener;
    this.#now = now;
  }

  get size(): number {
    return this.#waiting.size;
  }

  has(path: string): boolean {
    return this.#waiting.has(path);
  }

  /** Whether a camera may start now, given the workers running (or still stopping). */
  hasSlot(busy: number): boolean {
    return busy < this.maxWorkers;
  }

  /** Puts a camera in the queue and reports it `queued`. */
  add(path: string, profile: CompressionProfile): void {
    const w: Waiting = { profile, since: this.#now() };
    this.#waiting.set(path, w);
    this.#listener?.onStatus(queuedStatus(path, w), 'state');
  }

  /** The profile a queued camera will start with changed. */
  update(path: string, profile: CompressionProfile): boolean {
    const w = this.#waiting.get(path);
    if (w === undefined) return false;
    w.profile = profile;
    return true;
  }

  /** Takes a camera out of the queue (it went away); reports it removed. */
  remove(path: string): boolean {
    if (!this.#waiting.delete(path)) return false;
    this.#listener?.onRemoved?.(path);
    return true;
  }

  /** The longest-waiting camera that `canStart` accepts, taken out of the queue; undefined when none. */
  take(canStart: (path: string) => boolean = () => true): { path: string; profile: CompressionProfile } | undefined {
    for (const [path, w] of this.#waiting) {
      if (!canStart(path)) continue;
      this.#waiting.delete(path);
      return { path, profile: w.profile };
    }
    return undefined;
  }

  status(path: string): CameraCompressionStatus | undefined {
    const w = this.#waiting.get(path);
    return w === undefined ? undefined : queuedStatus(path, w);
  }

  list(): CameraCompressionStatus[] {
    return [...this.#waiting].map(([path, w]) => queuedStatus(path, w));
  }

  /** Empties the queue (shutdown), reporting each camera removed. */
  clear(): void {
    for (const path of [...this.#waiting.keys()]) this.remove(path);
  }
}

/** What the API and metrics show for a camera waiting for a worker slot. */
function queuedStatus(path: string, w: Waiting): CameraCompressionStatus {
  return {
    path,
    profileId: w.profile.id,
    codec: w.profile.codec,
    state: 'queued',
    stateSince: w.since,
    pid: null,
    fps: 0,
    speed: 0,
    outputBitrateBps: 0,
    inputBitrateBps: 0,
    bitrateRatio: null,
    droppedFrames: 0,
    duplicatedFrames: 0,
    restarts: 0,
    stalls: 0,
    lastExit: null,
    lastError: null,
    stderrTail: [],
  };
}
