/**
 * Audio tag bodies from internal frames (the reverse of audio-tag.ts). Frame bodies are returned
 * as [header, payload] so the payload is written beside the 1-2 byte header without copying.
 */
import type { AudioTrackInfo, Frame } from '../media/frame.ts';
import { AacPacketType, SoundFormat } from './constants.ts';
import { ProtocolError } from '../errors.ts';

/** SoundRate bits: 0 = 5.5 kHz, 1 = 11 kHz, 2 = 22 kHz, 3 = 44 kHz. */
function soundRateBits(sampleRate: number): number {
  if (sampleRate >= 44100) return 3;
  if (sampleRate >= 22050) return 2;
  if (sampleRate >= 11025) return 1;
  return 0;
}

/** The first byte of every audio tag of this track. */
export function audioTagHeaderByte(audio: AudioTrackInfo): number {
  const stereo = audio.channels > 1 ? 1 : 0;
  const size16 = 1 << 1;
  switch (audio.codec) {
    // AAC: the spec says to always write 44 kHz stereo; the AudioSpecificConfig is authoritative.
    case 'aac':
      return (SoundFormat.Aac << 4) | (3 << 2) | size16 | 1;
    case 'pcma':
      return (SoundFormat.G711ALaw << 4) | size16 | stereo;
    case 'pcmu':
      return (SoundFormat.G711MuLaw << 4) | size16 | stereo;
    case 'mp3':
      if (audio.sampleRate === 8000) return (SoundFormat.Mp38k << 4) | size16 | stereo;
      return (SoundFormat.Mp3 << 4) | (soundRateBits(audio.sampleRate) << 2) | size16 | stereo;
    default: {
      const never: never = audio.codec;
      throw new ProtocolError('FLV_AUDIO_CODEC_UNSUPPORTED', `no FLV sound format for ${String(never)}`);
    }
  }
}

/** AAC sequence header body; null for codecs without one (G.711, MP3) or an unknown config. */
export function audioSequenceHeaderBody(audio: AudioTrackInfo): Buffer | null {
  if (audio.codec !== 'aac' || audio.config === undefined) return null;
  const out = Buffer.allocUnsafe(2 + audio.config.length);
  out[0] = audioTagHeaderByte(audio);
  out[1] = AacPacketType.SequenceHeader;
  audio.config.copy(out, 2);
  return out;
}

/** [tag header, frame payload] for one audio frame; the payload is the Frame's own Buffer. */
export function audioFrameTagParts(audio: AudioTrackInfo, frame: Frame): [Buffer, Buffer] {
  const first = audioTagHeaderByte(audio);
  const header = audio.codec === 'aac' ? Buffer.from([first, AacPacketType.Raw]) : Buffer.from([first]);
  return [header, frame.payload];
}
