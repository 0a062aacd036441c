/**
 * The bridge between StreamDescription tracks and RTP payload formats (the rtpmap/fmtp of SDP):
 * which params a track is served with, which track an offered format describes, and the
 * packetizer/depacketizer for a format. Codec details live in <codec>/format.ts.
 */
import type { AudioTrackInfo, VideoTrackInfo } from '../media/frame.ts';
import { aacInfoFromRtpParams, aacRtpParams, createAacDepacketizer, createAacPacketizer, AAC_ENCODING_NAME } from './aac/format.ts';
import type { DepacketizerOptions, RtpDepacketizer } from './depacketizer.ts';
import { createG711Depacketizer, createG711Packetizer, g711InfoFromRtpParams, g711RtpParams } from './g711/format.ts';
import { createH264Depacketizer, createH264Packetizer, h264InfoFromRtpParams, h264RtpParams, H264_ENCODING_NAME } from './h264/format.ts';
import { createMpaDepacketizer, createMpaPacketizer, mpaInfoFromRtpParams, mpaRtpParams, MPA_ENCODING_NAME } from './mpa/format.ts';
import { createH265Depacketizer, createH265Packetizer, h265InfoFromRtpParams, h265RtpParams, H265_ENCODING_NAME } from './h265/format.ts';
import type { PacketizerOptions, RtpPacketizer } from './packetizer.ts';
import { isEncoding, type RtpCodecParams } from './rtp-codec-params.ts';

export type { RtpCodecParams } from './rtp-codec-params.ts';
export { fmtpValue } from './rtp-codec-params.ts';

/** Dynamic payload types used when the caller gives none (RFC 3551 §3: 96-127). */
export const DEFAULT_VIDEO_PAYLOAD_TYPE = 96;
export const DEFAULT_AUDIO_PAYLOAD_TYPE = 97;

/** RTP params to serve a video track with; null for a codec RTP cannot carry here. */
export function rtpParamsForVideo(info: VideoTrackInfo, payloadType = DEFAULT_VIDEO_PAYLOAD_TYPE): RtpCodecParams | null {
  switch (info.codec) {
    case 'h264':
      return h264RtpParams(info, payloadType);
    case 'h265':
      return h265RtpParams(info, payloadType);
    default:
      return null;
  }
}

/**
 * RTP params to serve an audio track with. Static payload types win over `payloadType`: G.711 at
 * 8000 Hz mono (0/8) and MP3 (14, MPA/90000).
 */
export function rtpParamsForAudio(info: AudioTrackInfo, payloadType = DEFAULT_AUDIO_PAYLOAD_TYPE): RtpCodecParams | null {
  switch (info.codec) {
    case 'aac':
      return aacRtpParams(info, payloadType);
    case 'pcma':
    case 'pcmu':
      return g711RtpParams(info, payloadType);
    case 'mp3':
      return mpaRtpParams(info);
    default:
      return null;
  }
}

/** The video track an offered format describes (parameter sets decoded, SPS parsed); null if unsupported. */
export function videoInfoFromRtpParams(params: RtpCodecParams): VideoTrackInfo | null {
  if (params.clockRate !== 90000) return null;
  if (isEncoding(params, H264_ENCODING_NAME)) return h264InfoFromRtpParams(params);
  if (isEncoding(params, H265_ENCODING_NAME)) return h265InfoFromRtpParams(params);
  return null;
}

/** The audio track an offered format describes; null if unsupported. */
export function audioInfoFromRtpParams(params: RtpCodecParams): AudioTrackInfo | null {
  if (!(params.clockRate > 0)) return null;
  if (isEncoding(params, AAC_ENCODING_NAME)) return aacInfoFromRtpParams(params);
  if (isEncoding(params, MPA_ENCODING_NAME)) return mpaInfoFromRtpParams(params);
  return g711InfoFromRtpParams(params);
}

/** True when createDepacketizer accepts the params (same test as *InfoFromRtpParams). */
export function isRtpFormatSupported(params: RtpCodecParams): boolean {
  return videoInfoFromRtpParams(params) !== null || audioInfoFromRtpParams(params) !== null;
}

/**
 * The packetizer for a format made by rtpParamsForVideo/Audio. Throws RangeError for an
 * unsupported format or bad options (a programming error, not wire input).
 */
export function createPacketizer(params: RtpCodecParams, options: PacketizerOptions): RtpPacketizer {
  if (isEncoding(params, H264_ENCODING_NAME)) return createH264Packetizer(params, options);
  if (isEncoding(params, H265_ENCODING_NAME)) return createH265Packetizer(params, options);
  if (isEncoding(params, AAC_ENCODING_NAME)) return createAacPacketizer(params, options);
  if (isEncoding(params, 'PCMU') || isEncoding(params, 'PCMA')) return createG711Packetizer(params, options);
  if (isEncoding(params, MPA_ENCODING_NAME)) return createMpaPacketizer(params, options);
  throw new RangeError(`no RTP packetizer for ${params.encodingName}`);
}

/**
 * The depacketizer for an offered format. Check it first with videoInfoFromRtpParams /
 * audioInfoFromRtpParams (or isRtpFormatSupported): an unsupported format throws RangeError.
 */
export function createDepacketizer(params: RtpCodecParams, options: DepacketizerOptions = {}): RtpDepacketizer {
  if (!isRtpFormatSupported(params)) throw new RangeError(`no RTP depacketizer for ${params.encodingName}`);
  if (isEncoding(params, H264_ENCODING_NAME)) return createH264Depacketizer(params, options);
  if (isEncoding(params, H265_ENCODING_NAME)) return createH265Depacketizer(params, options);
  if (isEncoding(params, AAC_ENCODING_NAME)) return createAacDepacketizer(params, options);
  if (isEncoding(params, MPA_ENCODING_NAME)) return createMpaDepacketizer(params, options);
  return createG711Depacketizer(params, options);
}
