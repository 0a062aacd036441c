/**
 * `cupola probe`'s measurement, pure: tracks, codecs and resolution from the stream description;
 * frame rate, bitrate and keyframe interval from the frames' own timestamps (not their arrival
 * times, so the GOP burst a server sends on connect does not inflate the numbers).
 */
import type { Frame, StreamDescription, TrackKind } from '../../../protocols/media/frame.ts';

interface TrackCounts {
  frames: number;
  bytes: number;
  keyframes: number;
  firstDts: number;
  lastDts: number;
  lastBytes: number;
  firstKeyframeDts: number | null;
  lastKeyframeDts: number | null;
}

export interface ProbeTrackReport {
  readonly kind: TrackKind;
  readonly codec: string;
  readonly width?: number;
  readonly height?: number;
  readonly profile?: number;
  readonly level?: number;
  /** Frame rate the stream declares (SPS VUI, onMetaData). */
  readonly declaredFps?: number;
  readonly sampleRate?: number;
  readonly channels?: number;
  readonly frames: number;
  readonly bytes: number;
  /** Frames per second over the measured span; null with fewer than two frames. */
  readonly fps: number | null;
  readonly bitrateBps: number | null;
  readonly keyframes: number;
  /** Mean time between keyframes (video), null with fewer than two. */
  readonly keyframeIntervalSeconds: number | null;
}

export interface ProbeReport {
  readonly url: string;
  readonly protocol: 'rtmp' | 'rtsp';
  /** Stream time covered by the measured frames (s). */
  readonly measuredSeconds: number;
  readonly tracks: readonly ProbeTrackReport[];
  /** Total bitrate of every track, null when not measurable. */
  readonly bitrateBps: number | null;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

export class ProbeMeter {
  #description: StreamDescription | null = null;
  #metadata: Readonly<Record<string, unknown>> | undefined;
  #counts = new Map<TrackKind, TrackCounts>();

  get description(): StreamDescription | null {
    return this.#description;
  }

  get frames(): number {
    let n = 0;
    for (const c of this.#counts.values()) n += c.frames;
    return n;
  }

  setDescription(desc: StreamDescription): void {
    this.#description = desc;
  }

  setMetadata(meta: Readonly<Record<string, unknown>>): void {
    this.#metadata = meta;
  }

  addFrame(frame: Frame): void {
    let c = this.#counts.get(frame.track);
    if (c === undefined) {
      c = { frames: 0, bytes: 0, keyframes: 0, firstDts: frame.dts, lastDts: frame.dts, lastBytes: 0, firstKeyframeDts: null, lastKeyframeDts: null };
      this.#counts.set(frame.track, c);
    }
    c.frames++;
    c.bytes += frame.payload.length;
    c.lastBytes = frame.payload.length;
    if (frame.dts < c.firstDts) c.firstDts = frame.dts;
    if (frame.dts > c.lastDts) c.lastDts = frame.dts;
    if (frame.keyframe && frame.track === 'video') {
      c.keyframes++;
      c.firstKeyframeDts ??= frame.dts;
      c.lastKeyframeDts = frame.dts;
    }
  }

  report(url: string, protocol: 'rtmp' | 'rtsp'): ProbeReport {
    const tracks: ProbeTrackReport[] = [];
    let span = 0;
    let totalBits = 0;
    let measurable = false;
    const d = this.#description;
    for (const kind of ['video', 'audio'] as const) {
      const info = kind === 'video' ? d?.video : d?.audio;
      const c = this.#counts.get(kind);
      if (info === undefined && c === undefined) continue;
      const trackSpanMs = c === undefined ? 0 : c.lastDts - c.firstDts;
      const fps = c !== undefined && c.frames >= 2 && trackSpanMs > 0 ? ((c.frames - 1) * 1000) / trackSpanMs : null;
      // Every frame but the last lies inside [first, last): bits over that span.
      const bitrate = c !== undefined && c.frames >= 2 && trackSpanMs > 0 ? ((c.bytes - c.lastBytes) * 8 * 1000) / trackSpanMs : null;
      if (bitrate !== null) {
        totalBits += bitrate;
        measurable = true;
      }
      span = Math.max(span, trackSpanMs);
      const gop =
        c !== undefined && c.keyframes >= 2 && c.firstKeyframeDts !== null && c.lastKeyframeDts !== null
          ? (c.lastKeyframeDts - c.firstKeyframeDts) / 1000 / (c.keyframes - 1)
          : null;
      const base = {
        kind,
        codec: info?.codec ?? 'unknown',
        frames: c?.frames ?? 0,
        bytes: c?.bytes ?? 0,
        fps,
        bitrateBps: bitrate,
        keyframes: c?.keyframes ?? 0,
        keyframeIntervalSeconds: gop,
      };
      if (kind === 'video') {
        const v = d?.video;
        tracks.push({
          ...base,
          ...(v?.width !== undefined ? { width: v.width } : {}),
          ...(v?.height !== undefined ? { height: v.height } : {}),
          ...(v?.profile !== undefined ? { profile: v.profile } : {}),
          ...(v?.level !== undefined ? { level: v.level } : {}),
          ...(v?.fps !== undefined ? { declaredFps: v.fps } : {}),
        });
      } else {
        const a = d?.audio;
        tracks.push({ ...base, ...(a !== undefined ? { sampleRate: a.sampleRate, channels: a.channels } : {}) });
      }
    }
    return {
      url,
      protocol,
      measuredSeconds: span / 1000,
      tracks,
      bitrateBps: measurable ? totalBits : null,
      ...(this.#metadata !== undefined ? { metadata: this.#metadata } : {}),
    };
  }
}

/** The URL without its password, for printing. */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return raw;
  }
}
