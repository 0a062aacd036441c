/** G.711 in SDP (RFC 3551 §4.5.14, §6): static PT 0 (PCMU) / 8 (PCMA) at 8000 Hz mono, else dynamic. */
import type { AudioTrackInfo } from '../../media/frame.ts';
import type { DepacketizerOptions } from '../depacketizer.ts';
import type { PacketizerOptions } from '../packetizer.ts';
import { isEncoding, type RtpCodecParams } from '../rtp-codec-params.ts';
import { G711Depacketizer, G711_CLOCK_RATE } from './depacketizer.ts';
import { G711Packetizer, PCMA_PAYLOAD_TYPE, PCMU_PAYLOAD_TYPE } from './packetizer.ts';

/** Largest channel count we accept from an SDP. */
const MAX_CHANNELS = 8;

export function g711RtpParams(info: AudioTrackInfo, dynamicPayloadType: number): RtpCodecParams | null {
  if (info.codec !== 'pcmu' && info.codec !== 'pcma') return null;
  const encodingName = info.codec === 'pcmu' ? 'PCMU' : 'PCMA';
  const isStatic = info.sampleRate === G711_CLOCK_RATE && info.channels === 1;
  const payloadType = isStatic ? (info.codec === 'pcmu' ? PCMU_PAYLOAD_TYPE : PCMA_PAYLOAD_TYPE) : dynamicPayloadType;
  return { payloadType, encodingName, clockRate: info.sampleRate, channels: info.channels, fmtp: {} };
}

export function g711InfoFromRtpParams(params: RtpCodecParams): AudioTrackInfo | null {
  const codec = isEncoding(params, 'PCMU') ? 'pcmu' : isEncoding(params, 'PCMA') ? 'pcma' : null;
  const channels = params.channels ?? 1;
  if (codec === null || channels < 1 || channels > MAX_CHANNELS) return null;
  return { codec, sampleRate: params.clockRate, channels };
}

export function createG711Packetizer(params: RtpCodecParams, options: PacketizerOptions): G711Packetizer {
  return new G711Packetizer({ ...options, payloadType: params.payloadType, clockRate: params.clockRate, channels: params.channels ?? 1 });
}

export function createG711Depacketizer(params: RtpCodecParams, options: DepacketizerOptions = {}): G711Depacketizer {
  return new G711Depacketizer({ ...options, clockRate: params.clockRate });
}
