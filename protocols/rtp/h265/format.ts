/**
 * H.265 in SDP (RFC 7798 §7.1): `H265/90000`, fmtp sprop-vps / sprop-sps / sprop-pps, to and from
 * VideoTrackInfo. Streams with DONL (sprop-max-don-diff > 0) are not supported.
 */
import type { VideoTrackInfo } from '../../media/frame.ts';
import { parseH265Sps } from '../../codecs/h265/sps.ts';
import { H265NaluType, h265NaluType } from '../../codecs/nalu.ts';
import { isProtocolError } from '../../errors.ts';
import type { DepacketizerOptions } from '../depacketizer.ts';
import { decodeParameterSets } from '../h264/format.ts';
import type { PacketizerOptions } from '../packetizer.ts';
import { fmtpInteger, fmtpValue, type RtpCodecParams } from '../rtp-codec-params.ts';
import { H265Depacketizer, H265_CLOCK_RATE } from './depacketizer.ts';
import { H265Packetizer } from './packetizer.ts';

export const H265_ENCODING_NAME = 'H265';

export function h265RtpParams(info: VideoTrackInfo, payloadType: number): RtpCodecParams {
  const fmtp: Record<string, string> = {};
  if (info.vps !== undefined && info.vps.length > 0) fmtp['sprop-vps'] = info.vps.toString('base64');
  if (info.sps !== undefined && info.sps.length > 0) fmtp['sprop-sps'] = info.sps.toString('base64');
  if (info.pps !== undefined && info.pps.length > 0) fmtp['sprop-pps'] = info.pps.toString('base64');
  return { payloadType, encodingName: H265_ENCODING_NAME, clockRate: H265_CLOCK_RATE, fmtp };
}

/** null when the stream uses DONL (sprop-max-don-diff > 0), which the depacketizer does not parse. */
export function h265InfoFromRtpParams(params: RtpCodecParams): VideoTrackInfo | null {
  if (fmtpInteger(params, 'sprop-max-don-diff', 0) !== 0) return null;
  const { vps, sps, pps } = h265ParameterSets(params);
  let info: VideoTrackInfo = { codec: 'h265', ...(vps ? { vps } : {}), ...(sps ? { sps } : {}), ...(pps ? { pps } : {}) };
  if (sps !== undefined) {
    try {
      const s = parseH265Sps(sps);
      info = { ...info, profile: s.profile, level: s.level, width: s.width, height: s.height, ...(s.fps ? { fps: s.fps } : {}) };
    } catch (err) {
      // A broken SPS in the SDP: keep the track, the size stays unknown.
      if (!isProtocolError(err)) throw err;
    }
  }
  return info;
}

/** VPS/SPS/PPS from sprop-vps/sps/pps (each may list several; the first of the right type wins). */
export function h265ParameterSets(params: RtpCodecParams): { vps?: Buffer; sps?: Buffer; pps?: Buffer } {
  const pick = (name: string, type: number): Buffer | undefined =>
    decodeParameterSets(fmtpValue(params, name)).find((n) => h265NaluType(n) === type);
  const vps = pick('sprop-vps', H265NaluType.Vps);
  const sps = pick('sprop-sps', H265NaluType.Sps);
  const pps = pick('sprop-pps', H265NaluType.Pps);
  return { ...(vps ? { vps } : {}), ...(sps ? { sps } : {}), ...(pps ? { pps } : {}) };
}

export function createH265Packetizer(params: RtpCodecParams, options: PacketizerOptions): H265Packetizer {
  return new H265Packetizer({ ...options, payloadType: params.payloadType, ...h265ParameterSets(params) });
}

export function createH265Depacketizer(_params: RtpCodecParams, options: DepacketizerOptions = {}): H265Depacketizer {
  return new H265Depacketizer(options);
}
