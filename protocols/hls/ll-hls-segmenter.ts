/**
 * LL-HLS segmentation of one stream (RFC 8216bis §4.4.4.9, Partial Segments), pure: frames in,
 * fMP4 parts and segments out, in a bounded window. A part closes at the first frame boundary at or
 * after `partMs`, and early at a keyframe that starts a segment; a segment closes once it is
 * `segmentMs` long, at a keyframe when the GOP is short (whole GOPs), else at the part boundary
 * (the next segment then starts without a keyframe). Each part is one `moof`/`mdat`; a segment
 * is its parts back to back. Frames before the first video keyframe are skipped, so the first
 * segment starts at the GOP cache's keyframe.
 */
import type { Frame } from '../media/frame.ts';
import { buildFragment, type Mp4Sample, type Mp4TrackRun } from '../mp4/fragment.ts';
import { buildInitSegment } from '../mp4/init-segment.ts';
import type { Mp4Track } from '../mp4/track.ts';

export interface SegmenterOptions {
  /** Part target duration (ms). */
  readonly partMs: number;
  /** Segment target duration (ms). */
  readonly segmentMs: number;
  /** Complete segments kept (the playlist's window). */
  readonly windowSegments: number;
}

export interface HlsPart {
  readonly msn: number;
  readonly index: number;
  readonly durationMs: number;
  /** Starts with a keyframe: a player can start decoding here. */
  readonly independent: boolean;
  readonly data: Buffer;
  readonly frames: number;
}

export interface HlsSegment {
  readonly msn: number;
  readonly parts: readonly HlsPart[];
  readonly durationMs: number;
  readonly independent: boolean;
}

interface PendingSample {
  readonly dts: number;
  readonly cto: number;
  readonly sync: boolean;
  readonly data: Buffer;
}

interface TrackState {
  readonly track: Mp4Track;
  pending: PendingSample[];
}

export class LlHlsSegmenter {
  readonly init: Buffer;
  readonly tracks: readonly Mp4Track[];
  /** EXT-X-TARGETDURATION (s): segments never exceed it (short GOPs may make one up to twice segmentMs). */
  readonly targetDurationS: number;
  /** EXT-X-PART-INF PART-TARGET (s). */
  readonly partTargetS: number;
  readonly #options: SegmenterOptions;
  readonly #states: TrackState[];
  readonly #primary: 'video' | 'audio';
  readonly #segments: HlsSegment[] = [];
  #openParts: HlsPart[] = [];
  #msn = 0;
  #fragmentSeq = 1;
  /** dts (ms) of the stream's first frame taken: time 0 of every track. */
  #base: number | undefined;
  #partStart = 0;
  #segmentStart = 0;
  #lastKeyframe: number | undefined;
  #gopMs: number | undefined;
  #framesInPart = 0;
  #partIndependent = false;

  constructor(tracks: readonly Mp4Track[], options: SegmenterOptions) {
    this.tracks = tracks;
    this.#options = options;
    this.init = buildInitSegment(tracks);
    this.#states = tracks.map((track) => ({ track, pending: [] }));
    this.#primary = tracks.some((t) => t.kind === 'video') ? 'video' : 'audio';
    this.targetDurationS = Math.max(1, Math.ceil((2 * options.segmentMs) / 1000));
    this.partTargetS = options.partMs / 1000;
  }

  /** Complete segments in the window, oldest first. */
  get segments(): readonly HlsSegment[] {
    return this.#segments;
  }

  /** Parts of the segment being made (its msn is `nextMsn`). */
  get openParts(): readonly HlsPart[] {
    return this.#openParts;
  }

  get nextMsn(): number {
    return this.#msn;
  }

  /** Whether the segmenter has taken a first frame (a keyframe, when there is video). */
  get started(): boolean {
    return this.#base !== undefined;
  }

  /** The part `index` of segment `msn`, if it is (still) held. */
  part(msn: number, index: number): HlsPart | undefined {
    if (msn === this.#msn) return this.#openParts[index];
    return this.segment(msn)?.parts[index];
  }

  segment(msn: number): HlsSegment | undefined {
    const first = this.#segments[0];
    return first === undefined ? undefined : this.#segments[msn - first.msn];
  }

  /** Takes one frame; returns the parts it completed (zero or one). */
  push(frame: Frame): HlsPart[] {
    const state = this.#states.find((s) => s.track.kind === frame.track);
    if (state === undefined) return [];
    const primary = frame.track === this.#primary;
    const key = primary && (frame.track === 'audio' || frame.keyframe);
    if (this.#base === undefined) {
      if (!key) return []; // wait for the first keyframe
      this.#base = frame.dts;
      this.#partStart = this.#segmentStart = frame.dts;
      this.#partIndependent = true;
    }
    const made: HlsPart[] = [];
    if (primary && this.#framesInPart > 0) {
      const partMs = frame.dts - this.#partStart;
      const segMs = frame.dts - this.#segmentStart;
      const shortGop = this.#gopMs !== undefined && this.#gopMs <= this.#options.segmentMs;
      const segmentDue = segMs >= this.#options.segmentMs && (key || !shortGop);
      const forced = segMs + this.#options.partMs > this.targetDurationS * 1000;
      if (partMs >= this.#options.partMs || (segmentDue && key)) {
        made.push(this.#closePart(frame));
        if (segmentDue || forced) this.#closeSegment(frame.dts);
      }
    }
    if (key && frame.track === 'video') {
      if (this.#lastKeyframe !== undefined) this.#gopMs = frame.dts - this.#lastKeyframe;
      this.#lastKeyframe = frame.dts;
    }
    if (primary && this.#framesInPart === 0) this.#partIndependent = key;
    const ts = state.track.timescale;
    const dts = Math.round(((frame.dts - this.#base) * ts) / 1000);
    const pts = Math.round(((frame.pts - this.#base) * ts) / 1000);
    state.pending.push({ dts, cto: pts - dts, sync: frame.track === 'audio' || frame.keyframe, data: frame.payload });
    if (primary) this.#framesInPart++;
    return made;
  }

  /** Closes the open part before `next` (a frame of the primary track). */
  #closePart(next: Frame): HlsPart {
    const runs: Mp4TrackRun[] = [];
    let frames = 0;
    for (const s of this.#states) {
      const primary = s.track.kind === this.#primary;
      const ts = s.track.timescale;
      const nextDts = primary ? Math.round(((next.dts - this.#base!) * ts) / 1000) : undefined;
      // Another track's last sample has no known duration yet: it waits for the next part.
      const take = primary ? s.pending.length : Math.max(0, s.pending.length - 1);
      if (take === 0) continue;
      const samples: Mp4Sample[] = [];
      for (let i = 0; i < take; i++) {
        const p = s.pending[i]!;
        const following = i + 1 < s.pending.length ? s.pending[i + 1]!.dts : nextDts!;
        samples.push({ duration: following - p.dts, compositionOffset: p.cto, sync: p.sync, data: p.data });
      }
      runs.push({ trackId: s.track.id, baseDecodeTime: s.pending[0]!.dts, samples });
      s.pending = s.pending.slice(take);
      frames += take;
    }
    const part: HlsPart = {
      msn: this.#msn,
      index: this.#openParts.length,
      durationMs: next.dts - this.#partStart,
      independent: this.#partIndependent,
      data: buildFragment(this.#fragmentSeq++, runs),
      frames,
    };
    this.#openParts.push(part);
    this.#partStart = next.dts;
    this.#framesInPart = 0;
    return part;
  }

  #closeSegment(nextDts: number): void {
    const parts = this.#openParts;
    this.#segments.push({ msn: this.#msn, parts, durationMs: nextDts - this.#segmentStart, independent: parts[0]?.independent ?? false });
    while (this.#segments.length > this.#options.windowSegments) this.#segments.shift();
    this.#msn++;
    this.#openParts = [];
    this.#segmentStart = nextDts;
  }
}
