/**
 * What the compression of one camera reports to the rest of the node (metrics, API, events). The
 * composition root implements CompressionListener and wires it to metrics/events/API.
 */

/**
 * queued: wanted but waiting for a worker slot (`compression.maxWorkers`), started when one frees;
 * idle: known but not started; starting: ffmpeg spawned, no output yet; running: compressed frames
 * flow; backoff: waiting to restart ffmpeg (or the worker) after an exit or stall; failed: the
 * profile cannot run here (e.g. a VAAPI encoder without a GPU; `lastError` says why), not retried;
 * stopped: stopped on request (camera gone, profile removed, shutdown).
 */
export type CompressionState = 'queued' | 'idle' | 'starting' | 'running' | 'backoff' | 'failed' | 'stopped';

/**
 * A camera's compression state as the node publishes it (`compression.state` events, the
 * `cupola_compression_state` gauge): `idle` shows as `starting`; `stalled` is listed for the gauge.
 */
export const PUBLISHED_COMPRESSION_STATES = ['queued', 'starting', 'running', 'backoff', 'stalled', 'failed', 'stopped'] as const;
export type PublishedCompressionState = (typeof PUBLISHED_COMPRESSION_STATES)[number];

/** How each state is published. */
export const PUBLISHED_STATE: Readonly<Record<CompressionState, PublishedCompressionState>> = Object.freeze({
  queued: 'queued',
  idle: 'starting',
  starting: 'starting',
  running: 'running',
  backoff: 'backoff',
  failed: 'failed',
  stopped: 'stopped',
});

export interface CompressionExit {
  readonly code: number | null;
  readonly signal: string | null;
  /** Wall-clock time (ms since the epoch). */
  readonly at: number;
}

export interface CameraCompressionStatus {
  /** Camera path ('site1/cam1'): the same path on Factory 1 and Factory 2. */
  readonly path: string;
  readonly profileId: string;
  readonly codec: string;
  readonly state: CompressionState;
  /** Since when (ms since the epoch) the camera is in `state`. */
  readonly stateSince: number;
  /** The running ffmpeg's PID. */
  readonly pid: number | null;
  /** Encoder frames per second (ffmpeg's progress). */
  readonly fps: number;
  /** Encoding speed relative to real time. */
  readonly speed: number;
  /** Output bitrate measured on the compressed stream (bit/s). */
  readonly outputBitrateBps: number;
  /** Input bitrate measured on the raw stream (bit/s); 0 when this node does not hold the raw stream. */
  readonly inputBitrateBps: number;
  /** outputBitrateBps / inputBitrateBps, or null when the input rate is unknown. */
  readonly bitrateRatio: number | null;
  /** Frames ffmpeg dropped / duplicated (its own counters, since its last start). */
  readonly droppedFrames: number;
  readonly duplicatedFrames: number;
  /** ffmpeg restarts since the camera's compression started (exits, stalls, worker crashes). */
  readonly restarts: number;
  /** Times the stall detector fired. */
  readonly stalls: number;
  readonly lastExit: CompressionExit | null;
  /** Last worker or output error message. */
  readonly lastError: string | null;
  /** The last lines of ffmpeg's stderr (from its last exit), for the API and logs. */
  readonly stderrTail: readonly string[];
}

export type StatusChange = 'state' | 'progress';

export interface CompressionListener {
  /** `state` on every state change (for events/logs), `progress` at most about once a second (metrics). */
  onStatus(status: CameraCompressionStatus, change: StatusChange): void;
  /** The camera's compression was removed (its status disappears from the API). */
  onRemoved?(path: string): void;
}
