/**
 * Encodes placeholder clips with the bundled ffmpeg as a child process (never on the main loop's
 * time): the clip's frames are parsed from ffmpeg's stdout with the compressor's container parser.
 * Clips are cached per spec while some feed holds them, and at most MAX_CONCURRENT_ENCODES ffmpegs
 * run at once, so a site whose cameras all drop together costs bounded CPU.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame, VideoTrackInfo } from '../../protocols/media/frame.ts';
import { createContainerParser } from '../../workers/container-parser.ts';
import { spawnWatched } from '../../workers/watched-spawn.ts';
import { clipKey, placeholderArgs, placeholderContainer, type PlaceholderClipSpec } from './placeholder-args.ts';

/** One encoded GOP, timestamps from 0, looped by a feed every periodMs. */
export interface PlaceholderClip {
  readonly video: VideoTrackInfo;
  /** Video and audio frames in decode order, dts in [0, periodMs). */
  readonly frames: readonly Frame[];
  readonly periodMs: number;
}

export type EncodeClip = (spec: PlaceholderClipSpec, signal: AbortSignal) => Promise<PlaceholderClip>;

/** ffmpeg runs at once over all placeholders of this process. */
export const MAX_CONCURRENT_ENCODES = 2;
/** An encode taking longer than this is killed (ms). */
const ENCODE_TIMEOUT_MS = 30_000;
/** stdout bytes accepted from one encode: a one-second clip of a still picture is tens of KiB. */
const MAX_CLIP_BYTES = 32 * 1024 * 1024;
const STDERR_TAIL_CHARS = 1000;
/** ffmpeg's AAC encoder: AAC LC, 1024 samples per access unit. */
const AAC_SAMPLES_PER_FRAME = 1024;

export class PlaceholderEncodeError extends Error {
  override readonly name = 'PlaceholderEncodeError';
}

/** Runs the bundled ffmpeg once per clip. Without `fontFile` the pictures carry no text. */
export function ffmpegClipEncoder(ffmpegPath: string, fontFile: string | undefined): EncodeClip {
  return async (spec, signal) => {
    const dir = fontFile !== undefined && spec.lines.length > 0 ? await mkdtemp(join(tmpdir(), 'cupola-placeholder-')) : undefined;
    try {
      const textFile = dir === undefined ? undefined : join(dir, 'text.txt');
      if (textFile !== undefined) await writeFile(textFile, spec.lines.join('\n'));
      const args = placeholderArgs(spec, { ...(textFile === undefined ? {} : { textFile }), ...(fontFile === undefined ? {} : { fontFile }) });
      return await runEncode(ffmpegPath, args, spec, signal);
    } finally {
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    }
  };
}

function runEncode(ffmpegPath: string, args: readonly string[], spec: PlaceholderClipSpec, signal: AbortSignal): Promise<PlaceholderClip> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new PlaceholderEncodeError('aborted'));
    const proc = spawnWatched(ffmpegPath, args, { extraPipes: 0 });
    let video: VideoTrackInfo | undefined;
    const frames: Frame[] = [];
    let bytes = 0;
    let stderr = '';
    let failure: string | undefined;
    const kill = (why: string): void => {
      failure ??= why;
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    };
    const parser = createContainerParser(placeholderContainer(spec.codec), {
      onDescription: (d) => (video = d.video ?? video),
      onMetadata: () => {},
      onFrame: (f) => void frames.push(f),
    });
    const timer = setTimeout(() => kill(`no clip within ${ENCODE_TIMEOUT_MS} ms`), ENCODE_TIMEOUT_MS);
    const onAbort = (): void => kill('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
    proc.stdout!.on('data', (b: Buffer) => {
      if (failure !== undefined) return;
      bytes += b.length;
      if (bytes > MAX_CLIP_BYTES) return kill(`clip larger than ${MAX_CLIP_BYTES} bytes`);
      try {
        parser.push(b);
      } catch (err) {
        kill(`unreadable ffmpeg output: ${(err as Error).message}`);
      }
    });
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (s: string) => (stderr = (stderr + s).slice(-STDERR_TAIL_CHARS)));
    let settled = false;
    const finish = (code: number | null, spawnError?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (spawnError !== undefined) return reject(new PlaceholderEncodeError(`ffmpeg did not start: ${spawnError.message}`));
      if (failure !== undefined) return reject(new PlaceholderEncodeError(failure));
      if (code !== 0) return reject(new PlaceholderEncodeError(`ffmpeg exited with ${code}: ${stderr.trim().split('\n').at(-1) ?? ''}`));
      try {
        resolve(clipFrom(video, frames, spec));
      } catch (err) {
        reject(err);
      }
    };
    proc.on('error', (err) => finish(null, err));
    // 'close': stdout is drained, every frame parsed.
    proc.on('close', (code) => finish(code));
  });
}

/**
 * Timestamps from the keyframe's (containers start at an offset; AAC priming puts audio a frame
 * ahead), the loop period, audio outside [0, period) cut: the keyframe is the loop's first frame.
 */
export function clipFrom(video: VideoTrackInfo | undefined, frames: readonly Frame[], spec: PlaceholderClipSpec): PlaceholderClip {
  const videoFrames = frames.filter((f) => f.track === 'video');
  if (video === undefined || video.sps === undefined || videoFrames.length === 0 || !videoFrames[0]!.keyframe) {
    throw new PlaceholderEncodeError('ffmpeg produced no decodable video');
  }
  const base = videoFrames[0]!.dts;
  const periodMs = (videoFrames.length * 1000) / spec.fps;
  // An AAC frame is 1024 samples; one that would still play at the loop's end is cut, so looped
  // audio never overlaps itself (it leaves a gap of under one frame per loop instead).
  const audioFrameMs = spec.audio === undefined ? 0 : (AAC_SAMPLES_PER_FRAME * 1000) / spec.audio.sampleRate;
  const out = frames
    .map((f) => (base === 0 ? f : { ...f, dts: f.dts - base, pts: f.pts - base }))
    .filter((f) => f.track === 'video' || (f.dts >= 0 && f.dts + audioFrameMs <= periodMs + 1))
    .sort((a, b) => a.dts - b.dts || (a.track === 'video' ? -1 : 1));
  return { video, frames: out, periodMs };
}

interface CacheEntry {
  readonly clip: Promise<PlaceholderClip>;
  readonly abort: AbortController;
  users: number;
}

/**
 * Clips by spec: one encode for every feed asking the same spec while it is held; dropped (and its
 * encode aborted) when the last holder releases it. Encodes beyond MAX_CONCURRENT_ENCODES wait.
 */
export class ClipCache {
  readonly #encode: EncodeClip;
  readonly #entries = new Map<string, CacheEntry>();
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(encode: EncodeClip) {
    this.#encode = encode;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The clip of `spec` and the function that releases it (call once). */
  acquire(spec: PlaceholderClipSpec): { clip: Promise<PlaceholderClip>; release: () => void } {
    const key = clipKey(spec);
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      const abort = new AbortController();
      entry = { clip: this.#queued(() => this.#encode(spec, abort.signal)), abort, users: 0 };
      // A failed encode is not cached: the next asker tries again.
      entry.clip.catch(() => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
      });
      this.#entries.set(key, entry);
    }
    entry.users++;
    const held = entry;
    let released = false;
    return {
      clip: held.clip,
      release: () => {
        if (released) return;
        released = true;
        if (--held.users > 0 || this.#entries.get(key) !== held) return;
        this.#entries.delete(key);
        held.abort.abort(); // ends an encode still running; nothing once it is done
      },
    };
  }

  async #queued<T>(run: () => Promise<T>): Promise<T> {
    while (this.#running >= MAX_CONCURRENT_ENCODES) await new Promise<void>((r) => this.#waiting.push(r));
    this.#running++;
    try {
      return await run();
    } finally {
      this.#running--;
      this.#waiting.shift()?.();
    }
  }
}
