/**
 * The bridge between Cupola's StreamDescription and the SDP of an RTSP stream, built on
 * protocols/rtp/format.ts: what DESCRIBE serves (one media per track, `a=control:trackID=N`) and
 * what an ANNOUNCE or a camera's DESCRIBE offers.
 */
import type { StreamDescription, TrackKind } from '../../media/frame.ts';
import { audioInfoFromRtpParams, rtpParamsForAudio, rtpParamsForVideo, videoInfoFromRtpParams, type RtpCodecParams } from '../../rtp/format.ts';
import { formatAttributes, mediaRtpFormats } from './media-formats.ts';
import type { SdpMedia, SessionDescription } from './session-description.ts';

/** Payload types Cupola uses for dynamic formats (RFC 3551 §3: 96-127). */
export const VIDEO_PAYLOAD_TYPE = 96;
export const AUDIO_PAYLOAD_TYPE = 97;

export interface SdpTrack {
  readonly kind: TrackKind;
  /** Index of the media section. */
  readonly index: number;
  readonly params: RtpCodecParams;
}

export interface StreamSdp {
  readonly sdp: SessionDescription;
  /** Tracks in media order (video first when present). */
  readonly tracks: readonly SdpTrack[];
}

export interface StreamSdpOptions {
  /** `s=` line; the stream path reads well. */
  readonly sessionName: string;
  /** `o=` address. Defaults to 127.0.0.1 (informational only). */
  readonly originAddress?: string;
  /** `o=` session id; a number fixed per stream. Defaults to '0'. */
  readonly sessionId?: string;
}

/** The SDP served for a stream; tracks whose codec protocols/rtp cannot carry are left out. */
export function sdpFromStreamDescription(desc: StreamDescription, options: StreamSdpOptions): StreamSdp {
  const tracks: SdpTrack[] = [];
  const media: SdpMedia[] = [];
  const add = (kind: TrackKind, params: RtpCodecParams | null): void => {
    if (params === null) return;
    const index = media.length;
    tracks.push({ kind, index, params });
    media.push({
      type: kind,
      port: 0,
      protocol: 'RTP/AVP',
      formats: [String(params.payloadType)],
      bandwidths: [],
      attributes: [...formatAttributes(params), { name: 'control', value: `trackID=${index}` }],
    });
  };
  if (desc.video !== undefined) add('video', rtpParamsForVideo(desc.video, VIDEO_PAYLOAD_TYPE));
  if (desc.audio !== undefined) add('audio', rtpParamsForAudio(desc.audio, AUDIO_PAYLOAD_TYPE));
  const address = options.originAddress ?? '127.0.0.1';
  const sdp: SessionDescription = {
    version: 0,
    origin: { username: '-', sessionId: options.sessionId ?? '0', sessionVersion: '1', netType: 'IN', addrType: address.includes(':') ? 'IP6' : 'IP4', address },
    sessionName: options.sessionName,
    connection: { netType: 'IN', addrType: 'IP4', address: '0.0.0.0' },
    bandwidths: [],
    timing: [{ start: '0', stop: '0' }],
    attributes: [{ name: 'tool', value: 'Cupola' }, { name: 'control', value: '*' }],
    media,
  };
  return { sdp, tracks };
}

export interface OfferedTrack {
  readonly kind: TrackKind;
  readonly index: number;
  readonly params: RtpCodecParams;
}

export interface OfferedStream {
  readonly description: StreamDescription;
  /** The first video and first audio media Cupola can depacketize; others are ignored. */
  readonly tracks: readonly OfferedTrack[];
}

/** What an ANNOUNCE (or a camera's DESCRIBE) offers, as a StreamDescription and the tracks to use. */
export function streamDescriptionFromSdp(sdp: SessionDescription): OfferedStream {
  return streamDescriptionFromMedia(sdp.media);
}

/** Same as streamDescriptionFromSdp over a list of media sections (indices are list positions). */
export function streamDescriptionFromMedia(mediaList: readonly SdpMedia[]): OfferedStream {
  let video: OfferedStream['description']['video'];
  let audio: OfferedStream['description']['audio'];
  const tracks: OfferedTrack[] = [];
  mediaList.forEach((m, index) => {
    if (m.type !== 'video' && m.type !== 'audio') return;
    for (const params of mediaRtpFormats(m)) {
      if (m.type === 'video' && video === undefined) {
        const info = videoInfoFromRtpParams(params);
        if (info !== null) {
          video = info;
          tracks.push({ kind: 'video', index, params });
          return;
        }
      }
      if (m.type === 'audio' && audio === undefined) {
        const info = audioInfoFromRtpParams(params);
        if (info !== null) {
          audio = info;
          tracks.push({ kind: 'audio', index, params });
          return;
        }
      }
    }
  });
  return { description: { ...(video === undefined ? {} : { video }), ...(audio === undefined ? {} : { audio }) }, tracks };
}
