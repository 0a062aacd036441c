/**
 * The one internal media unit. Every ingest (RTMP publish, RTSP RECORD, RTMP/RTSP pull, compressor
 * output) produces Frames; every output (RTMP play, RTSP play, replication, compressor input)
 * consumes them.
 */

export type TrackKind = 'video' | 'audio';
export type VideoCodec = 'h264' | 'h265';
export type AudioCodec = 'aac' | 'pcma' | 'pcmu' | 'mp3';

export interface Frame {
  readonly track: TrackKind;
  /** Decode timestamp in milliseconds (may be fractional: RTP clocks do not divide into ms). */
  readonly dts: number;
  /** Presentation timestamp in milliseconds; pts - dts is the composition offset. */
  readonly pts: number;
  /** Video: the access unit starts a GOP (IDR / IRAP). Audio: always true. */
  readonly keyframe: boolean;
  /**
   * Video (h264, h265): one access unit as NAL units each preceded by a 4-byte big-endian length
   * (AVCC / HVCC "length-prefixed" form, as FLV carries it).
   * Audio: one raw access unit (AAC without ADTS header, G.711 samples, one MP3 frame).
   * Consumers must not modify it; keep a copy (`Buffer.from`) when holding a small piece for long.
   */
  readonly payload: Buffer;
}

export interface VideoTrackInfo {
  readonly codec: VideoCodec;
  /** Parameter sets (without length prefix or start code), when known. */
  readonly vps?: Buffer;
  readonly sps?: Buffer;
  readonly pps?: Buffer;
  readonly width?: number;
  readonly height?: number;
  /** Codec profile name or number as the SPS gives it (h264: 66, 77, 100...; h265: general_profile_idc). */
  readonly profile?: number;
  readonly level?: number;
  /** Nominal frame rate when the source declares it (SPS VUI or onMetaData). */
  readonly fps?: number;
}

export interface AudioTrackInfo {
  readonly codec: AudioCodec;
  readonly sampleRate: number;
  readonly channels: number;
  /** AAC AudioSpecificConfig (ISO 14496-3 §1.6.2.1). */
  readonly config?: Buffer;
}

export interface StreamDescription {
  readonly video?: VideoTrackInfo;
  readonly audio?: AudioTrackInfo;
}

/** Splits a length-prefixed (4-byte) access unit into NAL unit views. Stops at a truncated unit. */
export function splitLengthPrefixed(payload: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  while (off + 4 <= payload.length) {
    const len = payload.readUInt32BE(off);
    off += 4;
    if (len === 0) continue;
    if (off + len > payload.length) break;
    out.push(payload.subarray(off, off + len));
    off += len;
  }
  return out;
}

/** Joins NAL units into one length-prefixed (4-byte) access unit, allocating once. */
export function joinLengthPrefixed(nalus: readonly Buffer[]): Buffer {
  let size = 0;
  for (const n of nalus) size += 4 + n.length;
  const out = Buffer.allocUnsafe(size);
  let off = 0;
  for (const n of nalus) {
    out.writeUInt32BE(n.length, off);
    off += 4;
    off += n.copy(out, off);
  }
  return out;
}
