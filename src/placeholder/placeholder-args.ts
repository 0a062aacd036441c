/**
 * What a placeholder clip looks like and the bundled ffmpeg's command line that encodes it (pure):
 * one GOP (one second by default) of a dark picture with the "camera offline" text, at the camera's
 * last codec, resolution and frame rate, and AAC silence when the camera had AAC, so that readers'
 * decoders take it as a continuation of the camera's stream.
 */
import type { VideoCodec } from '../../protocols/media/frame.ts';

/** Frame rate used when the camera's is unknown. */
export const DEFAULT_PLACEHOLDER_FPS = 25;
/** Resolution used when the camera's is unknown. */
export const DEFAULT_PLACEHOLDER_SIZE = { width: 640, height: 360 } as const;

export interface PlaceholderClipSpec {
  readonly codec: VideoCodec;
  readonly width: number;
  readonly height: number;
  /** Whole frames per second, 1..60. */
  readonly fps: number;
  /** AAC silence of this format; unset: no audio. */
  readonly audio?: { readonly sampleRate: number; readonly channels: 1 | 2 };
  /** Text lines drawn centred; empty: a plain picture. */
  readonly lines: readonly string[];
  /** Length of the clip (one GOP) in frames. Defaults to fps (one second). */
  readonly frames?: number;
}

export type PlaceholderContainer = 'flv' | 'mpegts';

/** FLV carries H.264; ffmpeg 4.1's FLV muxer cannot carry HEVC, MPEG-TS can. */
export function placeholderContainer(codec: VideoCodec): PlaceholderContainer {
  return codec === 'h265' ? 'mpegts' : 'flv';
}

/** Cache key: clips with the same key are the same bytes. */
export function clipKey(spec: PlaceholderClipSpec): string {
  const a = spec.audio === undefined ? '-' : `${spec.audio.sampleRate}/${spec.audio.channels}`;
  return `${spec.codec}|${spec.width}x${spec.height}|${spec.fps}|${spec.frames ?? spec.fps}|${a}|${spec.lines.join('\n')}`;
}

/**
 * ffmpeg arguments: `textFile` holds spec.lines (drawtext reads it verbatim: no escaping of
 * camera names), `fontFile` is a TrueType font; without one of them the picture has no text.
 * Output on stdout (pipe:1) in placeholderContainer(spec.codec).
 */
export function placeholderArgs(spec: PlaceholderClipSpec, files: { textFile?: string; fontFile?: string }): string[] {
  const frames = spec.frames ?? spec.fps;
  const seconds = (frames / spec.fps).toFixed(3);
  const args = ['-hide_banner', '-nostats', '-loglevel', 'error', '-f', 'lavfi', '-i', `color=c=0x202020:s=${spec.width}x${spec.height}:r=${spec.fps}:d=${seconds}`];
  if (spec.audio !== undefined) {
    const layout = spec.audio.channels === 1 ? 'mono' : 'stereo';
    args.push('-f', 'lavfi', '-i', `anullsrc=r=${spec.audio.sampleRate}:cl=${layout}`);
  }
  if (files.textFile !== undefined && files.fontFile !== undefined && spec.lines.length > 0) {
    const size = Math.max(10, Math.round(spec.height / 16));
    const draw = [
      `fontfile=${files.fontFile}`,
      `textfile=${files.textFile}`,
      'expansion=none',
      'fontcolor=white',
      `fontsize=${size}`,
      `line_spacing=${Math.round(size / 2)}`,
      'x=(w-text_w)/2',
      'y=(h-text_h)/2',
    ].join(':');
    args.push('-vf', `drawtext=${draw}`);
  }
  // The output ends after `seconds` on both tracks (the color source ends there too): a frame
  // count would stop the audio early, while the muxer still waits to interleave it.
  args.push('-map', '0:v:0', '-t', seconds, '-pix_fmt', 'yuv420p');
  if (spec.codec === 'h264') {
    // ultrafast without B-frames: constrained-baseline tools every H.264 decoder takes, pts = dts.
    args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'stillimage', '-bf', '0', '-g', String(frames), '-keyint_min', String(frames), '-sc_threshold', '0');
  } else {
    args.push('-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', `keyint=${frames}:min-keyint=${frames}:bframes=0:scenecut=0:repeat-headers=1:log-level=error`);
  }
  if (spec.audio !== undefined) {
    args.push('-map', '1:a:0', '-c:a', 'aac', '-b:a', '32k', '-ar', String(spec.audio.sampleRate), '-ac', String(spec.audio.channels));
  }
  args.push('-f', placeholderContainer(spec.codec), 'pipe:1');
  return args;
}
