/**
 * The typed messages between the main thread and a compressor worker (one worker per camera), and the
 * compression profile they carry. `src/` reaches workers only through this file.
 *
 * Both directions are discriminated unions; each side switches exhaustively (`assertNever`).
 */
import type { StreamDescription, TrackKind } from '../protocols/media/frame.ts';

/**
 * Encoders the bundled ffmpeg offers: software libx264 ('h264') and libx265 ('h265'), and VAAPI
 * hardware encoders (Intel/AMD GPUs, need /dev/dri/renderD128).
 */
export const COMPRESSION_CODECS = ['h264', 'h265', 'h264_vaapi', 'hevc_vaapi'] as const;
export type CompressionCodec = (typeof COMPRESSION_CODECS)[number];

export const AUDIO_MODES = ['copy', 'aac', 'drop'] as const;
/** copy: pass the camera's audio through; aac: re-encode to AAC; drop: no audio in the output. */
export type AudioMode = (typeof AUDIO_MODES)[number];

/** How one camera is compressed. Validated by src/config; here only the shape. */
export interface CompressionProfile {
  /** Profile name ('default', 'low', ...), shown in the API. */
  readonly id: string;
  readonly codec: CompressionCodec;
  /** Target average video bitrate (kbit/s). */
  readonly bitrateKbps: number;
  /** VBV peak rate (kbit/s), >= bitrateKbps. */
  readonly maxrateKbps: number;
  /** VBV buffer size (kbit). */
  readonly bufsizeKbps: number;
  /**
   * Largest output width in pixels. The aspect is always kept: with only one of width/height set
   * the other follows; with both, the picture fits inside width x height. Never upscales.
   */
  readonly width?: number;
  /** Largest output height in pixels (see `width`). */
  readonly height?: number;
  /** Output frame rate; unset keeps the camera's rate. */
  readonly fps?: number;
  /** Keyframe interval in frames (also the maximum: scene-cut keyframes are disabled). */
  readonly gopFrames: number;
  /** Encoder preset ('ultrafast'...'veryslow' for x264/x265; ignored by encoders without presets). */
  readonly preset: string;
  /** Encoder tune. Defaults to 'zerolatency' (no B-frames, no lookahead: lowest added latency). */
  readonly tune: string;
  /**
   * libx264 encoder threads (`-threads`; libx265 in ffmpeg 4.1 ignores it and sizes its own pool,
   * VAAPI has none). Unset means 1: a site compresses many cameras, one ffmpeg
   * each, so the cores are shared across cameras, and one thread per encoder costs the least CPU per
   * camera (no slice or thread synchronisation; docs/compression.md). 0 lets the encoder choose.
   */
  readonly threads?: number;
  readonly audio: AudioMode;
  /** AAC bitrate when audio is 'aac' (kbit/s). Defaults to 64. */
  readonly audioBitrateKbps?: number;
}

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

/** Restart schedule after ffmpeg exits: capped exponential backoff with jitter. */
export interface BackoffOptions {
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
