/**
 * Video tag body parsing (FLV spec §E.4.3.1 VideoTagHeader + AVCVIDEOPACKET, legacy codec id 12
 * HEVC, and Enhanced RTMP 'hvc1' / 'avc1' ExVideoTagHeader). Returns views into the body.
 */
import type { VideoCodec } from '../media/frame.ts';
import {
  AvcPacketType,
  ExVideoPacketType,
  VIDEO_EX_HEADER_BIT,
  VideoCodecId,
  VideoFourCc,
  VideoFrameType,
} from './constants.ts';
import { ProtocolError } from '../errors.ts';

export type FlvVideoTag =
  /** Decoder configuration record (AVCDecoderConfigurationRecord / HEVCDecoderConfigurationRecord). */
  | { readonly kind: 'sequence-start'; readonly codec: VideoCodec; readonly config: Buffer }
  /** One access unit, NAL units prefixed by the configured length size. cts in ms (pts - dts). */
  | {
      readonly kind: 'coded-frame';
      readonly codec: VideoCodec;
      readonly keyframe: boolean;
      readonly cts: number;
      readonly data: Buffer;
    }
  | { readonly kind: 'sequence-end'; readonly codec: VideoCodec }
  /** Command frames, Enhanced RTMP metadata and empty bodies: nothing to decode. */
  | { readonly kind: 'ignored'; readonly reason: string }
  /** A codec we do not carry (Sorenson, VP6, AV1, VP9...); `codec` names the id or FourCC. */
  | { readonly kind: 'unsupported'; readonly codec: string };

/** FrameType + CodecID byte, AVCPacketType, SI24 CompositionTime. */
const LEGACY_HEADER_SIZE = 5;
/** IsExHeader/FrameType/PacketType byte + FourCC. */
const EX_HEADER_SIZE = 5;

function truncated(what: string): ProtocolError {
  return new ProtocolError('FLV_VIDEO_TAG_TRUNCATED', `video tag too short for ${what}`);
}

export function parseVideoTagBody(body: Buffer): FlvVideoTag {
  if (body.length === 0) return { kind: 'ignored', reason: 'empty video tag' };
  const first = body[0]!;
  return (first & VIDEO_EX_HEADER_BIT) !== 0 ? parseExVideoTag(body, first) : parseLegacyVideoTag(body, first);
}

function parseLegacyVideoTag(body: Buffer, first: number): FlvVideoTag {
  const frameType = first >> 4;
  const codecId = first & 0x0f;
  let codec: VideoCodec;
  if (codecId === VideoCodecId.Avc) codec = 'h264';
  else if (codecId === VideoCodecId.LegacyHevc) codec = 'h265';
  else return { kind: 'unsupported', codec: `flv-codec-id-${codecId}` };
  if (frameType === VideoFrameType.Command) return { kind: 'ignored', reason: 'video command frame' };
  if (body.length < 2) throw truncated('AVCPacketType');
  const packetType = body[1]!;
  switch (packetType) {
    case AvcPacketType.SequenceHeader:
      if (body.length < LEGACY_HEADER_SIZE) throw truncated('sequence header');
      return { kind: 'sequence-start', codec, config: body.subarray(LEGACY_HEADER_SIZE) };
    case AvcPacketType.Nalu:
      if (body.length < LEGACY_HEADER_SIZE) throw truncated('composition time');
      return {
        kind: 'coded-frame',
        codec,
        keyframe: frameType === VideoFrameType.Key || frameType === VideoFrameType.GeneratedKey,
        cts: body.readIntBE(2, 3),
        data: body.subarray(LEGACY_HEADER_SIZE),
      };
    case AvcPacketType.EndOfSequence:
      return { kind: 'sequence-end', codec };
    default:
      throw new ProtocolError('FLV_VIDEO_PACKET_TYPE_INVALID', `AVCPacketType ${packetType}`);
  }
}

function parseExVideoTag(body: Buffer, first: number): FlvVideoTag {
  const frameType = (first >> 4) & 0x07;
  const packetType = first & 0x0f;
  if (packetType === ExVideoPacketType.Metadata) return { kind: 'ignored', reason: 'enhanced rtmp video metadata' };
  if (packetType === ExVideoPacketType.Multitrack || packetType === ExVideoPacketType.ModEx) {
    return { kind: 'unsupported', codec: `enhanced-rtmp-packet-type-${packetType}` };
  }
  if (body.length < EX_HEADER_SIZE) throw truncated('FourCC');
  const fourCc = body.readUInt32BE(1);
  let codec: VideoCodec;
  if (fourCc === VideoFourCc.Hvc1) codec = 'h265';
  else if (fourCc === VideoFourCc.Avc1) codec = 'h264';
  else return { kind: 'unsupported', codec: body.toString('latin1', 1, 5) };
  if (frameType === VideoFrameType.Command) return { kind: 'ignored', reason: 'video command frame' };
  const keyframe = frameType === VideoFrameType.Key || frameType === VideoFrameType.GeneratedKey;
  switch (packetType) {
    case ExVideoPacketType.SequenceStart:
      return { kind: 'sequence-start', codec, config: body.subarray(EX_HEADER_SIZE) };
    case ExVideoPacketType.CodedFrames:
      if (body.length < EX_HEADER_SIZE + 3) throw truncated('composition time');
      return {
        kind: 'coded-frame',
        codec,
        keyframe,
        cts: body.readIntBE(EX_HEADER_SIZE, 3),
        data: body.subarray(EX_HEADER_SIZE + 3),
      };
    case ExVideoPacketType.CodedFramesX:
      return { kind: 'coded-frame', codec, keyframe, cts: 0, data: body.subarray(EX_HEADER_SIZE) };
    case ExVideoPacketType.SequenceEnd:
      return { kind: 'sequence-end', codec };
    case ExVideoPacketType.Mpeg2TsSequenceStart:
      return { kind: 'unsupported', codec: 'mpeg2ts-sequence-start' };
    default:
      throw new ProtocolError('FLV_VIDEO_PACKET_TYPE_INVALID', `enhanced RTMP VideoPacketType ${packetType}`);
  }
}
