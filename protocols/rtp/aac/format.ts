/**
 * AAC in SDP as RFC 3640 `mpeg4-generic` (AAC-hbr; AAC-lbr accepted when receiving), to and from
 * AudioTrackInfo. MP4A-LATM (RFC 6416) is not supported.
 */
import type { AudioTrackInfo } from '../../media/frame.ts';
import {
  AudioObjectType,
  buildAudioSpecificConfig,
  parseAudioSpecificConfig,
  type AudioSpecificConfig,
} from '../../codecs/aac/audio-specific-config.ts';
import { isProtocolError } from '../../errors.ts';
import type { DepacketizerOptions } from '../depacketizer.ts';
import type { PacketizerOptions } from '../packetizer.ts';
import { fmtpInteger, fmtpValue, type RtpCodecParams } from '../rtp-codec-params.ts';
import { AAC_HBR, validateAuHeaderConfig, type AuHeaderConfig } from './au-header-config.ts';
import { AacDepacketizer } from './depacketizer.ts';
import { AacPacketizer } from './packetizer.ts';

export const AAC_ENCODING_NAME = 'MPEG4-GENERIC';
/** RFC 3640 §3.3.5: mode=AAC-lbr uses 6-bit sizes and 2-bit indexes. */
const AAC_LBR: AuHeaderConfig = { sizeLength: 6, indexLength: 2, indexDeltaLength: 2 };
/** AU-header fields we do not parse: a non-zero length makes the format unsupported. */
const UNSUPPORTED_FIELDS = ['ctsdeltalength', 'dtsdeltalength', 'randomaccessindication', 'streamstateindication', 'auxiliarydatasizelength'];
const AUDIO_STREAM_TYPE = '5';

export function aacRtpParams(info: AudioTrackInfo, payloadType: number): RtpCodecParams {
  const config = info.config ?? buildAudioSpecificConfig({
    objectType: AudioObjectType.AacLc,
    sampleRate: info.sampleRate,
    channelConfig: info.channels === 8 ? 7 : Math.min(info.channels, 6),
  });
  return {
    payloadType,
    encodingName: AAC_ENCODING_NAME,
    clockRate: info.sampleRate,
    channels: info.channels,
    fmtp: {
      streamtype: AUDIO_STREAM_TYPE,
      'profile-level-id': '1',
      mode: 'AAC-hbr',
      sizelength: String(AAC_HBR.sizeLength),
      indexlength: String(AAC_HBR.indexLength),
      indexdeltalength: String(AAC_HBR.indexDeltaLength),
      config: config.toString('hex'),
    },
  };
}

/** null when the AU-header layout is one we cannot parse. */
export function aacInfoFromRtpParams(params: RtpCodecParams): AudioTrackInfo | null {
  if (aacAuHeaderConfig(params) === null) return null;
  const { config, asc } = aacConfig(params);
  return {
    codec: 'aac',
    sampleRate: asc?.extensionSampleRate ?? asc?.sampleRate ?? params.clockRate,
    channels: asc?.channels || params.channels || 1,
    config,
  };
}

/** The AU-header layout from fmtp, or null when unsupported. */
export function aacAuHeaderConfig(params: RtpCodecParams): AuHeaderConfig | null {
  const mode = fmtpValue(params, 'mode')?.toLowerCase();
  const defaults = mode === 'aac-lbr' ? AAC_LBR : AAC_HBR;
  if (mode !== undefined && mode !== 'aac-hbr' && mode !== 'aac-lbr') return null;
  if (mode === undefined && fmtpValue(params, 'sizelength') === undefined) return null;
  for (const field of UNSUPPORTED_FIELDS) if (fmtpInteger(params, field, 0) !== 0) return null;
  const layout: AuHeaderConfig = {
    sizeLength: fmtpInteger(params, 'sizelength', defaults.sizeLength),
    indexLength: fmtpInteger(params, 'indexlength', defaults.indexLength),
    indexDeltaLength: fmtpInteger(params, 'indexdeltalength', defaults.indexDeltaLength),
  };
  try {
    validateAuHeaderConfig(layout);
  } catch {
    return null; // RangeError: a layout outside what the depacketizer reads
  }
  return layout;
}

export function createAacPacketizer(params: RtpCodecParams, options: PacketizerOptions): AacPacketizer {
  const layout = aacAuHeaderConfig(params);
  if (layout === null || layout.sizeLength !== AAC_HBR.sizeLength || layout.indexLength !== AAC_HBR.indexLength) {
    throw new RangeError('the AAC packetizer writes mode=AAC-hbr (sizelength=13, indexlength=3) only');
  }
  return new AacPacketizer({ ...options, payloadType: params.payloadType, clockRate: params.clockRate });
}

export function createAacDepacketizer(params: RtpCodecParams, options: DepacketizerOptions = {}): AacDepacketizer {
  const layout = aacAuHeaderConfig(params);
  if (layout === null) throw new RangeError('unsupported mpeg4-generic AU-header layout');
  const { asc } = aacConfig(params);
  // Samples per AU counted at the RTP clock: 1024 core samples are 2048 at an SBR output rate.
  let samplesPerFrame = 1024;
  if (asc !== undefined) {
    const scaled = (asc.samplesPerFrame * params.clockRate) / asc.sampleRate;
    samplesPerFrame = Number.isInteger(scaled) && scaled > 0 ? scaled : asc.samplesPerFrame;
  }
  return new AacDepacketizer({ ...options, clockRate: params.clockRate, samplesPerFrame, auHeader: layout });
}

/** The fmtp config (hex AudioSpecificConfig), or one built from rtpmap when missing or unreadable. */
function aacConfig(params: RtpCodecParams): { config: Buffer; asc?: AudioSpecificConfig } {
  const hex = fmtpValue(params, 'config');
  if (hex !== undefined && /^([0-9a-fA-F]{2})+$/.test(hex)) {
    const config = Buffer.from(hex, 'hex');
    try {
      return { config, asc: parseAudioSpecificConfig(config) };
    } catch (err) {
      // Unreadable config from a camera: fall back to AAC LC from the rtpmap below.
      if (!isProtocolError(err)) throw err;
    }
  }
  const channels = params.channels ?? 1;
  const config = buildAudioSpecificConfig({
    objectType: AudioObjectType.AacLc,
    sampleRate: params.clockRate,
    channelConfig: channels === 8 ? 7 : Math.min(Math.max(channels, 1), 6),
  });
  return { config, asc: parseAudioSpecificConfig(config) };
}
