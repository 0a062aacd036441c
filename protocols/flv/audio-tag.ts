/**
 * Audio tag body parsing (FLV spec §E.4.2.1 AudioTagHeader + AACAUDIODATA). Returns views into
 * the body. AAC, G.711 A-law/µ-law and MP3 are carried; other formats are reported unsupported.
 */
import type { AudioCodec } from '../media/frame.ts';
import { AacPacketType, SOUND_RATES_HZ, SoundFormat } from './constants.ts';
import { ProtocolError } from '../errors.ts';
import { parseMpegAudioFrameHeader } from '../codecs/mpeg-audio/frame-header.ts';

export type FlvAudioTag =
  /** AAC sequence header: the AudioSpecificConfig (ISO 14496-3 §1.6.2.1). */
  | { readonly kind: 'aac-config'; readonly config: Buffer }
  /**
   * One access unit. sampleRate/channels come from the tag header bits (G.711, MP3) or the MP3
   * frame header; for AAC they are placeholders (the AudioSpecificConfig is authoritative).
   */
  | {
      readonly kind: 'frame';
      readonly codec: AudioCodec;
      readonly sampleRate: number;
      readonly channels: number;
      readonly data: Buffer;
    }
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'unsupported'; readonly codec: string };

/** G.711 in FLV is always 8 kHz whatever the SoundRate bits say (FLV spec §E.4.2.1 note). */
const G711_SAMPLE_RATE_HZ = 8000;

export function parseAudioTagBody(body: Buffer): FlvAudioTag {
  if (body.length === 0) return { kind: 'ignored', reason: 'empty audio tag' };
  const first = body[0]!;
  const format = first >> 4;
  const rateHz = SOUND_RATES_HZ[(first >> 2) & 0x03]!;
  const channels = (first & 0x01) + 1;
  switch (format) {
    case SoundFormat.Aac: {
      if (body.length < 2) throw new ProtocolError('FLV_AUDIO_TAG_TRUNCATED', 'AAC tag without AACPacketType');
      const packetType = body[1]!;
      if (packetType === AacPacketType.SequenceHeader) return { kind: 'aac-config', config: body.subarray(2) };
      if (packetType === AacPacketType.Raw) {
        return { kind: 'frame', codec: 'aac', sampleRate: rateHz, channels, data: body.subarray(2) };
      }
      throw new ProtocolError('FLV_AUDIO_PACKET_TYPE_INVALID', `AACPacketType ${packetType}`);
    }
    case SoundFormat.G711ALaw:
    case SoundFormat.G711MuLaw:
      return {
        kind: 'frame',
        codec: format === SoundFormat.G711ALaw ? 'pcma' : 'pcmu',
        sampleRate: G711_SAMPLE_RATE_HZ,
        channels,
        data: body.subarray(1),
      };
    case SoundFormat.Mp3:
    case SoundFormat.Mp38k: {
      const data = body.subarray(1);
      const header = parseMpegAudioFrameHeader(data); // authoritative when the frame header is there
      const fallbackRate = format === SoundFormat.Mp38k ? 8000 : rateHz;
      return {
        kind: 'frame',
        codec: 'mp3',
        sampleRate: header?.sampleRate ?? fallbackRate,
        channels: header?.channels ?? channels,
        data,
      };
    }
    default:
      return { kind: 'unsupported', codec: `flv-sound-format-${format}` };
  }
}
