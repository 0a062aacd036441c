/**
 * The tracks of an fMP4 file, from a stream description: video in a 90 kHz timescale, audio in its
 * sample rate. A track whose decoder configuration is not known yet (no SPS) is left out.
 */
import type { StreamDescription } from '../media/frame.ts';
import { buildAvcDecoderConfig } from '../flv/avc-decoder-config.ts';
import { buildHevcDecoderConfig } from '../flv/hevc-decoder-config.ts';

export const VIDEO_TIMESCALE = 90_000;

export interface Mp4VideoTrack {
  readonly kind: 'video';
  readonly id: number;
  readonly codec: 'h264' | 'h265';
  readonly timescale: number;
  readonly width: number;
  readonly height: number;
  /** AVCDecoderConfigurationRecord (avcC) or HEVCDecoderConfigurationRecord (hvcC). */
  readonly config: Buffer;
}

export interface Mp4AudioTrack {
  readonly kind: 'audio';
  readonly id: number;
  readonly codec: 'aac' | 'mp3' | 'pcma' | 'pcmu' | 'opus';
  readonly timescale: number;
  readonly sampleRate: number;
  readonly channels: number;
  /** AAC AudioSpecificConfig. */
  readonly config?: Buffer;
}

export type Mp4Track = Mp4VideoTrack | Mp4AudioTrack;

export interface TrackChoice {
  /** Audio codecs to carry; others are left out (a browser's MSE cannot decode G.711). Defaults to all. */
  readonly audioCodecs?: readonly Mp4AudioTrack['codec'][];
}

/** Video first (track 1), then audio. */
export function mp4TracksFromDescription(desc: StreamDescription, choice: TrackChoice = {}): Mp4Track[] {
  const tracks: Mp4Track[] = [];
  const v = desc.video;
  if (v !== undefined && v.sps !== undefined && v.pps !== undefined && (v.codec === 'h264' || v.vps !== undefined)) {
    const config = v.codec === 'h264' ? buildAvcDecoderConfig([v.sps], [v.pps]) : buildHevcDecoderConfig([v.vps!], [v.sps], [v.pps]);
    tracks.push({ kind: 'video', id: 1, codec: v.codec, timescale: VIDEO_TIMESCALE, width: v.width ?? 0, height: v.height ?? 0, config });
  }
  const a = desc.audio;
  if (a !== undefined && (choice.audioCodecs === undefined || choice.audioCodecs.includes(a.codec)) && (a.codec !== 'aac' || a.config !== undefined)) {
    tracks.push({
      kind: 'audio',
      id: tracks.length + 1,
      codec: a.codec,
      timescale: a.sampleRate,
      sampleRate: a.sampleRate,
      channels: a.channels,
      ...(a.config !== undefined ? { config: a.config } : {}),
    });
  }
  return tracks;
}
