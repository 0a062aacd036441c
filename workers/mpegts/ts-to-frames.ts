/**
 * MPEG-TS PES packets (H.264/H.265 Annex B video, AAC in ADTS) to Frames and a StreamDescription.
 * Video keeps its in-band parameter sets; the description is (re)announced when they change.
 * 33-bit 90 kHz timestamps are unwrapped into a continuous millisecond clock.
 */
import type { AudioTrackInfo, Frame, StreamDescription, VideoCodec, VideoTrackInfo } from '../../protocols/media/frame.ts';
import { joinLengthPrefixed } from '../../protocols/media/frame.ts';
import { splitAnnexB } from '../../protocols/codecs/annexb.ts';
import { H264NaluType, H265NaluType, h264NaluType, h265NaluType, isKeyframeNalu } from '../../protocols/codecs/nalu.ts';
import { audioSpecificConfigFromAdts, parseAdtsHeader } from '../../protocols/codecs/aac/adts.ts';
import { videoTrackFromParameterSets } from '../../protocols/flv/video-track.ts';
import { StreamType, type PesPacket } from './ts-demuxer.ts';

export interface TsFrameSink {
  onDescription(desc: StreamDescription): void;
  onFrame(frame: Frame): void;
}

const WRAP_90K = 2 ** 33;
const AAC_SAMPLES_PER_FRAME = 1024;

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
  /** Frames dropped because no parameter sets had been seen yet, or without timestamps. */
  droppedFrames = 0;

  constructor(sink: TsFrameSink) {
    this.#sink = sink;
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
    let vps: Buffer | undefined;
    let sps: Buffer | undefined;
    let pps: Buffer | undefined;
    for (const n of splitAnnexB(pes.data)) {
      const t = codec === 'h264' ? h264NaluType(n) : h265NaluType(n);
      if (codec === 'h264') {
        if (t === H264NaluType.AccessUnitDelimiter) continue;
        if (t === H264NaluType.Sps) sps = n;
        else if (t === H264NaluType.Pps) pps = n;
      } else {
        if (t === H265NaluType.AccessUnitDelimiter) continue;
        if (t === H265NaluType.Vps) vps = n;
        else if (t === H265NaluType.Sps) sps = n;
        else if (t === H265NaluType.Pps) pps = n;
      }
      if (isKeyframeNalu(codec, n)) keyframe = true;
      nalus.push(n);
    }
    if (sps !== undefined && pps !== undefined && (codec === 'h264' || vps !== undefined)) {
      const v = this.#video;
      if (v === undefined || v.codec !== codec || !same(v.sps, sps) || !same(v.pps, pps) || !same(v.vps, vps)) {
        const copy = (b: Buffer | undefined): Buffer | undefined => (b === undefined ? undefined : Buffer.from(b));
        this.#video = videoTrackFromParameterSets(codec, copy(vps), copy(sps), copy(pps));
      }
    }
    if (this.#video?.codec !== codec || nalus.length === 0) {
      this.droppedFrames++;
      return;
    }
    this.#announce();
    const pts = this.#clock.toMs(pes.pts);
    const dts = pes.dts === undefined ? pts : pts - tsDiffMs(pes.pts, pes.dts);
    this.#sink.onFrame({ track: 'video', dts, pts, keyframe, payload: joinLengthPrefixed(nalus) });
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
        this.#announce();
        const t = baseMs + (index * AAC_SAMPLES_PER_FRAME * 1000) / h.sampleRate;
        this.#sink.onFrame({ track: 'audio', dts: t, pts: t, keyframe: true, payload: data.subarray(off + h.headerLength, off + h.frameLength) });
      } else this.droppedFrames++; // no video description yet: readers could not start anyway
      index += h.rawDataBlocks;
      off += h.frameLength;
    }
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

function same(a: Buffer | undefined, b: Buffer | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.equals(b);
}

/** pts - dts in ms for 33-bit values, across a wrap. */
function tsDiffMs(pts: number, dts: number): number {
  let d = pts - dts;
  if (d < -WRAP_90K / 2) d += WRAP_90K;
  else if (d > WRAP_90K / 2) d -= WRAP_90K;
  return d / 90;
}
