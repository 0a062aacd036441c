/**
 * Parameter sets sent in-band, inside keyframes (RFC 6184 §8.4, RFC 7798 §7.2: they may be sent
 * in-band at any time), in both directions:
 *
 * - In (`InBandParameterSets`): some cameras and encoders leave sprop-parameter-sets out of the SDP
 *   (or change resolution mid-stream); the SPS/PPS (and H.265 VPS) then arrive inside keyframes.
 *   The description is published once it is complete, and again whenever an in-band parameter set
 *   differs from the one published.
 * - Out (`withInBandParameterSets`): RTSP readers negotiate the SDP's sprop parameter sets once;
 *   when the stream's parameter sets change later (a placeholder standing in for a camera, a
 *   camera back with another encoder setup) the only way to tell their decoders is in-band, before
 *   the IDR. Keyframes that already carry them are left alone.
 */
import {
  collectParameterSet,
  hasAllParameterSets,
  isParameterSetNalu,
  updateParameterSets,
  type ParameterSets,
} from '../codecs/parameter-sets.ts';
import { joinLengthPrefixed, splitLengthPrefixed, type Frame, type StreamDescription, type VideoTrackInfo } from './frame.ts';

export class InBandParameterSets {
  #desc: StreamDescription;
  #published = false;
  readonly #publish: (desc: StreamDescription) => void;

  constructor(desc: StreamDescription, publish: (desc: StreamDescription) => void) {
    this.#desc = desc;
    this.#publish = publish;
    if (isComplete(desc.video)) this.#emit();
  }

  get published(): boolean {
    return this.#published;
  }

  /** Looks at a video keyframe's parameter sets; publishes the description when they complete or change it. */
  observe(frame: Frame): void {
    const video = this.#desc.video;
    if (video === undefined || !frame.keyframe) return;
    const found: ParameterSets = {};
    for (const nalu of splitLengthPrefixed(frame.payload)) collectParameterSet(video.codec, nalu, found);
    const next = updateParameterSets(video, found);
    if (next === video) return;
    this.#desc = { ...this.#desc, video: next };
    if (isComplete(next)) this.#emit();
  }

  #emit(): void {
    this.#published = true;
    this.#publish(this.#desc);
  }
}

function isComplete(video: VideoTrackInfo | undefined): boolean {
  return video === undefined || hasAllParameterSets(video.codec, video);
}

/** Puts a track's parameter sets in front of a keyframe that does not carry them. */
export function withInBandParameterSets(video: VideoTrackInfo, frame: Frame): Frame {
  if (frame.track !== 'video' || !frame.keyframe) return frame;
  const sets = [video.vps, video.sps, video.pps].filter((b): b is Buffer => b !== undefined && b.length > 0);
  if (sets.length === 0) return frame;
  const nalus = splitLengthPrefixed(frame.payload);
  if (nalus.some((n) => isParameterSetNalu(video.codec, n))) return frame;
  return { ...frame, payload: joinLengthPrefixed([...sets, ...nalus]) };
}
