/**
 * Video tag bodies from internal frames (the reverse of video-tag.ts), for RTMP play and FLV
 * output. Frame bodies are returned as [header, payload] so the payload is written beside the
 * small header (cork/writev) instead of being copied.
 */
import type { Frame, VideoCodec, VideoTrackInfo } from '../media/frame.ts';
import {
  AvcPacketType,
  ExVideoPacketType,
  VIDEO_EX_HEADER_BIT,
  VideoCodecId,
  VideoFourCc,
  VideoFrameType,
} from './constants.ts';
import { buildAvcDecoderConfig } from './avc-decoder-config.ts';
import { buildHevcDecoderConfig } from './hevc-decoder-config.ts';

/**
 * How H.265 is signalled. 'enhanced' (default): Enhanced RTMP 'hvc1' (ffmpeg ≥ 6.1, OBS, SRS);
 * 'legacy': codec id 12 with the AVC packet layout (older Chinese CDNs/players).
 */
export type HevcSignalling = 'enhanced' | 'legacy';

export interface VideoTagWriterOptions {
  readonly hevc?: HevcSignalling;
}

function legacyByte(codec: VideoCodec, frameType: number): number {
  return (frameType << 4) | (codec === 'h264' ? VideoCodecId.Avc : VideoCodecId.LegacyHevc);
}

function useEnhanced(codec: VideoCodec, options: VideoTagWriterOptions): boolean {
  return codec === 'h265' && (options.hevc ?? 'enhanced') === 'enhanced';
}

function exHeader(frameType: number, packetType: number, extra: number): Buffer {
  const out = Buffer.alloc(5 + extra);
  out[0] = VIDEO_EX_HEADER_BIT | (frameType << 4) | packetType;
  out.writeUInt32BE(VideoFourCc.Hvc1, 1);
  return out;
}

/** The configuration record of a video track, or null while its parameter sets are unknown. */
export function videoDecoderConfig(video: VideoTrackInfo): Buffer | null {
  if (video.sps === undefined || video.pps === undefined) return null;
  if (video.codec === 'h264') return buildAvcDecoderConfig([video.sps], [video.pps]);
  if (video.vps === undefined) return null;
  return buildHevcDecoderConfig([video.vps], [video.sps], [video.pps]);
}

/** Sequence header tag body (header + record in one Buffer; sent rarely). Null when unknown. */
export function videoSequenceHeaderBody(video: VideoTrackInfo, options: VideoTagWriterOptions = {}): Buffer | null {
  const config = videoDecoderConfig(video);
  if (config === null) return null;
  if (useEnhanced(video.codec, options)) {
    return Buffer.concat([exHeader(VideoFrameType.Key, ExVideoPacketType.SequenceStart, 0), config]);
  }
  const header = Buffer.from([legacyByte(video.codec, VideoFrameType.Key), AvcPacketType.SequenceHeader, 0, 0, 0]);
  return Buffer.concat([header, config]);
}

/** Composition time in whole ms, clamped to SI24. */
function compositionTimeMs(frame: Frame): number {
  const cts = Math.round(frame.pts - frame.dts);
  return Math.max(-0x800000, Math.min(0x7fffff, cts));
}

/** [tag header, frame payload] for one video frame; the payload is the Frame's own Buffer. */
export function videoFrameTagParts(
  codec: VideoCodec,
  frame: Frame,
  options: VideoTagWriterOptions = {},
): [Buffer, Buffer] {
  const frameType = frame.keyframe ? VideoFrameType.Key : VideoFrameType.Inter;
  const cts = compositionTimeMs(frame);
  if (useEnhanced(codec, options)) {
    if (cts === 0) return [exHeader(frameType, ExVideoPacketType.CodedFramesX, 0), frame.payload];
    const header = exHeader(frameType, ExVideoPacketType.CodedFrames, 3);
    header.writeIntBE(cts, 5, 3);
    return [header, frame.payload];
  }
  const header = Buffer.allocUnsafe(5);
  header[0] = legacyByte(codec, frameType);
  header[1] = AvcPacketType.Nalu;
  header.writeIntBE(cts, 2, 3);
  return [header, frame.payload];
}

/** End-of-sequence tag body, sent when a publisher stops. */
export function videoEndOfSequenceBody(codec: VideoCodec, options: VideoTagWriterOptions = {}): Buffer {
  if (useEnhanced(codec, options)) return exHeader(VideoFrameType.Key, ExVideoPacketType.SequenceEnd, 0);
  return Buffer.from([legacyByte(codec, VideoFrameType.Key), AvcPacketType.EndOfSequence, 0, 0, 0]);
}
