/**
 * Internal frames to FLV tag bodies (the reverse of to-frames.ts), shared by RTMP play (each tag
 * body is one RTMP message) and FLV output (flv-muxer.ts). Bodies are lists of parts so a frame's
 * payload is never copied behind its few header bytes.
 */
import type { Frame, StreamDescription } from '../media/frame.ts';
import { encodeAmf0 } from '../rtmp/amf0/amf0-encoder.ts';
import { asEcmaArray } from '../rtmp/amf0/amf-value.ts';
import type { AmfObject } from '../rtmp/amf0/amf-value.ts';
import { FlvTagType } from './constants.ts';
import { videoFrameTagParts, videoSequenceHeaderBody } from './video-tag-writer.ts';
import type { VideoTagWriterOptions } from './video-tag-writer.ts';
import { audioFrameTagParts, audioSequenceHeaderBody } from './audio-tag-writer.ts';

export interface FlvTagParts {
  readonly type: FlvTagType;
  /** Tag / RTMP message timestamp: the frame's dts rounded to whole ms. */
  readonly timestampMs: number;
  /** The tag body, in order; its length is the sum of the parts. */
  readonly parts: readonly Buffer[];
}

export type FromFramesOptions = VideoTagWriterOptions;

/** Sequence header tags (video first, then AAC) for a description; empty when nothing is known. */
export function sequenceHeaderTags(
  desc: StreamDescription,
  timestampMs = 0,
  options: FromFramesOptions = {},
): FlvTagParts[] {
  const out: FlvTagParts[] = [];
  const video = desc.video === undefined ? null : videoSequenceHeaderBody(desc.video, options);
  if (video !== null) out.push({ type: FlvTagType.Video, timestampMs, parts: [video] });
  const audio = desc.audio === undefined ? null : audioSequenceHeaderBody(desc.audio);
  if (audio !== null) out.push({ type: FlvTagType.Audio, timestampMs, parts: [audio] });
  return out;
}

/** The tag for one frame, or null when its track is not in the description. */
export function frameTag(desc: StreamDescription, frame: Frame, options: FromFramesOptions = {}): FlvTagParts | null {
  const timestampMs = Math.max(0, Math.round(frame.dts));
  if (frame.track === 'video') {
    if (desc.video === undefined) return null;
    return { type: FlvTagType.Video, timestampMs, parts: videoFrameTagParts(desc.video.codec, frame, options) };
  }
  if (desc.audio === undefined) return null;
  return { type: FlvTagType.Audio, timestampMs, parts: audioFrameTagParts(desc.audio, frame) };
}

/** Body of an onMetaData script tag / RTMP data message ("onMetaData", ECMA array). */
export function metadataTagBody(meta: AmfObject): Buffer {
  return encodeAmf0('onMetaData', asEcmaArray({ ...meta }));
}

/** onMetaData built from a description, for outputs whose source sent none. */
export function metadataFromDescription(desc: StreamDescription): AmfObject {
  const meta: AmfObject = {};
  if (desc.video !== undefined) {
    const v = desc.video;
    if (v.width !== undefined) meta['width'] = v.width;
    if (v.height !== undefined) meta['height'] = v.height;
    if (v.fps !== undefined) meta['framerate'] = v.fps;
    meta['videocodecid'] = v.codec === 'h264' ? 7 : 12;
  }
  if (desc.audio !== undefined) {
    const a = desc.audio;
    meta['audiosamplerate'] = a.sampleRate;
    meta['audiochannels'] = a.channels;
    meta['stereo'] = a.channels > 1;
    meta['audiocodecid'] = a.codec === 'aac' ? 10 : a.codec === 'pcma' ? 7 : a.codec === 'pcmu' ? 8 : 2;
  }
  return meta;
}
