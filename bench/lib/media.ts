/**
 * Pre-encoded test streams for the load benchmarks: a camera-like H.264 + AAC FLV file encoded once
 * with the bundled ffmpeg (testsrc2 + temporal noise + sine, libx264 veryfast, no B-frames, GOP 50
 * unless the spec says otherwise, optionally the frame number burnt in)
 * and cached under the OS temp dir, then read into FLV tags for real-time replay.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import { FlvDemuxer, type FlvTag } from '../../protocols/flv/flv-demuxer.ts';

export const FFMPEG = ffmpegInstaller.path;

export interface MediaSpec {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly videoKbps: number;
  readonly seconds: number;
  /** Keyframe interval in frames (default: 2 s). */
  readonly gop?: number;
  /** Burn the frame number into the picture (frameIndexFilter): for players that show no SEI. */
  readonly frameIndex?: boolean;
}

/** Frame-number pattern: FRAME_INDEX_BITS blocks of FRAME_INDEX_BLOCK px in the top-left corner. */
export const FRAME_INDEX_BITS = 10;
export const FRAME_INDEX_BLOCK = 48;

/**
 * ffmpeg filters drawing the frame number n (from 0, the file's own frame count) as two rows of
 * FRAME_INDEX_BITS blocks at the top left: block k of the top row is white when bit k of n is
 * set, black otherwise; the bottom row is the complement (a reader checks every pair differs).
 * ffmpeg 4.1 evaluates drawbox's geometry once, so each block is its own drawbox switched per
 * frame with the timeline option `enable` (which sees n).
 */
export function frameIndexFilter(): string {
  const b = FRAME_INDEX_BLOCK;
  const f = [`drawbox=x=0:y=0:w=${FRAME_INDEX_BITS * b}:h=${2 * b}:color=black:t=fill`];
  for (let k = 0; k < FRAME_INDEX_BITS; k++) {
    const bit = `mod(floor(n/${2 ** k}),2)`;
    f.push(`drawbox=x=${k * b}:y=0:w=${b}:h=${b}:color=white:t=fill:enable='eq(${bit},1)'`);
    f.push(`drawbox=x=${k * b}:y=${b}:w=${b}:h=${b}:color=white:t=fill:enable='eq(${bit},0)'`);
  }
  return f.join(',');
}

/** The fan-out camera: 1280x720 at 25 fps, ~4 Mbit/s. */
export const CAMERA_720P: MediaSpec = { width: 1280, height: 720, fps: 25, videoKbps: 4000, seconds: 20 };
/** The browser-playback camera: 720p25 ~4 Mbit/s, GOP 1 s (LL-HLS segments of whole GOPs), frame number burnt in. */
export const CAMERA_720P_BROWSER: MediaSpec = { width: 1280, height: 720, fps: 25, videoKbps: 4000, seconds: 20, gop: 25, frameIndex: true };
/** The ingest camera: ~1.6 Mbit/s (video 1.5 Mbit/s + audio). */
export const CAMERA_INGEST: MediaSpec = { width: 1280, height: 720, fps: 25, videoKbps: 1500, seconds: 20 };

export function mediaDir(): string {
  const dir = join(tmpdir(), 'cupola-bench-media');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Encodes (once; cached by spec) and returns the FLV file path. */
export async function ensureFlv(spec: MediaSpec, log: (s: string) => void = () => {}): Promise<string> {
  const gop = spec.gop ?? spec.fps * 2;
  const extra = `${spec.gop !== undefined ? `-g${gop}` : ''}${spec.frameIndex === true ? '-idx' : ''}`;
  const name = `cam-${spec.width}x${spec.height}-${spec.fps}-${spec.videoKbps}k-${spec.seconds}s${extra}.flv`;
  const file = join(mediaDir(), name);
  if (existsSync(file)) return file;
  log(`encoding ${name} with ffmpeg (once)...`);
  const tmp = `${file}.${process.pid}.tmp`;
  const k = spec.videoKbps;
  const args = [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=${spec.width}x${spec.height}:rate=${spec.fps}`,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', String(spec.seconds),
    '-vf', `noise=c0s=10:c0f=t+u:c1s=4:c1f=t+u:c2s=4:c2f=t+u,${spec.frameIndex === true ? `${frameIndexFilter()},` : ''}format=yuv420p`,
    '-c:v', 'libx264', '-preset', 'veryfast', '-bf', '0', '-g', String(gop), '-keyint_min', String(gop),
    '-sc_threshold', '0', '-b:v', `${k}k`, '-maxrate', `${k}k`, '-bufsize', `${k * 2}k`,
    '-c:a', 'aac', '-b:a', '96k', '-ac', '2',
    '-f', 'flv', tmp,
  ];
  const child = spawn(FFMPEG, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  if (code !== 0) throw new Error(`ffmpeg encode failed (${code}): ${err.slice(-2000)}`);
  renameSync(tmp, file);
  return file;
}

export interface FlvFile {
  readonly tags: readonly FlvTag[];
  /** Timestamp span of one loop (last tag + one frame), ms. */
  readonly loopMs: number;
  /** Media bytes (tag bodies) per second of one loop. */
  readonly bytesPerSecond: number;
}

export function readFlv(file: string): FlvFile {
  const tags: FlvTag[] = [];
  const demuxer = new FlvDemuxer((t) => tags.push({ ...t, body: Buffer.from(t.body) }));
  demuxer.push(readFileSync(file));
  let last = 0;
  let bytes = 0;
  for (const t of tags) {
    if (t.timestampMs > last) last = t.timestampMs;
    bytes += t.body.length;
  }
  const loopMs = last + 40;
  return { tags, loopMs, bytesPerSecond: (bytes / loopMs) * 1000 };
}
