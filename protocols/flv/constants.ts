/**
 * FLV tag-level constants (Adobe "Video File Format Specification" v10.1 §E.4, and the
 * Enhanced RTMP v1/v2 extensions by Veovera for HEVC).
 */

/** E.4.1 TagType. */
export const FlvTagType = {
  Audio: 8,
  Video: 9,
  Script: 18,
} as const;
export type FlvTagType = (typeof FlvTagType)[keyof typeof FlvTagType];

/** E.4.3.1 VideoTagHeader FrameType (upper nibble of the first byte, 3 bits in Enhanced RTMP). */
export const VideoFrameType = {
  Key: 1,
  Inter: 2,
  DisposableInter: 3,
  GeneratedKey: 4,
  /** Video info / command frame: no picture payload. */
  Command: 5,
} as const;

/** E.4.3.1 CodecID (lower nibble of the first byte when IsExHeader is 0). */
export const VideoCodecId = {
  Avc: 7,
  /** Not in Adobe's spec: the pre-Enhanced-RTMP HEVC extension several Chinese encoders/CDNs send. */
  LegacyHevc: 12,
} as const;

/** E.4.3.1 AVCPacketType (also used by legacy codec id 12). */
export const AvcPacketType = {
  SequenceHeader: 0,
  Nalu: 1,
  EndOfSequence: 2,
} as const;

/** Enhanced RTMP: bit 7 of the first video byte. */
export const VIDEO_EX_HEADER_BIT = 0x80;

/** Enhanced RTMP VideoPacketType (lower nibble when IsExHeader is 1). */
export const ExVideoPacketType = {
  SequenceStart: 0,
  CodedFrames: 1,
  SequenceEnd: 2,
  /** CodedFrames with composition time 0 (the SI24 field is omitted). */
  CodedFramesX: 3,
  Metadata: 4,
  Mpeg2TsSequenceStart: 5,
  Multitrack: 6,
  ModEx: 7,
} as const;

/** Enhanced RTMP FourCC values, as big-endian uint32. */
export const VideoFourCc = {
  Hvc1: 0x68766331, // 'hvc1'
  Avc1: 0x61766331, // 'avc1'
} as const;

/** E.4.2.1 SoundFormat (upper nibble of the first audio byte). */
export const SoundFormat = {
  Mp3: 2,
  G711ALaw: 7,
  G711MuLaw: 8,
  Aac: 10,
  Mp38k: 14,
} as const;

/** E.4.2.1 AACPacketType. */
export const AacPacketType = {
  SequenceHeader: 0,
  Raw: 1,
} as const;

/** E.4.2.1 SoundRate (2 bits) in Hz. G.711 ignores it (always 8 kHz). */
export const SOUND_RATES_HZ = [5512, 11025, 22050, 44100] as const;

/** The FLV file header is at least 9 bytes ("FLV", version, flags, data offset). */
export const FLV_HEADER_SIZE = 9;
/** Tag header: type, UI24 size, UI24 timestamp, UI8 extended timestamp, UI24 stream id. */
export const FLV_TAG_HEADER_SIZE = 11;
/** Size of PreviousTagSize fields. */
export const FLV_PREVIOUS_TAG_SIZE_SIZE = 4;
