/**
 * MPEG audio in SDP (RFC 3551 §4.5.13): static payload type 14, `MPA/90000`. The SDP carries no
 * sampling rate: the AudioTrackInfo gets a nominal 44100 Hz (frame headers are authoritative).
 */
import type { AudioTrackInfo } from '../../media/frame.ts';
import type { DepacketizerOptions } from '../depacketizer.ts';
import type { PacketizerOptions } from '../packetizer.ts';
import { isEncoding, type RtpCodecParams } from '../rtp-codec-params.ts';
import { MPA_CLOCK_RATE, MpaDepacketizer } from './depacketizer.ts';
import { MPA_PAYLOAD_TYPE, MpaPacketizer } from './packetizer.ts';

export const MPA_ENCODING_NAME = 'MPA';
const NOMINAL_SAMPLE_RATE = 44100;

export function mpaRtpParams(_info: AudioTrackInfo): RtpCodecParams {
  return { payloadType: MPA_PAYLOAD_TYPE, encodingName: MPA_ENCODING_NAME, clockRate: MPA_CLOCK_RATE, fmtp: {} };
}

export function mpaInfoFromRtpParams(params: RtpCodecParams): AudioTrackInfo | null {
  if (!isEncoding(params, MPA_ENCODING_NAME) || params.clockRate !== MPA_CLOCK_RATE) return null;
  const channels = params.channels === 1 ? 1 : 2;
  return { codec: 'mp3', sampleRate: NOMINAL_SAMPLE_RATE, channels };
}

export function createMpaPacketizer(params: RtpCodecParams, options: PacketizerOptions): MpaPacketizer {
  return new MpaPacketizer({ ...options, payloadType: params.payloadType });
}

export function createMpaDepacketizer(_params: RtpCodecParams, options: DepacketizerOptions = {}): MpaDepacketizer {
  return new MpaDepacketizer(options);
}
