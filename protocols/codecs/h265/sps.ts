/**
 * H.265 sequence parameter set parsing (ITU-T H.265 §7.3.2.2.1, profile_tier_level §7.3.3,
 * st_ref_pic_set §7.3.7, VUI Annex E.2.1): profile, tier, level, displayed size after the
 * conformance window, and nominal frame rate.
 */
import { BitReader } from '../../bytes/bit-reader.ts';
import { ProtocolError, isProtocolError } from '../../errors.ts';
import { removeEmulationPrevention } from '../annexb.ts';
import { H265NaluType, h265NaluType } from '../nalu.ts';

export interface H265SpsInfo {
  /** general_profile_idc: 1 Main, 2 Main 10, 3 Main Still Picture, 4 range extensions, ... */
  readonly profile: number;
  readonly profileSpace: number;
  /** general_tier_flag: 0 Main tier, 1 High tier. */
  readonly tier: number;
  /** general_level_idc: 30 × the level number (93 = 3.1, 120 = 4). */
  readonly level: number;
  readonly width: number;
  readonly height: number;
  /** Nominal frame rate from VUI timing (time_scale / num_units_in_tick), when present. */
  readonly fps?: number;
  readonly chromaFormatIdc: number;
  readonly bitDepthLuma: number;
}

const MAX_SUB_LAYERS = 7;
/** Largest picture we accept per side, in luma samples (level 6.2 allows 8444 × sqrt(8)). */
const MAX_PICTURE_SIDE = 16888;
const MAX_SHORT_TERM_REF_PIC_SETS = 64;
const MAX_LONG_TERM_REF_PICS = 32;
/** Upper bound of NumDeltaPocs (sps_max_dec_pic_buffering ≤ 16). */
const MAX_DELTA_POCS = 32;

/** Parses an SPS NAL unit (with its 2-byte NAL header, without start code or length prefix). */
export function parseH265Sps(sps: Buffer): H265SpsInfo {
  if (h265NaluType(sps) !== H265NaluType.Sps) {
    throw new ProtocolError('CODEC_SPS_INVALID', `not an H.265 SPS (NAL type ${h265NaluType(sps)})`);
  }
  const r = new BitReader(removeEmulationPrevention(sps.subarray(2)));
  r.skipBits(4); // sps_video_parameter_set_id
  const maxSubLayersMinus1 = checkRange('sps_max_sub_layers_minus1', r.readBits(3), MAX_SUB_LAYERS - 1);
  r.skipBits(1); // sps_temporal_id_nesting_flag
  const ptl = readProfileTierLevel(r, maxSubLayersMinus1);

  checkRange('sps_seq_parameter_set_id', r.readUE(), 15);
  const chromaFormatIdc = checkRange('chroma_format_idc', r.readUE(), 3);
  const separateColourPlane = chromaFormatIdc === 3 && r.readBit() === 1;
  let width = checkRange('pic_width_in_luma_samples', r.readUE(), MAX_PICTURE_SIDE);
  let height = checkRange('pic_height_in_luma_samples', r.readUE(), MAX_PICTURE_SIDE);
  if (r.readBit() === 1) {
    // conformance_window_flag: offsets in chroma sample units (§7.4.3.2.1, Table 6-1)
    const oneToOne = separateColourPlane || chromaFormatIdc === 0 || chromaFormatIdc === 3;
    const subWidthC = oneToOne ? 1 : 2;
    const subHeightC = oneToOne || chromaFormatIdc === 2 ? 1 : 2;
    const left = r.readUE();
    const right = r.readUE();
    const top = r.readUE();
    const bottom = r.readUE();
    width -= subWidthC * (left + right);
    height -= subHeightC * (top + bottom);
  }
  if (width <= 0 || height <= 0) {
    throw new ProtocolError('CODEC_SPS_INVALID', 'SPS picture size is empty after the conformance window');
  }
  const bitDepthLuma = 8 + checkRange('bit_depth_luma_minus8', r.readUE(), 8);
  checkRange('bit_depth_chroma_minus8', r.readUE(), 8);
  const log2MaxPocLsb = 4 + checkRange('log2_max_pic_order_cnt_lsb_minus4', r.readUE(), 12);
  const orderingInfoPresent = r.readBit() === 1;
  for (let i = orderingInfoPresent ? 0 : maxSubLayersMinus1; i <= maxSubLayersMinus1; i++) {
    r.readUE(); // sps_max_dec_pic_buffering_minus1
    r.readUE(); // sps_max_num_reorder_pics
    r.readUE(); // sps_max_latency_increase_plus1
  }
  for (let i = 0; i < 6; i++) r.readUE(); // coding/transform block sizes and hierarchy depths
  if (r.readBit() === 1 && r.readBit() === 1) skipScalingListData(r); // scaling_list_enabled, data present
  r.skipBits(2); // amp_enabled_flag, sample_adaptive_offset_enabled_flag
  if (r.readBit() === 1) {
    // pcm_enabled_flag
    r.skipBits(8); // pcm_sample_bit_depth_luma_minus1, pcm_sample_bit_depth_chroma_minus1
    r.readUE();
    r.readUE();
    r.skipBits(1); // pcm_loop_filter_disabled_flag
  }
  const numStRps = checkRange('num_short_term_ref_pic_sets', r.readUE(), MAX_SHORT_TERM_REF_PIC_SETS);
  const numDeltaPocs: number[] = [];
  for (let i = 0; i < numStRps; i++) numDeltaPocs.push(readShortTermRefPicSet(r, i, numDeltaPocs));
  if (r.readBit() === 1) {
    // long_term_ref_pics_present_flag
    const n = checkRange('num_long_term_ref_pics_sps', r.readUE(), MAX_LONG_TERM_REF_PICS);
    for (let i = 0; i < n; i++) r.skipBits(log2MaxPocLsb + 1); // lt_ref_pic_poc_lsb_sps, used_by_curr_pic_lt
  }
  r.skipBits(2); // sps_temporal_mvp_enabled_flag, strong_intra_smoothing_enabled_flag
  const fps = r.readBit() === 1 ? readVuiFps(r) : undefined;
  return {
    profile: ptl.profile,
    profileSpace: ptl.profileSpace,
    tier: ptl.tier,
    level: ptl.level,
    width,
    height,
    ...(fps !== undefined ? { fps } : {}),
    chromaFormatIdc,
    bitDepthLuma,
  };
}

interface ProfileTierLevel {
  profileSpace: number;
  tier: number;
  profile: number;
  level: number;
}

/** profile_tier_level(1, maxSubLayersMinus1), §7.3.3. */
function readProfileTierLevel(r: BitReader, maxSubLayersMinus1: number): ProfileTierLevel {
  const profileSpace = r.readBits(2);
  const tier = r.readBit();
  const profile = r.readBits(5);
  r.skipBits(32); // general_profile_compatibility_flag[32]
  r.skipBits(48); // progressive/interlaced/non_packed/frame_only flags + 43 + 1 reserved/constraint bits
  const level = r.readBits(8);
  const profilePresent: boolean[] = [];
  const levelPresent: boolean[] = [];
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    profilePresent.push(r.readBit() === 1);
    levelPresent.push(r.readBit() === 1);
  }
  if (maxSubLayersMinus1 > 0) r.skipBits(2 * (8 - maxSubLayersMinus1)); // reserved_zero_2bits
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    if (profilePresent[i]) r.skipBits(88);
    if (levelPresent[i]) r.skipBits(8);
  }
  return { profileSpace, tier, profile, level };
}

/** scaling_list_data(), §7.3.4: consumed only. */
function skipScalingListData(r: BitReader): void {
  for (let sizeId = 0; sizeId < 4; sizeId++) {
    for (let matrixId = 0; matrixId < 6; matrixId += sizeId === 3 ? 3 : 1) {
      if (r.readBit() === 0) {
        r.readUE(); // scaling_list_pred_matrix_id_delta
      } else {
        const coefNum = Math.min(64, 1 << (4 + (sizeId << 1)));
        if (sizeId > 1) r.readSE(); // scaling_list_dc_coef_minus8
        for (let i = 0; i < coefNum; i++) r.readSE(); // scaling_list_delta_coef
      }
    }
  }
}

/** st_ref_pic_set(stRpsIdx) as it appears in the SPS, §7.3.7; returns NumDeltaPocs[stRpsIdx]. */
function readShortTermRefPicSet(r: BitReader, idx: number, numDeltaPocs: readonly number[]): number {
  if (idx !== 0 && r.readBit() === 1) {
    // inter_ref_pic_set_prediction_flag: in the SPS delta_idx_minus1 is absent (inferred 0)
    r.skipBits(1); // delta_rps_sign
    r.readUE(); // abs_delta_rps_minus1
    const refCount = numDeltaPocs[idx - 1]!;
    let count = 0;
    for (let j = 0; j <= refCount; j++) {
      const usedByCurrPic = r.readBit() === 1;
      const useDelta = usedByCurrPic || r.readBit() === 1;
      if (useDelta) count++;
    }
    return checkRange('NumDeltaPocs', count, MAX_DELTA_POCS);
  }
  const negative = checkRange('num_negative_pics', r.readUE(), MAX_DELTA_POCS);
  const positive = checkRange('num_positive_pics', r.readUE(), MAX_DELTA_POCS);
  for (let i = 0; i < negative + positive; i++) {
    r.readUE(); // delta_poc_s0/s1_minus1
    r.skipBits(1); // used_by_curr_pic_s0/s1_flag
  }
  return checkRange('NumDeltaPocs', negative + positive, MAX_DELTA_POCS);
}

/** vui_parameters() up to vui_timing_info (Annex E.2.1); a truncated VUI leaves fps unknown. */
function readVuiFps(r: BitReader): number | undefined {
  try {
    if (r.readBit() === 1) {
      const EXTENDED_SAR = 255;
      if (r.readBits(8) === EXTENDED_SAR) r.skipBits(32);
    }
    if (r.readBit() === 1) r.skipBits(1); // overscan
    if (r.readBit() === 1) {
      r.skipBits(4); // video_format, video_full_range_flag
      if (r.readBit() === 1) r.skipBits(24); // colour description
    }
    if (r.readBit() === 1) {
      r.readUE();
      r.readUE();
    }
    r.skipBits(3); // neutral_chroma_indication, field_seq, frame_field_info_present
    if (r.readBit() === 1) {
      // default_display_window_flag
      for (let i = 0; i < 4; i++) r.readUE();
    }
    if (r.readBit() === 0) return undefined; // vui_timing_info_present_flag
    const numUnitsInTick = r.readBits(32);
    const timeScale = r.readBits(32);
    if (numUnitsInTick === 0 || timeScale === 0) return undefined;
    return timeScale / numUnitsInTick;
  } catch (err) {
    if (isProtocolError(err) && err.code === 'CODEC_BITSTREAM_TRUNCATED') return undefined;
    throw err;
  }
}

function checkRange(field: string, value: number, max: number): number {
  if (value > max) throw new ProtocolError('CODEC_SPS_INVALID', `${field} ${value} exceeds ${max}`);
  return value;
}
