/**
 * VideoTrackInfo from FLV decoder configuration records (AVCDecoderConfigurationRecord,
 * HEVCDecoderConfigurationRecord), through protocols/codecs/parameter-sets.ts.
 */
import type { VideoCodec, VideoTrackInfo } from '../media/frame.ts';
import { videoTrackFromParameterSets, type ParameterSets } from '../codecs/parameter-sets.ts';
import { parseAvcDecoderConfig } from './avc-decoder-config.ts';
import { parseHevcDecoderConfig } from './hevc-decoder-config.ts';

export interface ParsedVideoConfig {
  readonly track: VideoTrackInfo;
  /** NAL unit length size of the frames that follow (1, 2 or 4 bytes). */
  readonly lengthSize: number;
}

/** Parses a sequence-start record into a track description. */
export function videoTrackFromConfig(codec: VideoCodec, config: Buffer): ParsedVideoConfig {
  if (codec === 'h264') {
    const c = parseAvcDecoderConfig(config);
    const track = videoTrackFromParameterSets('h264', firstOfEach(c));
    return { track: { ...track, profile: track.profile ?? c.profile, level: track.level ?? c.level }, lengthSize: c.lengthSizeMinusOne + 1 };
  }
  const c = parseHevcDecoderConfig(config);
  const track = videoTrackFromParameterSets('h265', firstOfEach(c));
  return {
    track: { ...track, profile: track.profile ?? c.profileIdc, level: track.level ?? c.levelIdc },
    lengthSize: c.lengthSizeMinusOne + 1,
  };
}

/** The first VPS, SPS and PPS a record lists (the ones decoders are set up with). */
function firstOfEach(c: { readonly vps?: readonly Buffer[]; readonly sps: readonly Buffer[]; readonly pps: readonly Buffer[] }): ParameterSets {
  const sets: ParameterSets = {};
  if (c.vps?.[0] !== undefined) sets.vps = c.vps[0];
  if (c.sps[0] !== undefined) sets.sps = c.sps[0];
  if (c.pps[0] !== undefined) sets.pps = c.pps[0];
  return sets;
}
