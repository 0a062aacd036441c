/**
 * MPEG-4 AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1): the "config" of RTP mpeg4-generic and the
 * AAC sequence header of FLV. Parsed far enough for object type, rate, channels, frame length and
 * explicit SBR/PS signalling.
 */
import { BitReader } from '../../bytes/bit-reader.ts';
import { ProtocolError, isProtocolError } from '../../errors.ts';
import { BitWriter } from '../bit-writer.ts';
import {
  AAC_SAMPLE_RATES,
  EXPLICIT_SAMPLE_RATE_INDEX,
  channelsOfConfiguration,
  sampleRateIndexOf,
} from './sample-rates.ts';

/** audioObjectType values (Table 1.17) we name. */
export const AudioObjectType = {
  AacMain: 1,
  AacLc: 2,
  AacSsr: 3,
  AacLtp: 4,
  Sbr: 5,
  AacScalable: 6,
  ErAacLc: 17,
  ErAacLd: 23,
  Ps: 29,
  Escape: 31,
  Layer3: 34,
} as const;

/** Object types whose config is a GASpecificConfig (§4.4.1) starting with frameLengthFlag. */
const GA_OBJECT_TYPES = new Set([1, 2, 3, 4, 6, 7, 17, 19, 20, 21, 22, 23]);

export interface AudioSpecificConfig {
  /** audioObjectType of the core codec (2 = AAC LC); with explicit SBR/PS this is the underlying type. */
  readonly objectType: number;
  /** Core sampling rate in Hz. */
  readonly sampleRate: number;
  readonly channelConfig: number;
  /** Channel count implied by channelConfig (0 when the config defers to a PCE). */
  readonly channels: number;
  /** Samples per access unit: 1024, or 960 with frameLengthFlag (480/512 for the LD types). */
  readonly samplesPerFrame: number;
  /** Explicit SBR/PS signalling (object type 5 or 29): the extension type and output rate. */
  readonly extensionObjectType?: number;
  readonly extensionSampleRate?: number;
}

export interface AudioSpecificConfigInit {
  readonly objectType: number;
  readonly sampleRate: number;
  readonly channelConfig: number;
  /** 960-sample frames (frameLengthFlag = 1). Defaults to false (1024). */
  readonly shortFrames?: boolean;
}

export function parseAudioSpecificConfig(config: Buffer): AudioSpecificConfig {
  try {
    const r = new BitReader(config);
    let objectType = readObjectType(r);
    const sampleRate = readSampleRate(r);
    const channelConfig = r.readBits(4);
    let extensionObjectType: number | undefined;
    let extensionSampleRate: number | undefined;
    if (objectType === AudioObjectType.Sbr || objectType === AudioObjectType.Ps) {
      extensionObjectType = objectType;
      extensionSampleRate = readSampleRate(r);
      objectType = readObjectType(r);
    }
    let samplesPerFrame = 1024;
    if (GA_OBJECT_TYPES.has(objectType)) {
      const shortFrames = r.readBit() === 1; // frameLengthFlag
      if (objectType === AudioObjectType.ErAacLd) samplesPerFrame = shortFrames ? 480 : 512;
      else samplesPerFrame = shortFrames ? 960 : 1024;
    } else if (objectType === AudioObjectType.Layer3) {
      samplesPerFrame = 1152;
    }
    return {
      objectType,
      sampleRate,
      channelConfig,
      channels: channelsOfConfiguration(channelConfig),
      samplesPerFrame,
      ...(extensionObjectType !== undefined ? { extensionObjectType, extensionSampleRate } : {}),
    };
  } catch (err) {
    if (isProtocolError(err) && err.code === 'CODEC_BITSTREAM_TRUNCATED') {
      throw new ProtocolError('CODEC_AUDIO_CONFIG_INVALID', 'AudioSpecificConfig is truncated', { cause: err });
    }
    throw err;
  }
}

/** Builds a GASpecificConfig-style AudioSpecificConfig (2 bytes for tabled rates, 5 for explicit). */
export function buildAudioSpecificConfig(init: AudioSpecificConfigInit): Buffer {
  const { objectType, sampleRate, channelConfig } = init;
  if (!Number.isInteger(objectType) || objectType < 1 || objectType > 95) {
    throw new RangeError(`audioObjectType ${objectType} out of range`);
  }
  if (!Number.isInteger(sampleRate) || sampleRate <= 0 || sampleRate >= 2 ** 24) {
    throw new RangeError(`sample rate ${sampleRate} out of range`);
  }
  if (!Number.isInteger(channelConfig) || channelConfig < 0 || channelConfig > 15) {
    throw new RangeError(`channelConfiguration ${channelConfig} out of range`);
  }
  const w = new BitWriter();
  if (objectType < AudioObjectType.Escape) {
    w.writeBits(5, objectType);
  } else {
    w.writeBits(5, AudioObjectType.Escape);
    w.writeBits(6, objectType - 32);
  }
  const index = sampleRateIndexOf(sampleRate);
  if (index >= 0) {
    w.writeBits(4, index);
  } else {
    w.writeBits(4, EXPLICIT_SAMPLE_RATE_INDEX);
    w.writeBits(24, sampleRate);
  }
  w.writeBits(4, channelConfig);
  // GASpecificConfig: frameLengthFlag, dependsOnCoreCoder = 0, extensionFlag = 0
  w.writeBits(3, init.shortFrames === true ? 0b100 : 0);
  return w.toBuffer();
}

function readObjectType(r: BitReader): number {
  const t = r.readBits(5);
  return t === AudioObjectType.Escape ? 32 + r.readBits(6) : t;
}

function readSampleRate(r: BitReader): number {
  const index = r.readBits(4);
  if (index === EXPLICIT_SAMPLE_RATE_INDEX) {
    const rate = r.readBits(24);
    if (rate === 0) throw new ProtocolError('CODEC_AUDIO_CONFIG_INVALID', 'explicit sampling rate is 0');
    return rate;
  }
  const rate = AAC_SAMPLE_RATES[index];
  if (rate === undefined) {
    throw new ProtocolError('CODEC_AUDIO_CONFIG_INVALID', `reserved samplingFrequencyIndex ${index}`);
  }
  return rate;
}
