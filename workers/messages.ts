/**
 * The typed messages between the main thread and a compressor worker (one worker per camera); the
 * compression profile they carry is src/config/model.ts's. `src/` reaches workers only through this file.
 *
 * Both directions are discriminated unions; each side switches exhaustively (`assertNever`).
 */
import type { StreamDescription, TrackKind } from '../protocols/media/frame.ts';
import type { BackoffSchedule } from '../protocols/backoff.ts';
import type { CompressionProfile } from '../src/config/model.ts';

/** The compression profile is owned by the config model; the worker only reads its shape. */
export type { AudioMode, CompressionCodec, CompressionProfile } from '../src/config/model.ts';

/**
 * The default profile: cuts a 720p25 ~4 Mbit/s camera by >= 80 % at SSIM >= 0.95 for <= 0.15 core
 * (x264 superfast, one thread; see docs/compression.md for the sweep that chose it).
 */
export const DEFAULT_COMPRESSION_PROFILE: CompressionProfile = Object.freeze({
  id: 'default',
  codec: 'h264',
  bitrateKbps: 800,
  maxrateKbps: 1000,
  bufsizeKbps: 1600,
  height: 480,
  gopFrames: 50,
  preset: 'superfast',
  tune: 'zerolatency',
  threads: 1,
  audio: 'aac',
  audioBitrateKbps: 64,
} satisfies CompressionProfile);

/** Restart schedule after ffmpeg exits: capped exponential backoff with jitter (protocols/backoff.ts). */
export interface BackoffOptions extends BackoffSchedule {
  /** First delay (ms). Defaults to 500. */
  readonly initialMs: number;
  /** Upper bound of the delay (ms). Defaults to 30000. */
  readonly maxMs: number;
  /** Growth per attempt. Defaults to 2. */
  readonly factor: number;
  /** Share of the delay randomised, 0..1 (0.2 = +-20 %). Defaults to 0.2. */
  readonly jitter: number;
  /** An ffmpeg run that produced output for this long resets the attempt counter (ms). Defaults to 10000. */
  readonly resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({
  initialMs: 500,
  maxMs: 30_000,
  factor: 2,
  jitter: 0.2,
  resetAfterMs: 10_000,
});

/**
 * Where ffmpeg's encoded output goes. 'frames': FLV on stdout, parsed by the worker and posted as
 * frames (the slave's Factory 2). 'push': ffmpeg publishes itself with RTSP ANNOUNCE/RECORD over TCP
 * (the compressor role pushing to a remote Factory 2).
 */
export type CompressionOutput = { readonly kind: 'frames' } | { readonly kind: 'push'; readonly url: string };

// ---- main -> worker ----

export interface StartMessage {
  readonly type: 'start';
  /** Camera path ('site1/cam1'), for logs and the worker's stderr. */
  readonly cameraPath: string;
  /** What ffmpeg reads: normally the camera's Factory 1 RTSP URL; any ffmpeg input in tests. */
  readonly inputUrl: string;
  /** Extra input options placed before `-i` (tests use `['-f', 'lavfi', '-re']`). Defaults to RTSP over TCP. */
  readonly inputArgs?: readonly string[];
  readonly output: CompressionOutput;
  readonly profile: CompressionProfile;
  /** No output (stdout bytes or progress) for this long means ffmpeg is stuck: kill and restart (ms). */
  readonly stallTimeoutMs: number;
  readonly backoff: BackoffOptions;
  /** ffmpeg binary. Defaults to @ffmpeg-installer/ffmpeg's. */
  readonly ffmpegPath?: string;
}

export interface StopMessage {
  readonly type: 'stop';
}

export type MainToWorkerMessage = StartMessage | StopMessage;

// ---- worker -> main ----

export interface DescriptionMessage {
  readonly type: 'description';
  /** Parameter sets arrive as Uint8Array after structured clone; see `descriptionFromMessage`. */
  readonly desc: StreamDescription;
}

export interface MetadataMessage {
  readonly type: 'metadata';
  readonly meta: Record<string, unknown>;
}

export interface FrameMessage {
  readonly type: 'frame';
  readonly track: TrackKind;
  readonly dts: number;
  readonly pts: number;
  readonly keyframe: boolean;
  /** The frame payload in an ArrayBuffer of its own, transferred (not copied) to the main thread. */
  readonly payload: ArrayBuffer;
}

export interface ProgressMessage {
  readonly type: 'progress';
  /** Encoder frames per second (ffmpeg's own average). */
  readonly fps: number;
  /** Encoding speed relative to real time (1 = real time). */
  readonly speed: number;
  /** Output bitrate (bit/s) as ffmpeg reports it. */
  readonly bitrateBps: number;
  readonly frames: number;
  readonly dropped: number;
  readonly duplicated: number;
  /** ffmpeg restarts since the worker started. */
  readonly restarts: number;
}

export interface FfmpegStartedMessage {
  readonly type: 'ffmpeg-started';
  readonly pid: number;
}

export interface FfmpegExitedMessage {
  readonly type: 'ffmpeg-exited';
  readonly code: number | null;
  readonly signal: string | null;
  /** The last lines of ffmpeg's stderr (at most ~50). */
  readonly stderrTail: readonly string[];
}

export interface BackoffMessage {
  readonly type: 'backoff';
  /** Delay before the next ffmpeg start (ms). */
  readonly delayMs: number;
  readonly attempt: number;
}

export interface StalledMessage {
  readonly type: 'stalled';
}

export interface WorkerErrorMessage {
  readonly type: 'error';
  readonly message: string;
}

export interface StoppedMessage {
  readonly type: 'stopped';
}

/**
 * The profile cannot run on this machine (a hardware encoder the bundled ffmpeg lacks, or no GPU
 * render node): ffmpeg is not started and not retried; a new profile or camera restart tries again.
 */
export interface UnsupportedMessage {
  readonly type: 'unsupported';
  readonly message: string;
}

export type WorkerToMainMessage =
  | DescriptionMessage
  | MetadataMessage
  | FrameMessage
  | ProgressMessage
  | FfmpegStartedMessage
  | FfmpegExitedMessage
  | BackoffMessage
  | StalledMessage
  | WorkerErrorMessage
  | StoppedMessage
  | UnsupportedMessage;

export function assertNever(value: never): never {
  throw new Error(`unexpected message ${JSON.stringify(value)}`);
}

type Bytes = Uint8Array | undefined;
function toBuffer(b: Bytes): Buffer | undefined {
  if (b === undefined) return undefined;
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Structured clone turns Buffers into plain Uint8Arrays; this restores Buffers (as views, no copy) in
 * a description received from a worker.
 */
export function descriptionFromMessage(desc: StreamDescription): StreamDescription {
  const out: { video?: StreamDescription['video']; audio?: StreamDescription['audio'] } = {};
  if (desc.video !== undefined) {
    const v = desc.video;
    const vps = toBuffer(v.vps);
    const sps = toBuffer(v.sps);
    const pps = toBuffer(v.pps);
    out.video = {
      ...v,
      ...(vps !== undefined ? { vps } : {}),
      ...(sps !== undefined ? { sps } : {}),
      ...(pps !== undefined ? { pps } : {}),
    };
  }
  if (desc.audio !== undefined) {
    const config = toBuffer(desc.audio.config);
    out.audio = { ...desc.audio, ...(config !== undefined ? { config } : {}) };
  }
  return out;
}
