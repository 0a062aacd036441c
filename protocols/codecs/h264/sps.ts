/**
 * H.264 sequence parameter set parsing (ITU-T H.264 §7.3.2.1.1, VUI in Annex E.1.1): enough to
 * learn the profile, level, displayed size (after cropping) and nominal frame rate.
 */
import { BitReader } from '../../bytes/bit-reader.ts';
import { ProtocolError, isProtocolError } from '../../errors.ts';
import { removeEmulationPrevention } from '../annexb.ts';
import { H264NaluType, h264NaluType } from '../nalu.ts';

export interface H264SpsInfo {
  /** profile_idc: 66 baseline, 77 main, 100 high, 122 high 4:2:2, ... */
  readonly profile: number;
  /** The constraint_set flags byte (second byte of profile-level-id). */
  readonly constraintFlags: number;
  /** level_idc: 10 × the level number (31 = 3.1). */
  readonly level: number;
  /** Displayed luma width and height after the cropping window. */
  readonly width: number;
  readonly height: number;
  /** Nominal frame rate from VUI timing (time_scale / (2 × num_units_in_tick)), when present. */
  readonly fps?: number;
  /** 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4. */
  readonly chromaFormatIdc: number;
  readonly bitDepthLuma: number;
  readonly frameMbsOnly: boolean;
}

/** Profiles whose SPS carries chroma_format_idc, bit depths and scaling lists (§7.3.2.1.1). */
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/** Largest picture we accept: 16384 luma samples per side (well above level 6.2). */
const MAX_MBS_PER_SIDE = 1024;
const MAX_POC_CYCLE_LENGTH = 255;

/** Parses an SPS NAL unit (with its 1-byte NAL header, without start code or length prefix). */
export function parseH264Sps(sps: Buffer): H264SpsInfo {
  if (h264NaluType(sps) !== H264NaluType.Sps) {
    throw new ProtocolError('CODEC_SPS_INVALID', `not an H.264 SPS (NAL type ${h264NaluType(sps)})`);
  }
  const r = new BitReader(removeEmulationPrevention(sps.subarray(1)));
  const profile = r.readBits(8);
  const constraintFlags = r.readBits(8);
  const level = r.readBits(8);
  checkRange('seq_parameter_set_id', r.readUE(), 31);

  let chromaFormatIdc = 1;
  let separateColourPlane = false;
  let bitDepthLuma = 8;
  if (HIGH_PROFILES.has(profile)) {
    chromaFormatIdc = checkRange('chroma_format_idc', r.readUE(), 3);
    if (chromaFormatIdc === 3) separateColourPlane = r.readBit() === 1;
    bitDepthLuma = 8 + checkRange('bit_depth_luma_minus8', r.readUE(), 6);
    checkRange('bit_depth_chroma_minus8', r.readUE(), 6);
    r.skipBits(1); // qpprime_y_zero_transform_bypass_flag
    if (r.readBit() === 1) {
      // seq_scaling_matrix_present_flag
      const lists = chromaFormatIdc !== 3 ? 8 : 12;
      for (let i = 0; i < lists; i++) {
        if (r.readBit() === 1) skipScalingList(r, i < 6 ? 16 : 64);
      }
    }
  }

  checkRange('log2_max_frame_num_minus4', r.readUE(), 12);
  const pocType = checkRange('pic_order_cnt_type', r.readUE(), 2);
  if (pocType === 0) {
    checkRange('log2_max_pic_order_cnt_lsb_minus4', r.readUE(), 12);
  } else if (pocType === 1) {
    r.skipBits(1); // delta_pic_order_always_zero_flag
    r.readSE(); // offset_for_non_ref_pic
    r.readSE(); // offset_for_top_to_bottom_field
    const cycle = checkRange('num_ref_frames_in_pic_order_cnt_cycle', r.readUE(), MAX_POC_CYCLE_LENGTH);
    for (let i = 0; i < cycle; i++) r.readSE();
  }
  r.readUE(); // max_num_ref_frames
  r.skipBits(1); // gaps_in_frame_num_value_allowed_flag
  const widthMbs = checkRange('pic_width_in_mbs_minus1', r.readUE(), MAX_MBS_PER_SIDE - 1) + 1;
  const heightMapUnits = checkRange('pic_height_in_map_units_minus1', r.readUE(), MAX_MBS_PER_SIDE - 1) + 1;
  const frameMbsOnly = r.readBit() === 1;
  if (!frameMbsOnly) r.skipBits(1); // mb_adaptive_frame_field_flag
  r.skipBits(1); // direct_8x8_inference_flag

  let width = widthMbs * 16;
  let height = (frameMbsOnly ? 1 : 2) * heightMapUnits * 16;
  if (r.readBit() === 1) {
    // frame_cropping_flag: offsets in crop units (§7.4.2.1.1, equations 7-19..7-22)
    const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
    const subWidthC = chromaFormatIdc === 3 ? 1 : 2;
    const subHeightC = chromaFormatIdc === 1 ? 2 : 1;
    const cropUnitX = chromaArrayType === 0 ? 1 : subWidthC;
    const cropUnitY = (chromaArrayType === 0 ? 1 : subHeightC) * (frameMbsOnly ? 1 : 2);
    const left = r.readUE();
    const right = r.readUE();
    const top = r.readUE();
    const bottom = r.readUE();
    width -= cropUnitX * (left + right);
    height -= cropUnitY * (top + bottom);
    if (width <= 0 || height <= 0) {
      throw new ProtocolError('CODEC_SPS_INVALID', 'SPS cropping window is larger than the picture');
    }
  }

  const fps = r.readBit() === 1 ? readVuiFps(r) : undefined;
  return {
    profile,
    constraintFlags,
    level,
    width,
    height,
    ...(fps !== undefined ? { fps } : {}),
    chromaFormatIdc,
    bitDepthLuma,
    frameMbsOnly,
  };
}

/** scaling_list() (§7.3.2.1.1.1): only consumed, the values are not needed. */
function skipScalingList(r: BitReader, size: number): void {
  let lastScale = 8;
  let nextScale = 8;
  for (let j = 0; j < size; j++) {
    if (nextScale !== 0) {
      const delta = r.readSE();
      if (delta < -128 || delta > 127) throw new ProtocolError('CODEC_SPS_INVALID', 'delta_scale out of range');
      nextScale = (lastScale + delta + 256) % 256;
    }
    lastScale = nextScale === 0 ? lastScale : nextScale;
  }
}

/**
 * vui_parameters() up to timing_info (Annex E.1.1). A VUI cut short is tolerated (some cameras
 * write truncated VUI): the frame rate is then simply unknown.
 */
function readVuiFps(r: BitReader): number | undefined {
  try {
    if (r.readBit() === 1) {
      // aspect_ratio_info_present_flag
      const EXTENDED_SAR = 255;
      if (r.readBits(8) === EXTENDED_SAR) r.skipBits(32); // sar_width, sar_height
    }
    if (r.readBit() === 1) r.skipBits(1); // overscan_info_present_flag -> overscan_appropriate_flag
    if (r.readBit() === 1) {
      // video_signal_type_present_flag: video_format, video_full_range_flag
      r.skipBits(4);
      if (r.readBit() === 1) r.skipBits(24); // colour_description_present_flag
    }
    if (r.readBit() === 1) {
      // chroma_loc_info_present_flag
      r.readUE();
      r.readUE();
    }
    if (r.readBit() === 0) return undefined; // timing_info_present_flag
    const numUnitsInTick = r.readBits(32);
    const timeScale = r.readBits(32);
    if (numUnitsInTick === 0 || timeScale === 0) return undefined;
    return timeScale / (2 * numUnitsInTick);
  } catch (err) {
    if (isProtocolError(err) && err.code === 'CODEC_BITSTREAM_TRUNCATED') return undefined;
    throw err;
  }
}

function checkRange(field: string, value: number, max: number): number {
  if (value > max) throw new ProtocolError('CODEC_SPS_INVALID', `${field} ${value} exceeds ${max}`);
  return value;
}
