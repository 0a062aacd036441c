/**
 * ADTS headers (ISO/IEC 13818-7 §6.2, ISO/IEC 14496-3 §1.A.2.2): the 7-byte (9 with CRC) header in
 * front of each AAC frame in .aac files and MPEG-TS. Frames carry raw AUs; ADTS exists only at edges.
 */
import { ProtocolError } from '../../errors.ts';
import { buildAudioSpecificConfig } from './audio-specific-config.ts';
import { AAC_SAMPLE_RATES, channelsOfConfiguration, sampleRateIndexOf } from './sample-rates.ts';

export const ADTS_HEADER_LENGTH = 7;
export const ADTS_HEADER_LENGTH_WITH_CRC = 9;
/** aac_frame_length is 13 bits and includes the header. */
export const MAX_ADTS_FRAME_LENGTH = 0x1fff;
const ADTS_SYNCWORD = 0xfff;
/** adts_buffer_fullness value meaning variable bit rate. */
const ADTS_FULLNESS_VBR = 0x7ff;

export interface AdtsHeader {
  /** MPEG-4 audioObjectType (ADTS profile + 1): 2 = AAC LC. */
  readonly objectType: number;
  readonly samplingFrequencyIndex: number;
  readonly sampleRate: number;
  readonly channelConfig: number;
  readonly channels: number;
  /** 7, or 9 when a CRC follows the fixed header. */
  readonly headerLength: number;
  /** aac_frame_length: header plus raw data, in bytes. */
  readonly frameLength: number;
  /** number_of_raw_data_blocks_in_frame + 1 (normally 1, i.e. 1024 samples). */
  readonly rawDataBlocks: number;
}

export interface AdtsHeaderInit {
  readonly objectType: number;
  readonly sampleRate: number;
  readonly channelConfig: number;
  /** Size of the raw AU that follows the header, in bytes. */
  readonly payloadLength: number;
}

/**
 * Parses the ADTS header at `offset`. Returns null when fewer bytes than the header are available
 * (need more bytes); throws CODEC_ADTS_INVALID on a missing syncword or impossible field.
 */
export function parseAdtsHeader(buf: Buffer, offset = 0): AdtsHeader | null {
  if (buf.length - offset < ADTS_HEADER_LENGTH) return null;
  const b1 = buf[offset + 1]!;
  const b2 = buf[offset + 2]!;
  const b3 = buf[offset + 3]!;
  if (((buf[offset]! << 4) | (b1 >> 4)) !== ADTS_SYNCWORD) {
    throw new ProtocolError('CODEC_ADTS_INVALID', 'ADTS syncword missing');
  }
  if ((b1 & 0x06) !== 0) throw new ProtocolError('CODEC_ADTS_INVALID', 'ADTS layer is not 0');
  const protectionAbsent = (b1 & 0x01) === 1;
  const headerLength = protectionAbsent ? ADTS_HEADER_LENGTH : ADTS_HEADER_LENGTH_WITH_CRC;
  if (buf.length - offset < headerLength) return null;
  const objectType = (b2 >> 6) + 1;
  const samplingFrequencyIndex = (b2 >> 2) & 0x0f;
  const sampleRate = AAC_SAMPLE_RATES[samplingFrequencyIndex];
  if (sampleRate === undefined) {
    throw new ProtocolError('CODEC_ADTS_INVALID', `reserved ADTS sampling_frequency_index ${samplingFrequencyIndex}`);
  }
  const channelConfig = ((b2 & 0x01) << 2) | (b3 >> 6);
  const frameLength = ((b3 & 0x03) << 11) | (buf[offset + 4]! << 3) | (buf[offset + 5]! >> 5);
  if (frameLength < headerLength) {
    throw new ProtocolError('CODEC_ADTS_INVALID', `ADTS frame length ${frameLength} shorter than its header`);
  }
  return {
    objectType,
    samplingFrequencyIndex,
    sampleRate,
    channelConfig,
    channels: channelsOfConfiguration(channelConfig),
    headerLength,
    frameLength,
    rawDataBlocks: (buf[offset + 6]! & 0x03) + 1,
  };
}

/** Builds a 7-byte ADTS header (no CRC, MPEG-4 ID, VBR fullness, one raw data block). */
export function buildAdtsHeader(init: AdtsHeaderInit): Buffer {
  const index = sampleRateIndexOf(init.sampleRate);
  if (index < 0) throw new RangeError(`ADTS cannot signal sample rate ${init.sampleRate}`);
  if (init.objectType < 1 || init.objectType > 4) {
    throw new RangeError(`ADTS cannot signal audioObjectType ${init.objectType}`);
  }
  if (init.channelConfig < 0 || init.channelConfig > 7) {
    throw new RangeError(`ADTS cannot signal channelConfiguration ${init.channelConfig}`);
  }
  const frameLength = ADTS_HEADER_LENGTH + init.payloadLength;
  if (init.payloadLength < 0 || frameLength > MAX_ADTS_FRAME_LENGTH) {
    throw new RangeError(`ADTS frame length ${frameLength} out of range`);
  }
  const out = Buffer.allocUnsafe(ADTS_HEADER_LENGTH);
  out[0] = 0xff;
  out[1] = 0xf1; // syncword low nibble, ID = 0 (MPEG-4), layer 0, protection_absent = 1
  out[2] = ((init.objectType - 1) << 6) | (index << 2) | (init.channelConfig >> 2);
  out[3] = ((init.channelConfig & 0x03) << 6) | (frameLength >> 11);
  out[4] = (frameLength >> 3) & 0xff;
  out[5] = ((frameLength & 0x07) << 5) | (ADTS_FULLNESS_VBR >> 6);
  out[6] = (ADTS_FULLNESS_VBR & 0x3f) << 2; // number_of_raw_data_blocks_in_frame = 0
  return out;
}

/** The AudioSpecificConfig equivalent to an ADTS header (what FLV and SDP need). */
export function audioSpecificConfigFromAdts(header: AdtsHeader): Buffer {
  return buildAudioSpecificConfig({
    objectType: header.objectType,
    sampleRate: header.sampleRate,
    channelConfig: header.channelConfig,
  });
}
