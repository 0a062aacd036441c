/**
 * MPEG-TS PES packets (H.264/H.265 Annex B video, AAC in ADTS) to Frames and a StreamDescription.
 * Video keeps its in-band parameter sets; the description is (re)announced when they change.
 * 33-bit 90 kHz timestamps are unwrapped into a continuous millisecond clock.
 *
 * The first description waits for every track the PMT lists (see `pushProgram`), as
 * protocols/flv/to-frames.ts holds its first description until the first frame: in MPEG-TS the AAC
 * configuration only arrives with the first audio PES, usually just after the first video one.
 * Announced at the first video frame, the stream would go live without audio and a reader starting
 * in between (an RTSP DESCRIBE) would never get it. Frames are held meanwhile, for at most
 * `holdMaxMs` of media (an announced track that never comes), then the stream starts without it.
 */
import type { AudioTrackInfo, Frame, StreamDescription, VideoCodec, VideoTrackInfo } from '../media/frame.ts';
import { joinLengthPrefixed } from '../media/frame.ts';
import { splitAnnexB } from '../codecs/annexb.ts';
import { H264NaluType, H265NaluType, h264NaluType, h265NaluType, isKeyframeNalu } from '../codecs/nalu.ts';
import { audioSpecificConfigFromAdts, parseAdtsHeader } from '../codecs/aac/adts.ts';
import {
  collectParameterSet,
  copyParameterSets,
  hasAllParameterSets,
  sameParameterSets,
  videoTrackFromParameterSets,
  type ParameterSets,
} from '../codecs/parameter-sets.ts';
import { StreamType, type PesPacket } from './ts-demuxer.ts';

export interface TsFrameSink {
  onDescription(desc: StreamDescription): void;
  onFrame(frame: Frame): void;
}

const WRAP_90K = 2 ** 33;
const AAC_SAMPLES_PER_FRAME = 1024;
/** Frames held before the first description, at most (memory bound whatever the timestamps). */
export const MAX_HELD_FRAMES = 256;

export interface TsToFramesOptions {
  /** Longest wait (media time) for a track the PMT lists before describing without it. Defaults to 1000 ms. */
  readonly holdMaxMs?: number;
}

/** Unwraps a 33-bit 90 kHz clock into a continuous one, in milliseconds. */
export class TimestampUnwrapper {
  #last: number | undefined;
  #total = 0;

  toMs(ts90k: number): number {
    if (this.#last === undefined) this.#total = ts90k;
    else {
      let delta = ts90k - this.#last;
      if (delta < -WRAP_90K / 2) delta += WRAP_90K;
      else if (delta > WRAP_90K / 2) delta -= WRAP_90K;
      this.#total += delta;
    }
    this.#last = ts90k;
    return this.#total / 90;
  }
}

export class TsToFrames {
  readonly #sink: TsFrameSink;
  readonly #clock = new TimestampUnwrapper();
  #video: VideoTrackInfo | undefined;
  #audio: AudioTrackInfo | undefined;
  #announced: StreamDescription | undefined;
  readonly #holdMaxMs: number;
  /** The PMT lists an AAC stream: the first description waits for its configuration. */
  #expectAudio = false;
  /** Frames waiting for the first description. */
  #held: Frame[] = [];
  /** Frames dropped because no parameter sets had been seen yet, or without timestamps. */
  droppedFrames = 0;

  constructor(sink: TsFrameSink, options: TsToFramesOptions = {}) {
    this.#sink = sink;
    this.#holdMaxMs = options.holdMaxMs ?? 1000;
  }

  /** The program's stream types (TsDemuxer's `onProgram`): which tracks the first description waits for. */
  pushProgram(streamTypes: readonly number[]): void {
    this.#expectAudio = streamTypes.includes(StreamType.AacAdts);
  }

  pushPes(pes: PesPacket): void {
    switch (pes.streamType) {
      case StreamType.H264:
        this.#videoPes('h264', pes);
        return;
      case StreamType.H265:
        this.#videoPes('h265', pes);
        return;
      case StreamType.AacAdts:
        this.#audioPes(pes);
        return;
      default:
        return; // a stream we do not carry (data, subtitles)
    }
  }

  #videoPes(codec: VideoCodec, pes: PesPacket): void {
    if (pes.pts === undefined) {
      this.droppedFrames++;
      return;
    }
    const nalus: Buffer[] = [];
    let keyframe = false;
    const sets: ParameterSets = {};
    for (const n of splitAnnexB(pes.data)) {
      if (isAccessUnitDelimiter(codec, n)) continue;
      collectParameterSet(codec, n, sets);
      if (isKeyframeNalu(codec, n)) keyframe = true;
      nalus.push(n);
    }
    if (hasAllParameterSets(codec, sets)) {
      const v = this.#video;
      if (v === undefined || v.codec !== codec || !sameParameterSets(v, sets)) {
        this.#video = videoTrackFromParameterSets(codec, copyParameterSets(sets));
      }
    }
    if (this.#video?.codec !== codec || nalus.length === 0) {
      this.droppedFrames++;
      return;
    }
    const pts = this.#clock.toMs(pes.pts);
    const dts = pes.dts === undefined ? pts : pts - tsDiffMs(pes.pts, pes.dts);
    this.#emit({ track: 'video', dts, pts, keyframe, payload: joinLengthPrefixed(nalus) });
  }

  #audioPes(pes: PesPacket): void {
    if (pes.pts === undefined) {
      this.droppedFrames++;
      return;
    }
    const data = pes.data;
    let off = 0;
    let index = 0;
    let baseMs: number | undefined;
    while (off < data.length) {
      const h = parseAdtsHeader(data, off);
      if (h === null || off + h.frameLength > data.length) break; // truncated tail: ffmpeg never writes one
      const a = this.#audio;
      if (a === undefined || a.sampleRate !== h.sampleRate || a.channels !== h.channels) {
        this.#audio = { codec: 'aac', sampleRate: h.sampleRate, channels: h.channels, config: audioSpecificConfigFromAdts(h) };
      }
      baseMs ??= this.#clock.toMs(pes.pts);
      if (this.#video !== undefined) {
        const t = baseMs + (index * AAC_SAMPLES_PER_FRAME * 1000) / h.sampleRate;
        this.#emit({ track: 'audio', dts: t, pts: t, keyframe: true, payload: data.subarray(off + h.headerLength, off + h.frameLength) });
      } else this.droppedFrames++; // no video description yet: readers could not start anyway
      index += h.rawDataBlocks;
      off += h.frameLength;
    }
  }

  /** Hands a frame out, or holds it until the first description has every expected track. */
  #emit(frame: Frame): void {
    if (this.#announced === undefined) {
      this.#held.push(frame);
      const waited = frame.dts - this.#held[0]!.dts;
      const complete = !this.#expectAudio || this.#audio !== undefined;
      if (!complete && waited < this.#holdMaxMs && this.#held.length < MAX_HELD_FRAMES) return;
      this.#announce();
      const held = this.#held;
      this.#held = [];
      for (const f of held) this.#sink.onFrame(f);
      return;
    }
    this.#announce();
    this.#sink.onFrame(frame);
  }

  /** Announces the description when it differs from the last one announced. */
  #announce(): void {
    const v = this.#video;
    const a = this.#audio;
    const last = this.#announced;
    if (last !== undefined && last.video === v && last.audio === a) return;
    const desc: StreamDescription = { ...(v !== undefined ? { video: v } : {}), ...(a !== undefined ? { audio: a } : {}) };
    this.#announced = desc;
    this.#sink.onDescription(desc);
  }
}

function isAccessUnitDelimiter(codec: VideoCodec, nalu: Buffer): boolean {
  return codec === 'h264' ? h264NaluType(nalu) === H264NaluType.AccessUnitDelimiter : h265NaluType(nalu) === H265NaluType.AccessUnitDelimiter;
}

/** pts - dts in ms for 33-bit values, across a wrap. */
function tsDiffMs(pts: number, dts: number): number {
  let d = pts - dts;
  if (d < -WRAP_90K / 2) d += WRAP_90K;
  else if (d > WRAP_90K / 2) d -= WRAP_90K;
  return d / 90;
}
