/**
 * MPEG-1/2/2.5 audio frame headers (ISO/IEC 11172-3 §2.4.2.3, 13818-3): the 4 bytes before each
 * MP3 (layer III), MP2 or MP1 frame, giving its length, rate, channels and duration.
 */
import { ProtocolError } from '../../errors.ts';

export const MPEG_AUDIO_HEADER_LENGTH = 4;

export interface MpegAudioFrameHeader {
  /** 1 (MPEG-1), 2 (MPEG-2 LSF) or 2.5 (MPEG-2.5). */
  readonly version: 1 | 2 | 2.5;
  readonly layer: 1 | 2 | 3;
  readonly bitrateKbps: number;
  readonly sampleRate: number;
  readonly channels: 1 | 2;
  /** Samples per channel in the frame: 384, 1152 or 576. */
  readonly samplesPerFrame: number;
  /** Bytes of the whole frame, header included. */
  readonly frameLength: number;
}

// Bitrates in kbps by bitrate_index; index 0 (free format) and 15 are not supported.
const BITRATES_V1: Record<number, readonly number[]> = {
  1: [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  2: [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  3: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
};
const BITRATES_V2_L1 = [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256];
const BITRATES_V2_L23 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const SAMPLE_RATES_V1 = [44100, 48000, 32000];
const SYNC = 0x7ff;
const VERSION_2 = 2;
const VERSION_1 = 3;
const CHANNEL_MODE_MONO = 3;

/** True when `buf[offset..]` starts with the 11-bit frame sync. */
export function hasMpegAudioSync(buf: Buffer, offset = 0): boolean {
  return buf.length - offset >= 2 && buf[offset] === 0xff && (buf[offset + 1]! & 0xe0) === 0xe0;
}

/** Parses the header at `offset`; null when fewer than 4 bytes remain; throws on an invalid header. */
export function parseMpegAudioFrameHeader(buf: Buffer, offset = 0): MpegAudioFrameHeader | null {
  if (buf.length - offset < MPEG_AUDIO_HEADER_LENGTH) return null;
  const h = buf.readUInt32BE(offset);
  if (h >>> 21 !== SYNC) throw invalid('frame sync missing');
  const versionBits = (h >>> 19) & 3;
  const layerBits = (h >>> 17) & 3;
  const bitrateIndex = (h >>> 12) & 15;
  const rateIndex = (h >>> 10) & 3;
  const padding = (h >>> 9) & 1;
  const channelMode = (h >>> 6) & 3;
  if (versionBits === 1) throw invalid('reserved MPEG audio version');
  if (layerBits === 0) throw invalid('reserved MPEG audio layer');
  if (bitrateIndex === 0 || bitrateIndex === 15) throw invalid(`unsupported bitrate index ${bitrateIndex}`);
  if (rateIndex === 3) throw invalid('reserved sampling rate index');
  const version = versionBits === VERSION_1 ? 1 : versionBits === VERSION_2 ? 2 : 2.5;
  const layer = (4 - layerBits) as 1 | 2 | 3;
  const bitrateKbps = (version === 1 ? BITRATES_V1[layer]! : layer === 1 ? BITRATES_V2_L1 : BITRATES_V2_L23)[bitrateIndex]!;
  const divisor = versionBits === VERSION_1 ? 1 : versionBits === VERSION_2 ? 2 : 4;
  const sampleRate = SAMPLE_RATES_V1[rateIndex]! / divisor;
  const samplesPerFrame = layer === 1 ? 384 : layer === 2 || version === 1 ? 1152 : 576;
  const frameLength =
    layer === 1
      ? (Math.floor((12 * bitrateKbps * 1000) / sampleRate) + padding) * 4
      : Math.floor(((samplesPerFrame / 8) * bitrateKbps * 1000) / sampleRate) + padding;
  return {
    version,
    layer,
    bitrateKbps,
    sampleRate,
    channels: channelMode === CHANNEL_MODE_MONO ? 1 : 2,
    samplesPerFrame,
    frameLength,
  };
}

function invalid(message: string): ProtocolError {
  return new ProtocolError('CODEC_MPEG_AUDIO_HEADER_INVALID', message);
}
