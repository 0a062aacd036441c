/**
 * The node's view of every camera's compression (slave workers, master takeovers or the compressor
 * role): the CompressionListener that turns worker status into metrics samples, API fields and
 * `compression.state` events.
 */
import type { EventBus } from '../core/events.ts';
import { PUBLISHED_STATE, type CameraCompressionStatus, type CompressionListener } from './compression-status.ts';
import type { Logger } from '../log/logger.ts';
import type { CompressionSample } from '../metrics/metrics.ts';

/** Shown with a stop on request, which is not an error (ffmpeg's exit code 255 on SIGTERM included). */
export const STOPPED_DETAIL = 'stopped on request (camera unpublished, disabled or removed, profile changed, or the node stopping)';

/** The `detail` of a compression.state event: why the camera is in that state. */
export function stateDetail(status: CameraCompressionStatus): string | undefined {
  if (status.state === 'stopped') return STOPPED_DETAIL;
  if (status.lastError !== null) return status.lastError;
  return status.lastExit ? `ffmpeg exited (code ${status.lastExit.code}, signal ${status.lastExit.signal})` : undefined;
}

export class CompressionBook implements CompressionListener {
  #statuses = new Map<string, CameraCompressionStatus>();
  #bus: EventBus;
  #log: Logger;

  constructor(bus: EventBus, log: Logger) {
    this.#bus = bus;
    this.#log = log;
  }

  onStatus(status: CameraCompressionStatus, change: 'state' | 'progress'): void {
    const before = this.#statuses.get(status.path);
    this.#statuses.set(status.path, status);
    if (change !== 'state' || before?.state === status.state) return;
    const detail = stateDetail(status);
    this.#bus.publish({
      type: 'compression.state',
      camera: status.path,
      state: PUBLISHED_STATE[status.state],
      profile: status.profileId,
      ...(detail !== undefined ? { detail } : {}),
    });
    const fields = { camera: status.path, state: status.state, profile: status.profileId, pid: status.pid, restarts: status.restarts };
    if (status.state === 'backoff') this.#log.warn('compression restarting', { ...fields, detail, stderr: status.stderrTail.slice(-5) });
    else this.#log.info('compression state', fields);
  }

  onRemoved(path: string): void {
    this.#statuses.delete(path);
  }

  get(path: string): CameraCompressionStatus | undefined {
    return this.#statuses.get(path);
  }

  list(): CameraCompressionStatus[] {
    return [...this.#statuses.values()];
  }

  /** The metrics sampler. */
  samples(): CompressionSample[] {
    return this.list().map((s) => ({
      camera: s.path,
      state: PUBLISHED_STATE[s.state],
      source: s.path, // counts going down (new ffmpeg, new worker) are detected as restarts
      fps: s.fps,
      speed: s.speed,
      bitrateBps: s.outputBitrateBps,
      restarts: s.restarts,
      framesDropped: s.droppedFrames,
      framesDuplicated: s.duplicatedFrames,
    }));
  }
}
