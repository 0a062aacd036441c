/**
 * ffmpeg command lines for one camera's compression: pure, so every profile's arguments are tested
 * without spawning anything. Targets the bundled ffmpeg 4.1 (@ffmpeg-installer/ffmpeg).
 */
import type { CompressionCodec, CompressionOutput, CompressionProfile } from './messages.ts';

/** File descriptor ffmpeg writes `-progress` blocks to (a pipe set up by the supervisor). */
export const PROGRESS_FD = 3;

/** VAAPI render node used by the *_vaapi encoders. */
export const VAAPI_DEVICE = '/dev/dri/renderD128';

/** Default AAC bitrate when a profile re-encodes audio (kbit/s). */
export const DEFAULT_AUDIO_BITRATE_KBPS = 64;

export interface FfmpegArgsOptions {
  /** What ffmpeg reads: the camera's Factory 1 RTSP URL (any ffmpeg input in tests). */
  readonly inputUrl: string;
  /** Input options before `-i`. Defaults to `-rtsp_transport tcp -flags low_delay` for rtsp:// URLs, none otherwise. */
  readonly inputArgs?: readonly string[];
  readonly profile: CompressionProfile;
  readonly output: CompressionOutput;
}

/** Container ffmpeg writes to the worker's pipe: FLV cannot carry HEVC in ffmpeg 4.1, MPEG-TS can. */
export type PipeContainer = 'flv' | 'mpegts';

export function isHevc(codec: CompressionCodec): boolean {
  return codec === 'h265' || codec === 'hevc_vaapi';
}

export function isVaapi(codec: CompressionCodec): boolean {
  return codec === 'h264_vaapi' || codec === 'hevc_vaapi';
}

export function pipeContainer(codec: CompressionCodec): PipeContainer {
  return isHevc(codec) ? 'mpegts' : 'flv';
}

/** ffmpeg encoder name for a profile codec. */
export function encoderName(codec: CompressionCodec): string {
  switch (codec) {
    case 'h264':
      return 'libx264';
    case 'h265':
      return 'libx265';
    case 'h264_vaapi':
    case 'hevc_vaapi':
      return codec;
    default:
      return assertNeverCodec(codec);
  }
}

/**
 * The `-vf` chain: frame rate first (fewer frames to scale), then the size, then the pixel format
 * the encoder takes (VAAPI: nv12 uploaded to the GPU). See `scaleFilter` for the size.
 */
export function videoFilter(profile: CompressionProfile): string {
  const parts: string[] = [];
  if (profile.fps !== undefined) parts.push(`fps=${profile.fps}`);
  const scale = scaleFilter(profile.width, profile.height);
  // Rounding the other side to even changes the aspect by a pixel: 1280x720 -> 854x480 would be
  // flagged SAR 1280:1281. The pixels are meant square.
  if (scale !== undefined) parts.push(scale, 'setsar=1');
  if (isVaapi(profile.codec)) parts.push('format=nv12', 'hwupload');
  else parts.push('format=yuv420p');
  return parts.join(',');
}

/**
 * The profile's width/height are an upper bound, never an upscale (a camera already smaller than
 * the profile keeps its size: more pixels would cost bits for no detail), and the aspect is kept:
 * one side set scales the other with `-2`; both set fit the picture inside that box. Sizes are
 * rounded down to even (4:2:0 needs it). The expressions are quoted so their commas do not split the
 * filter chain; ffmpeg 4.1's min() takes two arguments.
 */
export function scaleFilter(width: number | undefined, height: number | undefined): string | undefined {
  const even = (expr: string): string => `'2*trunc(${expr}/2)'`;
  if (width !== undefined && height !== undefined) return `scale=${even(`min(iw,min(${width},${height}*iw/ih))`)}:-2`;
  if (height !== undefined) return `scale=-2:${even(`min(${height},ih)`)}`;
  if (width !== undefined) return `scale=${even(`min(${width},iw)`)}:-2`;
  return undefined;
}

/**
 * Decoder options for a live input. `-flags low_delay` turns off frame-threaded decoding, which
 * holds back one frame per decoder thread (~90 ms less latency at 25 fps on 2 cores, measured by
 * bench/compression); `-threads 1` then also drops the slice-thread pool, which only costs
 * synchronisation when every core already runs other cameras' encoders. One thread decodes a
 * 1080p camera with room to spare.
 */
export const LIVE_DECODER_ARGS: readonly string[] = ['-flags', 'low_delay', '-threads', '1'];

/** Encoder threads when a profile leaves `threads` unset (see CompressionProfile.threads). */
export const DEFAULT_ENCODER_THREADS = 1;

/**
 * RTSP User-Agent of the compression input: the server counts it as an internal reader, not a viewer
 * (src/streams/internal-reader.ts; workers/ cannot import src/, the unit test checks they agree).
 */
export const COMPRESSION_USER_AGENT = 'Cupola-internal/compression';

function defaultInputArgs(inputUrl: string): string[] {
  return /^rtsps?:\/\//i.test(inputUrl) ? ['-rtsp_transport', 'tcp', '-user_agent', COMPRESSION_USER_AGENT, ...LIVE_DECODER_ARGS] : [];
}

function videoEncoderArgs(profile: CompressionProfile): string[] {
  const g = String(profile.gopFrames);
  const rate = [
    '-b:v', `${profile.bitrateKbps}k`,
    '-maxrate', `${profile.maxrateKbps}k`,
    '-bufsize', `${profile.bufsizeKbps}k`,
    '-g', g,
  ];
  const tune = profile.tune !== '' ? ['-tune', profile.tune] : [];
  const threads = ['-threads', String(profile.threads ?? DEFAULT_ENCODER_THREADS)];
  switch (profile.codec) {
    case 'h264':
      // scenecut=0: keyframes exactly every gopFrames, so readers joining mid-stream wait at most one GOP
      // and the GOP cache stays bounded.
      return ['-c:v', 'libx264', '-preset', profile.preset, ...tune, ...threads, ...rate,
        '-keyint_min', g, '-x264-params', 'scenecut=0:open_gop=0'];
    case 'h265':
      // repeat-headers: VPS/SPS/PPS before every keyframe (MPEG-TS has no global header).
      // No -threads: ffmpeg 4.1's libx265 wrapper ignores it (x265 sizes its own pool).
      return ['-c:v', 'libx265', '-preset', profile.preset, ...tune, ...rate,
        '-x265-params', `keyint=${g}:min-keyint=${g}:scenecut=0:open-gop=0:repeat-headers=1:log-level=warning`];
    case 'h264_vaapi':
    case 'hevc_vaapi':
      // No presets/tunes on VAAPI; no B-frames for the lowest latency.
      return ['-c:v', profile.codec, ...rate, '-bf', '0'];
    default:
      return assertNeverCodec(profile.codec);
  }
}

function audioArgs(profile: CompressionProfile): string[] {
  switch (profile.audio) {
    case 'drop':
      return ['-an'];
    case 'copy':
      return ['-map', '0:a:0?', '-c:a', 'copy'];
    case 'aac':
      return ['-map', '0:a:0?', '-c:a', 'aac', '-b:a', `${profile.audioBitrateKbps ?? DEFAULT_AUDIO_BITRATE_KBPS}k`];
    default: {
      const never: never = profile.audio;
      throw new Error(`unknown audio mode ${String(never)}`);
    }
  }
}

function outputArgs(profile: CompressionProfile, output: CompressionOutput): string[] {
  switch (output.kind) {
    case 'frames':
      // -flush_packets 1: hand every packet to the pipe at once instead of filling a 32 KiB buffer.
      return pipeContainer(profile.codec) === 'flv'
        ? ['-flush_packets', '1', '-f', 'flv', '-flvflags', 'no_duration_filesize', 'pipe:1']
        : // PES lengths on video and one audio frame per PES, so the reader can emit a frame as soon
          // as its last packet arrives (see protocols/mpegts/ts-demuxer.ts).
          ['-flush_packets', '1', '-f', 'mpegts', '-omit_video_pes_length', '0', '-pes_payload_size', '0', 'pipe:1'];
    case 'push':
      return ['-f', 'rtsp', '-rtsp_transport', 'tcp', output.url];
    default: {
      const never: never = output;
      throw new Error(`unknown output ${JSON.stringify(never)}`);
    }
  }
}

/**
 * The full argument list (without the ffmpeg path). `-nostdin`: ffmpeg 4.1 does not exit when its
 * stdin reaches EOF (it only reacts to 'q'), so stdin cannot be the parent-death signal; the
 * supervisor's watchdog wrapper (see supervisor.ts) kills ffmpeg instead, and ffmpeg must not read
 * the watchdog's pipe.
 */
export function buildFfmpegArgs(options: FfmpegArgsOptions): string[] {
  const { profile } = options;
  return [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'warning',
    '-progress', `pipe:${PROGRESS_FD}`,
    ...(isVaapi(profile.codec) ? ['-vaapi_device', VAAPI_DEVICE] : []),
    ...(options.inputArgs ?? defaultInputArgs(options.inputUrl)),
    '-i', options.inputUrl,
    '-map', '0:v:0',
    '-vf', videoFilter(profile),
    ...videoEncoderArgs(profile),
    ...audioArgs(profile),
    ...outputArgs(profile, options.output),
  ];
}

function assertNeverCodec(codec: never): never {
  throw new Error(`unknown codec ${String(codec)}`);
}
