/**
 * H.264 SPS/PPS and H.265 VPS/SPS/PPS, whatever container carried them (FLV sequence headers or
 * in-band NAL units, MPEG-TS Annex B, RTP in-band or SDP sprop-*): which NAL units they are, when
 * a track has all it needs, and the VideoTrackInfo they describe (size, profile, level, frame rate
 * read from the SPS). The one place every container reads parameter sets through.
 */
import type { VideoCodec, VideoTrackInfo } from '../media/frame.ts';
import { isProtocolError } from '../errors.ts';
import { H264NaluType, H265NaluType, h264NaluType, h265NaluType, isKeyframeNalu } from './nalu.ts';
import { parseH264Sps } from './h264/sps.ts';
import { parseH265Sps } from './h265/sps.ts';
import { ownedCopy } from '../bytes/owned-copy.ts';

export type ParameterSetName = 'vps' | 'sps' | 'pps';

/** Parameter sets without start codes or length prefixes; H.264 has no VPS. */
export interface ParameterSets {
  vps?: Buffer;
  sps?: Buffer;
  pps?: Buffer;
}

const NAMES: readonly ParameterSetName[] = ['vps', 'sps', 'pps'];

/** Which parameter set a NAL unit is, or undefined for any other NAL unit. */
export function parameterSetName(codec: VideoCodec, nalu: Buffer): ParameterSetName | undefined {
  if (codec === 'h264') {
    const t = h264NaluType(nalu);
    return t === H264NaluType.Sps ? 'sps' : t === H264NaluType.Pps ? 'pps' : undefined;
  }
  const t = h265NaluType(nalu);
  return t === H265NaluType.Vps ? 'vps' : t === H265NaluType.Sps ? 'sps' : t === H265NaluType.Pps ? 'pps' : undefined;
}

/** True for the parameter-set NAL types (H.264 SPS/PPS, H.265 VPS/SPS/PPS). */
export function isParameterSetNalu(codec: VideoCodec, nalu: Buffer): boolean {
  return parameterSetName(codec, nalu) !== undefined;
}

/** Puts `nalu` in `sets` when it is a parameter set (a later one of a kind replaces an earlier one); true if it was. */
export function collectParameterSet(codec: VideoCodec, nalu: Buffer, sets: ParameterSets): boolean {
  const name = parameterSetName(codec, nalu);
  if (name === undefined) return false;
  sets[name] = nalu;
  return true;
}

const NONE: readonly Buffer[] = Object.freeze([]);

/**
 * The parameter sets of `sets` to send in front of an access unit: none unless it is a keyframe
 * (IDR, IRAP); then those it does not carry itself, in VPS, SPS, PPS order (empty ones never).
 */
export function parameterSetsToPrepend(codec: VideoCodec, nalus: readonly Buffer[], sets: Readonly<ParameterSets>): readonly Buffer[] {
  let keyframe = false;
  const carried = { vps: false, sps: false, pps: false };
  for (const n of nalus) {
    if (isKeyframeNalu(codec, n)) keyframe = true;
    const name = parameterSetName(codec, n);
    if (name !== undefined) carried[name] = true;
  }
  if (!keyframe) return NONE;
  const out: Buffer[] = [];
  for (const name of NAMES) {
    const b = sets[name];
    if (!carried[name] && b !== undefined && b.length > 0) out.push(b);
  }
  return out;
}

/** True when a decoder can start: SPS and PPS, and for H.265 a VPS too. */
export function hasAllParameterSets(codec: VideoCodec, sets: Readonly<ParameterSets>): boolean {
  if (sets.sps === undefined || sets.pps === undefined) return false;
  return codec === 'h264' || sets.vps !== undefined;
}

/** True when both hold the same bytes for each parameter set (absent counts as a value). */
export function sameParameterSets(a: Readonly<ParameterSets>, b: Readonly<ParameterSets>): boolean {
  for (const name of NAMES) {
    const x = a[name];
    const y = b[name];
    if (x === undefined || y === undefined ? x !== y : !x.equals(y)) return false;
  }
  return true;
}

/** Copies of the buffers, so a set kept in a description does not pin the packet or chunk it came in. */
export function copyParameterSets(sets: Readonly<ParameterSets>): ParameterSets {
  const out: ParameterSets = {};
  for (const name of NAMES) {
    const b = sets[name];
    if (b !== undefined) out[name] = ownedCopy(b);
  }
  return out;
}

/** A track from parameter sets; size/profile/level/fps come from the SPS. The buffers are kept as given. */
export function videoTrackFromParameterSets(codec: VideoCodec, sets: Readonly<ParameterSets>): VideoTrackInfo {
  const base: VideoTrackInfo = {
    codec,
    ...(sets.vps !== undefined ? { vps: sets.vps } : {}),
    ...(sets.sps !== undefined ? { sps: sets.sps } : {}),
    ...(sets.pps !== undefined ? { pps: sets.pps } : {}),
  };
  return withSpsInfo(base);
}

/**
 * `video` with the parameter sets of `found` that differ from its own (copied), its SPS fields
 * read again when the SPS changed; `video` itself when none differs.
 */
export function updateParameterSets(video: VideoTrackInfo, found: Readonly<ParameterSets>): VideoTrackInfo {
  let next = video;
  for (const name of NAMES) {
    const b = found[name];
    const current = next[name];
    if (b === undefined || (current !== undefined && current.equals(b))) continue;
    next = { ...next, [name]: Buffer.from(b) };
  }
  return next.sps === video.sps ? next : withSpsInfo(next);
}

/** `video` with width, height, profile, level (and fps when declared) read from its SPS. */
export function withSpsInfo(video: VideoTrackInfo): VideoTrackInfo {
  if (video.sps === undefined) return video;
  try {
    const info = video.codec === 'h264' ? parseH264Sps(video.sps) : parseH265Sps(video.sps);
    return {
      ...video,
      width: info.width,
      height: info.height,
      profile: info.profile,
      level: info.level,
      ...(info.fps !== undefined ? { fps: info.fps } : {}),
    };
  } catch (err) {
    // An SPS our parser cannot read (an exotic profile or extension) still decodes fine in the
    // players downstream: carry the stream without the informational fields rather than refusing it.
    if (isProtocolError(err)) return video;
    throw err;
  }
}
