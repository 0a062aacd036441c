/**
 * NAL unit type constants and keyframe detection for H.264 (ITU-T H.264 Table 7-1) and
 * H.265 (ITU-T H.265 Table 7-1). A NAL unit here is the unit without start code or length prefix.
 */
import type { VideoCodec } from '../media/frame.ts';

/** H.264 nal_unit_type (5 bits of the first byte). */
export const H264NaluType = {
  NonIdr: 1,
  PartitionA: 2,
  PartitionB: 3,
  PartitionC: 4,
  Idr: 5,
  Sei: 6,
  Sps: 7,
  Pps: 8,
  AccessUnitDelimiter: 9,
  EndOfSequence: 10,
  EndOfStream: 11,
  FillerData: 12,
  SpsExtension: 13,
  Prefix: 14,
  SubsetSps: 15,
  // RFC 6184 §5.2: payload structures that reuse the unassigned type values.
  StapA: 24,
  StapB: 25,
  Mtap16: 26,
  Mtap24: 27,
  FuA: 28,
  FuB: 29,
} as const;

/** H.265 nal_unit_type (6 bits: first byte >> 1). */
export const H265NaluType = {
  TrailN: 0,
  TrailR: 1,
  BlaWLp: 16,
  BlaWRadl: 17,
  BlaNLp: 18,
  IdrWRadl: 19,
  IdrNLp: 20,
  CraNut: 21,
  /** IRAP_VCL_N22 / IRAP_VCL_N23 are reserved IRAP types. */
  RsvIrapVcl22: 22,
  RsvIrapVcl23: 23,
  Vps: 32,
  Sps: 33,
  Pps: 34,
  AccessUnitDelimiter: 35,
  EndOfSequence: 36,
  EndOfBitstream: 37,
  FillerData: 38,
  PrefixSei: 39,
  SuffixSei: 40,
  // RFC 7798 §4.4: payload structures.
  AggregationPacket: 48,
  FragmentationUnit: 49,
  Paci: 50,
} as const;

/** H.265 IRAP range (BLA, IDR, CRA and reserved IRAP): H.265 §7.4.2.2. */
export const H265_IRAP_FIRST = H265NaluType.BlaWLp;
export const H265_IRAP_LAST = H265NaluType.RsvIrapVcl23;

/** nal_unit_type of an H.264 NAL unit; -1 for an empty unit. */
export function h264NaluType(nalu: Buffer): number {
  return nalu.length > 0 ? nalu[0]! & 0x1f : -1;
}

/** nal_unit_type of an H.265 NAL unit; -1 for a unit shorter than its 2-byte header. */
export function h265NaluType(nalu: Buffer): number {
  return nalu.length > 1 ? (nalu[0]! >> 1) & 0x3f : -1;
}

export function isH265IrapType(type: number): boolean {
  return type >= H265_IRAP_FIRST && type <= H265_IRAP_LAST;
}

/** True when the NAL unit starts a GOP: H.264 IDR, H.265 IRAP. */
export function isKeyframeNalu(codec: VideoCodec, nalu: Buffer): boolean {
  if (codec === 'h264') return h264NaluType(nalu) === H264NaluType.Idr;
  return isH265IrapType(h265NaluType(nalu));
}

/** True when any NAL unit of the access unit starts a GOP. */
export function isKeyframeAccessUnit(codec: VideoCodec, nalus: readonly Buffer[]): boolean {
  for (const n of nalus) if (isKeyframeNalu(codec, n)) return true;
  return false;
}
