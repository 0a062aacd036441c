/**
 * The WebRTC output of one stream: frames are packetized ONCE into RTP packets (the project's
 * RFC 6184/7798 packetizers, G.711 for audio) and the same packet Buffers go to every WHEP session
 * through a FanOut, which keeps the packetized GOP so a joining session starts at the last
 * keyframe. Each session's WebRTC stack rewrites SSRC and payload type and encrypts (SRTP).
 * Only H.264/H.265 video and G.711 audio are packetized: AAC and MP3 are not WebRTC codecs.
 */
import type { Frame, StreamDescription, TrackKind } from '../../protocols/media/frame.ts';
import { randomPacketizerIdentity, type RtpPacketizer } from '../../protocols/rtp/packetizer.ts';
import { createPacketizer, rtpParamsForAudio, rtpParamsForVideo } from '../../protocols/rtp/format.ts';
import { FanOut, type EncodedUnit } from '../streams/fan-out.ts';
import type { ReaderQueue } from '../streams/reader-queue.ts';
import type { Stream, StreamOutput } from '../streams/stream.ts';
import type { FrameSink, ReaderTransport } from '../streams/types.ts';

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

interface Entry {
  readonly queue: ReaderQueue;
  readonly transport: ReaderTransport;
}

export class WebrtcOutput implements StreamOutput, FrameSink {
  readonly stream: Stream;
  readonly #deps: WebrtcOutputDeps;
  readonly #fanOut = new FanOut();
  readonly #entries = new Set<Entry>();
  #packetizers = new Map<TrackKind, RtpPacketizer>();
  #descriptionKey: string | undefined;
  #unsubscribe: (() => void) | undefined;
  #closed = false;

  constructor(stream: Stream, deps: WebrtcOutputDeps) {
    this.stream = stream;
    this.#deps = deps;
    this.#unsubscribe = stream.subscribe(this);
  }

  get sessionCount(): number {
    return this.#entries.size;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Adds a session's queue: it gets the cached GOP at once, then live packets. Returns its removal. */
  addReader(queue: ReaderQueue, transport: ReaderTransport): () => void {
    const entry = { queue, transport };
    this.#entries.add(entry);
    const replayed = this.#fanOut.add(queue);
    this.stream.stats.bytesOut += replayed.bytes;
    this.stream.stats.framesOut += replayed.units;
    return () => this.#remove(entry);
  }

  onDescription(desc: StreamDescription): void {
    const key = descriptionKey(desc);
    if (this.#descriptionKey === key) return;
    if (this.#descriptionKey !== undefined) this.#closeAll('stream codec parameters changed');
    this.#descriptionKey = key;
    this.#fanOut.resetGop();
    this.#packetizers = new Map();
    const mtu = this.#deps.mtu ?? WEBRTC_RTP_MTU;
    const video = desc.video !== undefined ? rtpParamsForVideo(desc.video) : null;
    if (video !== null) this.#packetizers.set('video', createPacketizer(video, { ...randomPacketizerIdentity(this.#deps.random), mtu }));
    const audioCodec = desc.audio?.codec;
    if (desc.audio !== undefined && (audioCodec === 'pcmu' || audioCodec === 'pcma')) {
      const audio = rtpParamsForAudio(desc.audio);
      if (audio !== null) this.#packetizers.set('audio', createPacketizer(audio, { ...randomPacketizerIdentity(this.#deps.random), mtu }));
    }
  }

  onFrame(frame: Frame): void {
    const p = this.#packetizers.get(frame.track);
    if (p === undefined) return;
    const buffers = p.packetize(frame);
    if (buffers.length === 0) return;
    let size = 0;
    for (const b of buffers) size += b.length;
    const startsGop = frame.track === 'video' ? frame.keyframe : !this.#packetizers.has('video');
    const unit: EncodedUnit = { buffers, track: frame.track, startsGop, size };
    const written = this.#fanOut.push(unit);
    this.stream.stats.bytesOut += written;
    if (size > 0) this.stream.stats.framesOut += written / size;
  }

  onPublisherGone(): void {
    this.#fanOut.resetGop();
  }

  onEnd(): void {
    this.close();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#closeAll('stream ended');
    this.stream.releaseOutput(WEBRTC_OUTPUT_KEY);
  }

  #remove(entry: Entry): void {
    if (!this.#entries.delete(entry)) return;
    entry.queue.markClosed();
    this.#fanOut.remove(entry.queue);
    if (this.#entries.size === 0) this.close();
  }

  #closeAll(reason: string): void {
    for (const e of [...this.#entries]) {
      this.#entries.delete(e);
      this.#fanOut.remove(e.queue);
      e.queue.markClosed();
      e.transport.close(reason);
    }
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
