/**
 * VideoTrackInfo from FLV decoder configuration records or in-band parameter sets, with the
 * picture size, profile, level and frame rate read from the SPS (protocols/codecs).
 */
import type { VideoCodec, VideoTrackInfo } from '../media/frame.ts';
import { isProtocolError } from '../errors.ts';
import { parseH264Sps } from '../codecs/h264/sps.ts';
import { parseH265Sps } from '../codecs/h265/sps.ts';
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
    const track = videoTrackFromParameterSets('h264', undefined, c.sps[0], c.pps[0]);
    return { track: { ...track, profile: track.profile ?? c.profile, level: track.level ?? c.level }, lengthSize: c.lengthSizeMinusOne + 1 };
  }
  const c = parseHevcDecoderConfig(config);
  const track = videoTrackFromParameterSets('h265', c.vps[0], c.sps[0], c.pps[0]);
  return {
    track: { ...track, profile: track.profile ?? c.profileIdc, level: track.level ?? c.levelIdc },
    lengthSize: c.lengthSizeMinusOne + 1,
  };
}

/** Builds a track from parameter sets (without prefixes); size/profile/level/fps come from the SPS. */
export function videoTrackFromParameterSets(
  codec: VideoCodec,
  vps: Buffer | undefined,
  sps: Buffer | undefined,
  pps: Buffer | undefined,
): VideoTrackInfo {
  const base: VideoTrackInfo = {
    codec,
    ...(vps !== undefined ? { vps } : {}),
    ...(sps !== undefined ? { sps } : {}),
    ...(pps !== undefined ? { pps } : {}),
  };
  if (sps === undefined) return base;
  try {
    const info = codec === 'h264' ? parseH264Sps(sps) : parseH265Sps(sps);
    return {
      ...base,
      width: info.width,
      height: info.height,
      profile: info.profile,
      level: info.level,
      ...(info.fps !== undefined ? { fps: info.fps } : {}),
    };
  } catch (err) {
    // An SPS our parser cannot read (an exotic profile or extension) still decodes fine in the
    // players downstream: carry the stream without the size rather than refusing it.
    if (isProtocolError(err)) return base;
    throw err;
  }
}
