/**
 * The WebRTC output of one stream, an encoder on the stream-output base (src/streams/output.ts):
 * frames are packetized ONCE into RTP packets (the project's RFC 6184/7798 packetizers, G.711 for
 * audio) and the base writes the same packet Buffers to every WHEP session, starting a joining
 * session at the cached GOP's keyframe. Each session's WebRTC stack rewrites SSRC and payload type
 * and encrypts (SRTP). Only H.264/H.265 video and G.711 audio are packetized: AAC and MP3 are not
 * WebRTC codecs.
 */
import type { Frame, StreamDescription } from '../../protocols/media/frame.ts';
import { rtpParamsForAudio, rtpParamsForVideo } from '../../protocols/rtp/format.ts';
import { RtpOutput, type RtpOutputTrack } from '../../protocols/rtp/output.ts';
import { StreamOutputBase, type EncodedUnit } from '../streams/output.ts';
import type { Stream } from '../streams/stream.ts';
import type { ReaderTransport } from '../streams/types.ts';

export const WEBRTC_OUTPUT_KEY = 'webrtc';

/**
 * Largest RTP payload sent (bytes). Below the RTSP default (1400): SRTP adds a 10-byte tag, header
 * extensions and a TURN or VPN hop add more, and a WebRTC packet over the path MTU is lost outright.
 */
export const WEBRTC_RTP_MTU = 1200;

export interface WebrtcOutputDeps {
  readonly random: () => number;
  /** Max RTP payload (bytes). Defaults to WEBRTC_RTP_MTU (1200). */
  readonly mtu?: number;
}

export class WebrtcOutput extends StreamOutputBase<ReaderTransport> {
  readonly #deps: WebrtcOutputDeps;
  /** No tracks until the first description. */
  #rtp = new RtpOutput([], () => 0);
  #descriptionKey: string | undefined;

  constructor(stream: Stream, deps: WebrtcOutputDeps) {
    super(stream, WEBRTC_OUTPUT_KEY);
    this.#deps = deps;
    this.start();
  }

  onDescription(desc: StreamDescription): void {
    const key = descriptionKey(desc);
    if (this.#descriptionKey === key) return;
    // Sessions negotiated the old codecs: they end, and the browser offers again.
    if (this.#descriptionKey !== undefined) this.closeReaders('stream codec parameters changed');
    this.#descriptionKey = key;
    this.resetGop();
    const tracks: RtpOutputTrack[] = [];
    const video = desc.video !== undefined ? rtpParamsForVideo(desc.video) : null;
    if (video !== null) tracks.push({ kind: 'video', params: video });
    const audioCodec = desc.audio?.codec;
    if (desc.audio !== undefined && (audioCodec === 'pcmu' || audioCodec === 'pcma')) {
      const audio = rtpParamsForAudio(desc.audio);
      if (audio !== null) tracks.push({ kind: 'audio', params: audio });
    }
    this.#rtp = new RtpOutput(tracks, this.#deps.random, this.#deps.mtu ?? WEBRTC_RTP_MTU);
  }

  onFrame(frame: Frame): void {
    const unit = this.#rtp.packetize(frame);
    if (unit !== null) this.push(unit);
  }

  protected replay(frames: readonly Frame[]): EncodedUnit[] {
    return this.#rtp.replayGop(frames);
  }
}

/** What a session negotiated: a change of any of it ends the sessions. */
function descriptionKey(desc: StreamDescription): string {
  const v = desc.video;
  const a = desc.audio;
  return JSON.stringify([
    v?.codec, v?.sps?.toString('base64'), v?.pps?.toString('base64'), v?.vps?.toString('base64'),
    a?.codec, a?.sampleRate, a?.channels,
  ]);
}
