/**
 * Completes a video description from parameter sets sent in-band. Some cameras and encoders leave
 * sprop-parameter-sets out of the SDP (or change resolution mid-stream); the SPS/PPS (and H.265
 * VPS) then arrive inside keyframes. The description is published once it is complete, and again
 * whenever an in-band parameter set differs from the one published.
 */
import { isProtocolError } from '../../../protocols/errors.ts';
import { H264NaluType, H265NaluType, h264NaluType, h265NaluType } from '../../../protocols/codecs/nalu.ts';
import { parseH264Sps } from '../../../protocols/codecs/h264/sps.ts';
import { parseH265Sps } from '../../../protocols/codecs/h265/sps.ts';
import { splitLengthPrefixed, type Frame, type StreamDescription, type VideoTrackInfo } from '../../../protocols/media/frame.ts';

type ParamName = 'vps' | 'sps' | 'pps';

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
    let next: VideoTrackInfo = video;
    for (const nalu of splitLengthPrefixed(frame.payload)) {
      const name = paramName(video.codec, nalu);
      if (name === undefined) continue;
      const current = next[name];
      if (current !== undefined && current.equals(nalu)) continue;
      next = { ...next, [name]: Buffer.from(nalu) };
      if (name === 'sps') next = withSpsInfo(next);
    }
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
  if (video === undefined) return true;
  if (video.sps === undefined || video.pps === undefined) return false;
  return video.codec === 'h264' || video.vps !== undefined;
}

function paramName(codec: VideoTrackInfo['codec'], nalu: Buffer): ParamName | undefined {
  if (codec === 'h264') {
    const t = h264NaluType(nalu);
    return t === H264NaluType.Sps ? 'sps' : t === H264NaluType.Pps ? 'pps' : undefined;
  }
  const t = h265NaluType(nalu);
  return t === H265NaluType.Vps ? 'vps' : t === H265NaluType.Sps ? 'sps' : t === H265NaluType.Pps ? 'pps' : undefined;
}

function withSpsInfo(video: VideoTrackInfo): VideoTrackInfo {
  try {
    const info = video.codec === 'h264' ? parseH264Sps(video.sps!) : parseH265Sps(video.sps!);
    return { ...video, width: info.width, height: info.height, profile: info.profile, level: info.level, ...(info.fps === undefined ? {} : { fps: info.fps }) };
  } catch (err) {
    // An SPS we cannot parse still goes to decoders as is; only the informational fields stay unset.
    if (isProtocolError(err)) return video;
    throw err;
  }
}
