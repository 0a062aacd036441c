/**
 * HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 §8.3.3.1): the body of an Enhanced RTMP 'hvc1'
 * SequenceStart (and of a legacy codec-id-12 sequence header), carrying VPS/SPS/PPS arrays.
 */
import { ProtocolError } from '../errors.ts';
import { removeEmulationPrevention } from '../codecs/annexb.ts';
import { ownedCopy } from '../bytes/owned-copy.ts';

export interface HevcDecoderConfig {
  readonly profileSpace: number;
  readonly tierFlag: number;
  readonly profileIdc: number;
  readonly levelIdc: number;
  readonly chromaFormat: number;
  readonly bitDepthLumaMinus8: number;
  readonly bitDepthChromaMinus8: number;
  /** NAL unit length field size minus one (0, 1 or 3). */
  readonly lengthSizeMinusOne: number;
  /** Parameter sets, copied out of the input. Other array types (SEI) are dropped. */
  readonly vps: readonly Buffer[];
  readonly sps: readonly Buffer[];
  readonly pps: readonly Buffer[];
}

/** H.265 Table 7-1 nal_unit_type values of the parameter sets. */
export const HevcNaluType = { Vps: 32, Sps: 33, Pps: 34 } as const;

/** Bytes before the first NAL unit array (configurationVersion .. numOfArrays). */
const HEVC_CONFIG_FIXED_SIZE = 23;
/** general_profile_space .. general_level_idc in the SPS profile_tier_level() (H.265 §7.3.3). */
const GENERAL_PTL_SIZE = 12;

function invalid(message: string): ProtocolError {
  return new ProtocolError('FLV_HEVC_CONFIG_INVALID', `HEVCDecoderConfigurationRecord ${message}`);
}

export function parseHevcDecoderConfig(buf: Buffer): HevcDecoderConfig {
  if (buf.length < HEVC_CONFIG_FIXED_SIZE) throw invalid('truncated in header');
  const version = buf[0]!;
  // Version 0 is written by some early encoders with the same layout; tolerated.
  if (version > 1) throw invalid(`version ${version}`);
  const lengthSizeMinusOne = buf[21]! & 0x03;
  if (lengthSizeMinusOne === 2) throw invalid('with NAL unit length size 3');
  const vps: Buffer[] = [];
  const sps: Buffer[] = [];
  const pps: Buffer[] = [];
  const numArrays = buf[22]!;
  let off = HEVC_CONFIG_FIXED_SIZE;
  for (let a = 0; a < numArrays; a++) {
    if (off + 3 > buf.length) throw invalid('truncated in array header');
    const type = buf[off]! & 0x3f;
    const count = buf.readUInt16BE(off + 1);
    off += 3;
    const target = type === HevcNaluType.Vps ? vps : type === HevcNaluType.Sps ? sps : type === HevcNaluType.Pps ? pps : null;
    for (let i = 0; i < count; i++) {
      if (off + 2 > buf.length) throw invalid('truncated in NAL unit length');
      const len = buf.readUInt16BE(off);
      off += 2;
      if (off + len > buf.length) throw invalid('truncated in NAL unit');
      if (target !== null && len > 0) target.push(ownedCopy(buf.subarray(off, off + len)));
      off += len;
    }
  }
  return {
    profileSpace: buf[1]! >> 6,
    tierFlag: (buf[1]! >> 5) & 1,
    profileIdc: buf[1]! & 0x1f,
    levelIdc: buf[12]!,
    chromaFormat: buf[16]! & 0x03,
    bitDepthLumaMinus8: buf[17]! & 0x07,
    bitDepthChromaMinus8: buf[18]! & 0x07,
    lengthSizeMinusOne,
    vps,
    sps,
    pps,
  };
}

export interface HevcConfigExtras {
  /** chroma_format_idc from the SPS; defaults to 1 (4:2:0). */
  readonly chromaFormat?: number;
  readonly bitDepthLumaMinus8?: number;
  readonly bitDepthChromaMinus8?: number;
}

/**
 * Builds a record with 4-byte NAL unit lengths. The general profile/tier/level fields are copied
 * from the SPS's profile_tier_level(), which sits at a fixed bit position right after the
 * 2-byte NAL header and one byte of sps_video_parameter_set_id / max_sub_layers / nesting flag.
 */
export function buildHevcDecoderConfig(
  vps: readonly Buffer[],
  sps: readonly Buffer[],
  pps: readonly Buffer[],
  extras: HevcConfigExtras = {},
): Buffer {
  const first = sps[0];
  // Only the first 15 bytes are needed; unescaping a bounded prefix keeps this cheap.
  const spsHead = first === undefined ? Buffer.alloc(0) : removeEmulationPrevention(first.subarray(0, 3 + GENERAL_PTL_SIZE + 8));
  if (spsHead.length < 3 + GENERAL_PTL_SIZE) throw invalid('cannot be built without a complete SPS');
  const arrays: Array<[number, readonly Buffer[]]> = [
    [HevcNaluType.Vps, vps],
    [HevcNaluType.Sps, sps],
    [HevcNaluType.Pps, pps],
  ];
  let size = HEVC_CONFIG_FIXED_SIZE;
  for (const [, list] of arrays) {
    if (list.length > 0xffff) throw invalid('has too many parameter sets');
    size += 3;
    for (const n of list) size += 2 + n.length;
  }
  const out = Buffer.alloc(size);
  out[0] = 1;
  spsHead.copy(out, 1, 3, 3 + GENERAL_PTL_SIZE); // profile byte, 4 compat, 6 constraint, level
  const maxSubLayersMinus1 = (spsHead[2]! >> 1) & 0x07;
  const temporalIdNested = spsHead[2]! & 1;
  out.writeUInt16BE(0xf000, 13); // reserved + min_spatial_segmentation_idc 0
  out[15] = 0xfc; // reserved + parallelismType 0 (unknown)
  out[16] = 0xfc | ((extras.chromaFormat ?? 1) & 0x03);
  out[17] = 0xf8 | ((extras.bitDepthLumaMinus8 ?? 0) & 0x07);
  out[18] = 0xf8 | ((extras.bitDepthChromaMinus8 ?? 0) & 0x07);
  out.writeUInt16BE(0, 19); // avgFrameRate unknown
  out[21] = ((maxSubLayersMinus1 + 1) << 3) | (temporalIdNested << 2) | 3;
  out[22] = arrays.length;
  let off = HEVC_CONFIG_FIXED_SIZE;
  for (const [type, list] of arrays) {
    out[off] = 0x80 | type; // array_completeness = 1
    out.writeUInt16BE(list.length, off + 1);
    off += 3;
    for (const n of list) {
      out.writeUInt16BE(n.length, off);
      off += 2 + n.copy(out, off + 2);
    }
  }
  return out;
}
