/**
 * FlvToFrames: FLV tags (from an RTMP publisher or an FLV byte stream) to internal Frames, keeping
 * the codec state between tags: decoder configuration, NAL unit length size, AAC config, metadata.
 */
import type { AudioTrackInfo, Frame, StreamDescription, VideoCodec, VideoTrackInfo } from '../media/frame.ts';
import { ProtocolError } from '../errors.ts';
import { isKeyframeNalu } from '../codecs/nalu.ts';
import { collectParameterSet, copyParameterSets, hasAllParameterSets, videoTrackFromParameterSets, type ParameterSets } from '../codecs/parameter-sets.ts';
import { parseAudioSpecificConfig } from '../codecs/aac/audio-specific-config.ts';
import { decodeAmf0 } from '../rtmp/amf0/amf0-decoder.ts';
import { isAmfObject } from '../rtmp/amf0/amf-value.ts';
import type { AmfObject } from '../rtmp/amf0/amf-value.ts';
import { FlvTagType, SoundFormat } from './constants.ts';
import { parseVideoTagBody } from './video-tag.ts';
import { parseAudioTagBody } from './audio-tag.ts';
import { forEachNaluHeader, toFourByteLengths } from './nalu-lengths.ts';
import { videoTrackFromConfig } from './video-track.ts';
import { ownedCopy } from '../bytes/owned-copy.ts';

export interface FlvToFramesResult {
  /**
   * The whole new description, present when this tag changed it; before the first frame, held back
   * and returned with that frame (so the first one has every track the encoder configured).
   */
  readonly description?: StreamDescription;
  /** onMetaData (plain tag or RTMP `@setDataFrame`), present when this tag carried it. */
  readonly metadata?: AmfObject;
  readonly frames: Frame[];
}

const NOTHING: FlvToFramesResult = Object.freeze({ frames: [] });

/**
 * A payload that is a small view of a large received Buffer (a socket read, a pipe chunk) would
 * pin the whole parent while the GOP cache holds it: such payloads are copied out.
 */
const PIN_RATIO = 4;
const PIN_MIN_PARENT_BYTES = 16 * 1024;

function compact(payload: Buffer): Buffer {
  const parent = payload.buffer.byteLength;
  return parent >= PIN_MIN_PARENT_BYTES && payload.length * PIN_RATIO < parent ? Buffer.from(payload) : payload;
}

export class FlvToFrames {
  #video: VideoTrackInfo | undefined;
  #videoConfig: Buffer | undefined;
  #lengthSize = 4;
  #audio: AudioTrackInfo | undefined;
  #audioConfig: Buffer | undefined;
  #metadata: AmfObject | undefined;
  /**
   * A frame has been emitted. Until then description changes are held back: an encoder sends the
   * sequence headers of all its tracks before the first frame (ffmpeg's FLV muxer writes them all in
   * its header), so the first description, returned with the first frame, has every track. Announced
   * at the video header instead, a stream would go live without its audio and readers that start in
   * between (RTSP DESCRIBE, a compressor's ffmpeg) would never get it.
   */
  #flowing = false;
  #lastRawTs: number | undefined;
  #tsMs = 0;
  /** Frames that arrived before their codec configuration or were corrupt. */
  droppedFrames = 0;
  /** Tags of codecs or kinds we do not carry (unsupported audio, command frames, cue points). */
  ignoredTags = 0;

  get description(): StreamDescription {
    return describe(this.#video, this.#audio);
  }

  get metadata(): AmfObject | undefined {
    return this.#metadata;
  }

  /** Feeds one tag (`type` is FlvTagType). Throws ProtocolError on a malformed body. */
  pushTag(type: number, timestampMs: number, body: Buffer): FlvToFramesResult {
    const dts = this.#unwrap(timestampMs);
    switch (type) {
      case FlvTagType.Video:
        return this.#onVideoTag(dts, body);
      case FlvTagType.Audio:
        return this.#onAudioTag(dts, body);
      case FlvTagType.Script:
        return this.#onScriptTag(body);
      default:
        this.ignoredTags++;
        return NOTHING;
    }
  }

  /** RTMP/FLV timestamps are 32-bit ms and wrap after ~49.7 days: keep a continuous clock. */
  #unwrap(ts: number): number {
    if (this.#lastRawTs === undefined) this.#tsMs = ts;
    else this.#tsMs += (ts - this.#lastRawTs) | 0;
    this.#lastRawTs = ts;
    return this.#tsMs;
  }

  #changed(): FlvToFramesResult {
    return this.#flowing ? { description: this.description, frames: [] } : NOTHING;
  }

  /** `frame`, with the description when it changed or when this is the first frame. */
  #withFrame(frame: Frame, changed: boolean): FlvToFramesResult {
    const first = !this.#flowing;
    this.#flowing = true;
    return changed || first ? { description: this.description, frames: [frame] } : { frames: [frame] };
  }

  #onVideoTag(dts: number, body: Buffer): FlvToFramesResult {
    const tag = parseVideoTagBody(body);
    switch (tag.kind) {
      case 'ignored':
      case 'sequence-end':
        this.ignoredTags++;
        return NOTHING;
      case 'unsupported':
        throw new ProtocolError('FLV_VIDEO_CODEC_UNSUPPORTED', `video codec ${tag.codec} is not supported`);
      case 'sequence-start': {
        if (tag.config.length === 0) return NOTHING; // some encoders send an empty one when stopping
        if (this.#videoConfig !== undefined && this.#video?.codec === tag.codec && this.#videoConfig.equals(tag.config)) {
          return NOTHING; // repeated before every keyframe by some encoders
        }
        // Kept for the stream's life (the track's parameter sets are views of it): its own bytes,
        // not a slice that pins a shared 8 KiB pool or the message it came in.
        const config = ownedCopy(tag.config);
        const parsed = videoTrackFromConfig(tag.codec, config);
        this.#videoConfig = config;
        this.#lengthSize = parsed.lengthSize;
        this.#video = withMetadataFps(parsed.track, this.#metadata);
        return this.#changed();
      }
      case 'coded-frame':
        return this.#videoFrame(tag.codec, dts, tag.cts, tag.keyframe, tag.data);
    }
  }

  #videoFrame(codec: VideoCodec, dts: number, cts: number, flvKeyframe: boolean, data: Buffer): FlvToFramesResult {
    const payload = toFourByteLengths(data, this.#video?.codec === codec ? this.#lengthSize : 4);
    if (payload === null || payload.length === 0) {
      this.droppedFrames++;
      return NOTHING;
    }
    let keyframe = flvKeyframe;
    const params: ParameterSets = {};
    forEachNaluHeader(payload, (_first, nalu) => {
      if (isKeyframeNalu(codec, nalu)) keyframe = true;
      collectParameterSet(codec, nalu, params);
    });
    let changed = false;
    if (this.#video?.codec !== codec) {
      // No (matching) sequence header: encoders that only send parameter sets in-band.
      if (!hasAllParameterSets(codec, params)) {
        this.droppedFrames++;
        return NOTHING;
      }
      this.#video = withMetadataFps(videoTrackFromParameterSets(codec, copyParameterSets(params)), this.#metadata);
      this.#videoConfig = undefined;
      this.#lengthSize = 4;
      changed = true;
    }
    const frame: Frame = { track: 'video', dts, pts: dts + cts, keyframe, payload: compact(payload) };
    return this.#withFrame(frame, changed);
  }

  #onAudioTag(dts: number, body: Buffer): FlvToFramesResult {
    const tag = parseAudioTagBody(body);
    switch (tag.kind) {
      case 'ignored':
      case 'unsupported':
        this.ignoredTags++;
        return NOTHING;
      case 'aac-config': {
        if (tag.config.length === 0) return NOTHING;
        if (this.#audio?.codec === 'aac' && this.#audioConfig?.equals(tag.config) === true) return NOTHING;
        const asc = parseAudioSpecificConfig(tag.config);
        const config = ownedCopy(tag.config);
        this.#audioConfig = config;
        this.#audio = { codec: 'aac', sampleRate: asc.sampleRate, channels: asc.channels || 2, config };
        return this.#changed();
      }
      case 'frame': {
        let changed = false;
        if (tag.codec === 'aac') {
          if (this.#audio?.codec !== 'aac') {
            this.droppedFrames++; // raw AAC before its sequence header cannot be described
            return NOTHING;
          }
        } else {
          const a = this.#audio;
          if (a?.codec !== tag.codec || a.sampleRate !== tag.sampleRate || a.channels !== tag.channels) {
            this.#audio = { codec: tag.codec, sampleRate: tag.sampleRate, channels: tag.channels };
            this.#audioConfig = undefined;
            changed = true;
          }
        }
        const frame: Frame = { track: 'audio', dts, pts: dts, keyframe: true, payload: compact(tag.data) };
        return this.#withFrame(frame, changed);
      }
    }
  }

  #onScriptTag(body: Buffer): FlvToFramesResult {
    const values = decodeAmf0(body);
    // RTMP publishers wrap it: "@setDataFrame", "onMetaData", {...}; FLV files: "onMetaData", {...}.
    let i = values[0] === '@setDataFrame' ? 1 : 0;
    if (values[i] !== 'onMetaData') {
      this.ignoredTags++;
      return NOTHING;
    }
    i++;
    const meta = values[i];
    if (meta === undefined || !isAmfObject(meta)) {
      this.ignoredTags++;
      return NOTHING;
    }
    this.#metadata = meta;
    if (!this.#flowing && this.#audio === undefined) {
      // Codecs without a sequence header (G.711, MP3) describe themselves only with their first
      // frame, which usually comes after the first video frame: the stream would go live without
      // audio. onMetaData (written before any tag) announces them; the first frame corrects it.
      const announced = audioTrackFromMetadata(meta);
      if (announced !== undefined) this.#audio = announced;
    }
    if (this.#video !== undefined && this.#video.fps === undefined) {
      const video = withMetadataFps(this.#video, meta);
      if (video.fps !== undefined) {
        this.#video = video;
        return this.#flowing ? { description: this.description, metadata: meta, frames: [] } : { metadata: meta, frames: [] };
      }
    }
    return { metadata: meta, frames: [] };
  }
}

function describe(video: VideoTrackInfo | undefined, audio: AudioTrackInfo | undefined): StreamDescription {
  return { ...(video !== undefined ? { video } : {}), ...(audio !== undefined ? { audio } : {}) };
}

/** FLV SoundFormat values onMetaData's `audiocodecid` uses for codecs without a sequence header. */
const METADATA_AUDIO_CODECS: Readonly<Record<number, 'pcma' | 'pcmu' | 'mp3'>> = {
  [SoundFormat.G711ALaw]: 'pcma',
  [SoundFormat.G711MuLaw]: 'pcmu',
  [SoundFormat.Mp3]: 'mp3',
  [SoundFormat.Mp38k]: 'mp3',
};
const MAX_METADATA_SAMPLE_RATE = 192_000;

/** The audio track onMetaData announces (`audiocodecid`, `audiosamplerate`, `stereo`), for G.711 and MP3. */
function audioTrackFromMetadata(meta: AmfObject): AudioTrackInfo | undefined {
  const id = meta['audiocodecid'];
  const codec = typeof id === 'number' ? METADATA_AUDIO_CODECS[id] : undefined;
  if (codec === undefined) return undefined;
  const channels = meta['stereo'] === true ? 2 : 1;
  if (codec !== 'mp3') return { codec, sampleRate: 8000, channels }; // G.711 in FLV is always 8 kHz
  const rate = meta['audiosamplerate'];
  const valid = typeof rate === 'number' && Number.isInteger(rate) && rate > 0 && rate <= MAX_METADATA_SAMPLE_RATE;
  const sampleRate = id === SoundFormat.Mp38k ? 8000 : valid ? rate : 44_100;
  return { codec, sampleRate, channels };
}

/** Fills `fps` from onMetaData's `framerate` when the SPS did not declare it. */
function withMetadataFps(track: VideoTrackInfo, meta: AmfObject | undefined): VideoTrackInfo {
  const fps = meta?.['framerate'] ?? meta?.['videoframerate'];
  if (track.fps !== undefined || typeof fps !== 'number' || !(fps > 0 && fps <= 1000)) return track;
  return { ...track, fps };
}
