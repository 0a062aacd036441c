/**
 * One stream's placeholder: while its camera is away, a stand-in publication (StreamRegistry
 * .publishStandIn) plays an encoded clip in a loop, in real time, so every output's readers keep
 * receiving a picture through the normal path. The clip's text (the time since the camera dropped)
 * is re-encoded every refreshMs and swapped in at a loop boundary (a keyframe). The feed stops when
 * the camera is back (it pre-empts the stand-in), when no reader is left, or when the camera is no
 * longer wanted always-available (removed, disabled, setting off).
 */
import type { AudioTrackInfo, StreamDescription, VideoTrackInfo } from '../../protocols/media/frame.ts';
import { AudioObjectType, parseAudioSpecificConfig } from '../../protocols/codecs/aac/audio-specific-config.ts';
import { isProtocolError } from '../../protocols/errors.ts';
import type { Logger } from '../log/logger.ts';
import type { Publication, StreamRegistry } from '../streams/registry.ts';
import type { Stream } from '../streams/stream.ts';
import { DEFAULT_PLACEHOLDER_FPS, DEFAULT_PLACEHOLDER_SIZE, type PlaceholderClipSpec } from './placeholder-args.ts';
import type { ClipCache, PlaceholderClip } from './placeholder-encoder.ts';

/** A feed this far behind its schedule (event loop stalled) skips ahead instead of bursting (ms). */
const MAX_LAG_MS = 1000;

export interface PlaceholderFeedDeps {
  readonly registry: StreamRegistry;
  readonly stream: Stream;
  readonly clips: ClipCache;
  readonly now: () => number;
  /** Checked at every loop boundary: false stops the feed (camera removed, disabled, setting off). */
  readonly wanted: () => boolean;
  /** How often the text (time since the drop) is re-encoded (ms). */
  readonly refreshMs: number;
  readonly log: Logger;
  /** Called once when the feed has stopped. */
  readonly onStop: () => void;
}

interface HeldClip {
  readonly clip: PlaceholderClip;
  readonly release: () => void;
}

export class PlaceholderFeed {
  readonly #d: PlaceholderFeedDeps;
  readonly #base: Omit<PlaceholderClipSpec, 'lines'>;
  /** The camera's audio track, kept in the description so RTSP readers' tracks stay the same. */
  readonly #audio: AudioTrackInfo | undefined;
  readonly #droppedAtMs: number;
  #publication: Publication | null = null;
  #current: HeldClip | null = null;
  #next: HeldClip | null = null;
  #video: VideoTrackInfo | undefined;
  #index = 0;
  #loopBaseMs = 0;
  /** Wall clock (ms) at which clip time 0 of loop 0 is due. */
  #anchorMs = 0;
  #timer: NodeJS.Timeout | undefined;
  #refreshTimer: NodeJS.Timeout | undefined;
  #stopped = false;

  /** `description`: the camera's last one; returns null when it has no video to imitate. */
  static create(deps: PlaceholderFeedDeps, description: StreamDescription | null): PlaceholderFeed | null {
    const video = description?.video;
    if (video === undefined) return null;
    return new PlaceholderFeed(deps, video, description?.audio);
  }

  private constructor(deps: PlaceholderFeedDeps, video: VideoTrackInfo, audio: AudioTrackInfo | undefined) {
    this.#d = deps;
    this.#droppedAtMs = deps.now();
    this.#audio = audio;
    const measured = Math.round(video.fps ?? deps.stream.fps());
    const fps = measured >= 1 && measured <= 60 ? measured : DEFAULT_PLACEHOLDER_FPS;
    const size = video.width !== undefined && video.height !== undefined ? { width: evenSize(video.width), height: evenSize(video.height) } : DEFAULT_PLACEHOLDER_SIZE;
    const silence = silenceFormat(audio);
    this.#base = { codec: video.codec, ...size, fps, ...(silence === undefined ? {} : { audio: silence }) };
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** The stand-in publication once the first clip is playing. */
  get publication(): Publication | null {
    return this.#publication;
  }

  /** Encodes the first clip, then takes the stream as its stand-in and starts playing. */
  async start(): Promise<void> {
    let first: HeldClip;
    try {
      first = await this.#encode();
    } catch (err) {
      if (!this.#stopped) this.#d.log.warn('placeholder encode failed; readers get the grace period', { stream: this.#d.stream.path, err: (err as Error).message });
      this.stop();
      return;
    }
    if (this.#stopped) return first.release();
    const publication = this.#d.registry.publishStandIn(this.#d.stream.path, 'placeholder');
    if (publication === null) {
      // The camera came back or the readers left while the clip was encoding.
      first.release();
      this.stop();
      return;
    }
    this.#publication = publication;
    this.#current = first;
    this.#describe(first.clip);
    this.#anchorMs = this.#d.now();
    this.#d.log.info('camera offline: placeholder feeds its readers', { stream: this.#d.stream.path, readers: this.#d.stream.subscriberCount });
    this.#tick();
    this.#scheduleRefresh();
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#refreshTimer);
    this.#current?.release();
    this.#next?.release();
    this.#current = this.#next = null;
    if (this.#publication !== null && !this.#publication.closed) this.#publication.close();
    this.#d.onStop();
  }

  #tick(): void {
    this.#timer = undefined;
    const pub = this.#publication;
    if (this.#stopped || pub === null) return;
    if (pub.closed || this.#d.stream.subscriberCount === 0) return this.stop();
    const now = this.#d.now();
    for (;;) {
      const clip = this.#current!.clip;
      const frame = clip.frames[this.#index]!;
      const dueMs = this.#anchorMs + this.#loopBaseMs + frame.dts;
      if (dueMs > now) {
        this.#timer = setTimeout(() => this.#tick(), dueMs - now);
        this.#timer.unref();
        return;
      }
      if (now - dueMs > MAX_LAG_MS) this.#anchorMs = now - this.#loopBaseMs - frame.dts;
      pub.pushFrame({ ...frame, dts: frame.dts + this.#loopBaseMs, pts: frame.pts + this.#loopBaseMs });
      if (++this.#index < clip.frames.length) continue;
      // Loop boundary: the next frame is the clip's keyframe again.
      this.#index = 0;
      this.#loopBaseMs += clip.periodMs;
      if (!this.#d.wanted()) return this.stop();
      if (this.#next !== null) {
        this.#current!.release();
        this.#current = this.#next;
        this.#next = null;
        this.#describe(this.#current.clip);
      }
    }
  }

  #scheduleRefresh(): void {
    this.#refreshTimer = setTimeout(() => {
      this.#encode().then(
        (held) => {
          if (this.#stopped) return held.release();
          this.#next?.release();
          this.#next = held;
          this.#scheduleRefresh();
        },
        (err: Error) => {
          if (this.#stopped) return;
          // Keep looping the clip we have; try again at the next refresh.
          this.#d.log.warn('placeholder refresh failed', { stream: this.#d.stream.path, err: err.message });
          this.#scheduleRefresh();
        },
      );
    }, this.#d.refreshMs);
    this.#refreshTimer.unref();
  }

  async #encode(): Promise<HeldClip> {
    const held = this.#d.clips.acquire({ ...this.#base, lines: placeholderLines(this.#d.stream.path, this.#droppedAtMs, this.#d.now()) });
    try {
      return { clip: await held.clip, release: held.release };
    } catch (err) {
      held.release();
      throw err;
    }
  }

  /** Publishes the clip's parameter sets when they differ from the ones readers have. */
  #describe(clip: PlaceholderClip): void {
    const v = clip.video;
    const same = this.#video !== undefined && eq(this.#video.sps, v.sps) && eq(this.#video.pps, v.pps) && eq(this.#video.vps, v.vps);
    this.#video = v;
    if (same) return;
    this.#publication?.setDescription({ video: v, ...(this.#audio === undefined ? {} : { audio: this.#audio }) });
  }
}

/** The placeholder's text: what, which camera, since when. */
export function placeholderLines(path: string, droppedAtMs: number, nowMs: number): string[] {
  const since = new Date(droppedAtMs).toISOString().slice(11, 19);
  return ['camera offline', path, `since ${since} UTC (${formatElapsed(nowMs - droppedAtMs)} ago)`];
}

export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} days`;
}

/**
 * AAC silence the camera's decoders take: AAC LC (what ffmpeg's encoder makes) at the camera's
 * rate and channel count. Other audio (HE-AAC, G.711, MP3): no audio frames during the outage.
 */
function silenceFormat(audio: AudioTrackInfo | undefined): PlaceholderClipSpec['audio'] {
  if (audio?.codec !== 'aac' || audio.config === undefined) return undefined;
  try {
    const asc = parseAudioSpecificConfig(audio.config);
    if (asc.objectType !== AudioObjectType.AacLc || asc.extensionObjectType !== undefined) return undefined;
    if (asc.channels !== 1 && asc.channels !== 2) return undefined;
    return { sampleRate: asc.sampleRate, channels: asc.channels };
  } catch (err) {
    if (isProtocolError(err)) return undefined; // a config we cannot read: stay silent rather than guess
    throw err;
  }
}

function evenSize(n: number): number {
  return Math.min(7680, Math.max(16, n - (n % 2)));
}

function eq(a: Buffer | undefined, b: Buffer | undefined): boolean {
  return a === undefined || b === undefined ? a === b : a.equals(b);
}
