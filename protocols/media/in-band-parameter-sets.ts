/**
 * Puts a track's parameter sets in front of a keyframe that does not carry them. RTSP readers
 * negotiate the SDP's sprop parameter sets once; when the stream's parameter sets change later (a
 * placeholder standing in for a camera, a camera back with another encoder setup) the only way to
 * tell their decoders is in-band, before the IDR (RFC 6184 §8.4, RFC 7798 §7.2: parameter sets may
 * be sent in-band at any time). Cameras that already repeat them before every IDR are left alone.
 */
import { isParameterSetNalu } from '../codecs/nalu.ts';
import { joinLengthPrefixed, splitLengthPrefixed, type Frame, type VideoTrackInfo } from './frame.ts';

export function withInBandParameterSets(video: VideoTrackInfo, frame: Frame): Frame {
  if (frame.track !== 'video' || !frame.keyframe) return frame;
  const sets = [video.vps, video.sps, video.pps].filter((b): b is Buffer => b !== undefined && b.length > 0);
  if (sets.length === 0) return frame;
  const nalus = splitLengthPrefixed(frame.payload);
  if (nalus.some((n) => isParameterSetNalu(video.codec, n))) return frame;
  return { ...frame, payload: joinLengthPrefixed([...sets, ...nalus]) };
}
