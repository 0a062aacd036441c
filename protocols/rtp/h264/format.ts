/**
 * H.264 in SDP (RFC 6184 §8.1): `H264/90000`, fmtp packetization-mode, profile-level-id and
 * sprop-parameter-sets, to and from VideoTrackInfo.
 */
import type { VideoTrackInfo } from '../../media/frame.ts';
import { splitAnnexB, startsWithStartCode } from '../../codecs/annexb.ts';
import { parseH264Sps } from '../../codecs/h264/sps.ts';
import { H264NaluType, h264NaluType } from '../../codecs/nalu.ts';
import { isProtocolError } from '../../errors.ts';
import type { DepacketizerOptions } from '../depacketizer.ts';
import type { PacketizerOptions } from '../packetizer.ts';
import { fmtpInteger, fmtpValue, type RtpCodecParams } from '../rtp-codec-params.ts';
import { H264Depacketizer, H264_CLOCK_RATE } from './depacketizer.ts';
import { H264Packetizer } from './packetizer.ts';

export const H264_ENCODING_NAME = 'H264';
/** packetization-mode 0 (single NAL) and 1 (non-interleaved) are understood; 2 is interleaved. */
const MAX_PACKETIZATION_MODE = 1;

export function h264RtpParams(info: VideoTrackInfo, payloadType: number): RtpCodecParams {
  const fmtp: Record<string, string> = { 'packetization-mode': '1' };
  if (info.sps !== undefined && info.sps.length >= 4) {
    // profile_idc, constraint flags, level_idc: the three bytes after the NAL header (§8.1)
    fmtp['profile-level-id'] = info.sps.subarray(1, 4).toString('hex').toUpperCase();
  }
  const sets = [info.sps, info.pps].filter((b): b is Buffer => b !== undefined && b.length > 0);
  if (sets.length > 0) fmtp['sprop-parameter-sets'] = sets.map((b) => b.toString('base64')).join(',');
  return { payloadType, encodingName: H264_ENCODING_NAME, clockRate: H264_CLOCK_RATE, fmtp };
}

/** null when the format cannot be depacketized (interleaved mode). */
export function h264InfoFromRtpParams(params: RtpCodecParams): VideoTrackInfo | null {
  const mode = fmtpInteger(params, 'packetization-mode', 0);
  if (!(mode <= MAX_PACKETIZATION_MODE)) return null;
  const { sps, pps } = h264ParameterSets(params);
  let info: VideoTrackInfo = { codec: 'h264', ...(sps ? { sps } : {}), ...(pps ? { pps } : {}) };
  const profileLevelId = fmtpValue(params, 'profile-level-id');
  if (profileLevelId !== undefined && /^[0-9a-fA-F]{6}$/.test(profileLevelId)) {
    const b = Buffer.from(profileLevelId, 'hex');
    info = { ...info, profile: b[0]!, level: b[2]! };
  }
  if (sps !== undefined) {
    try {
      const s = parseH264Sps(sps);
      info = { ...info, profile: s.profile, level: s.level, width: s.width, height: s.height, ...(s.fps ? { fps: s.fps } : {}) };
    } catch (err) {
      // A camera's broken SPS in the SDP: keep the track, the size stays unknown until in-band data.
      if (!isProtocolError(err)) throw err;
    }
  }
  return info;
}

/** SPS and PPS from sprop-parameter-sets (the first of each type). */
export function h264ParameterSets(params: RtpCodecParams): { sps?: Buffer; pps?: Buffer } {
  let sps: Buffer | undefined;
  let pps: Buffer | undefined;
  for (const nalu of decodeParameterSets(fmtpValue(params, 'sprop-parameter-sets'))) {
    const t = h264NaluType(nalu);
    if (t === H264NaluType.Sps && sps === undefined) sps = nalu;
    else if (t === H264NaluType.Pps && pps === undefined) pps = nalu;
  }
  return { ...(sps ? { sps } : {}), ...(pps ? { pps } : {}) };
}

export function createH264Packetizer(params: RtpCodecParams, options: PacketizerOptions): H264Packetizer {
  return new H264Packetizer({ ...options, payloadType: params.payloadType, ...h264ParameterSets(params) });
}

export function createH264Depacketizer(_params: RtpCodecParams, options: DepacketizerOptions = {}): H264Depacketizer {
  return new H264Depacketizer(options);
}

/**
 * Comma-separated base64 NAL units. Vendor quirk: some cameras encode the sets with Annex B start
 * codes inside the base64; those are split.
 */
export function decodeParameterSets(value: string | undefined): Buffer[] {
  if (value === undefined || value === '') return [];
  const out: Buffer[] = [];
  for (const part of value.split(',')) {
    const bytes = Buffer.from(part.trim(), 'base64');
    if (bytes.length === 0) continue;
    if (startsWithStartCode(bytes)) out.push(...splitAnnexB(bytes));
    else out.push(bytes);
  }
  return out;
}
