/**
 * The RTSP output of one stream: frames are packetized ONCE into RTP packets and the output base
 * (src/streams/output.ts) writes the same packet Buffers to every reader and keeps the packetized
 * GOP, so a joining reader starts at the last keyframe with continuous sequence numbers. Sender reports go out per track.
 */
import type { Frame, StreamDescription, TrackKind } from '../../../protocols/media/frame.ts';
import { randomPacketizerIdentity, type RtpPacketizer } from '../../../protocols/rtp/packetizer.ts';
import { createPacketizer } from '../../../protocols/rtp/format.ts';
import { buildSdp } from '../../../protocols/rtsp/sdp/build-sdp.ts';
import { sdpFromStreamDescription, type StreamSdp } from '../../../protocols/rtsp/sdp/stream-sdp.ts';
import type { PlayStartTrack } from '../../../protocols/rtsp/session/server-host.ts';
import { StreamOutputBase } from '../../streams/output.ts';
import type { Stream } from '../../streams/stream.ts';
import type { Logger } from '../../log/logger.ts';
import { buildSenderReport } from './sender-report.ts';
import type { RtspReaderTransport } from './rtsp-reader-transport.ts';

export const RTSP_OUTPUT_KEY = 'rtsp';

export interface PlayOutputDeps {
  readonly now: () => number;
  readonly random: () => number;
  readonly log: Logger;
  /** Max RTP payload. Defaults to the packetizers' 1400 bytes. */
  readonly mtu?: number;
}

interface PlayTrack {
  readonly kind: TrackKind;
  readonly packetizer: RtpPacketizer;
  /** pts (ms) of the last frame sent and the wall clock (ms) it went out: the SR mapping. */
  lastPtsMs: number | undefined;
  lastSentAtMs: number;
}

export class RtspPlayOutput extends StreamOutputBase<RtspReaderTransport> {
  readonly #deps: PlayOutputDeps;
  #tracks = new Map<TrackKind, PlayTrack>();
  #described: StreamSdp | undefined;
  #sdpText = '';
  /** pts of the unit that started the cached GOP. */
  #gopStartPtsMs: number | undefined;

  constructor(stream: Stream, deps: PlayOutputDeps) {
    super(stream, RTSP_OUTPUT_KEY);
    this.#deps = deps;
    this.start();
  }

  /** The SDP this output packetizes for; undefined until the stream has a description. */
  get described(): StreamSdp | undefined {
    return this.#described;
  }

  /**
   * RTP-Info for a joining reader: per track, the sequence number of the first packet it will get
   * (the cached GOP's first packet of that track, else the next one) and the RTP timestamp of one
   * common instant (the GOP's start, else now), so tracks stay in sync (RFC 2326 §12.33).
   */
  startInfo(tracks: readonly { trackIndex: number; kind: TrackKind }[]): PlayStartTrack[] {
    const gop = this.gop;
    return tracks.map(({ trackIndex, kind }) => {
      const t = this.#tracks.get(kind);
      if (t === undefined) return { trackIndex };
      const first = gop.find((u) => u.track === kind)?.buffers[0];
      const seq = first !== undefined && first.length >= 4 ? first.readUInt16BE(2) : t.packetizer.nextSequenceNumber;
      const ptsMs = gop.length > 0 && this.#gopStartPtsMs !== undefined ? this.#gopStartPtsMs : this.#currentPts(t);
      return { trackIndex, seq, rtptime: t.packetizer.rtpTimestamp(ptsMs) };
    });
  }

  /** Sends one RTCP sender report per track to every reader (RFC 3550 §6.4.1). */
  sendReports(): void {
    const nowMs = this.#deps.now();
    for (const t of this.#tracks.values()) {
      if (t.lastPtsMs === undefined) continue;
      const report = buildSenderReport(t.packetizer, nowMs, t.packetizer.rtpTimestamp(this.#currentPts(t)));
      for (const r of this.readers) if (!r.queue.closed) r.transport.sendRtcp(t.kind, report);
    }
  }

  onDescription(desc: StreamDescription): void {
    const next = sdpFromStreamDescription(desc, { sessionName: this.stream.path, sessionId: String(Math.floor(this.#deps.random() * 1e9)) });
    const nextText = buildSdp({ ...next.sdp, origin: { ...next.sdp.origin, sessionId: '0' } });
    if (this.#described !== undefined && nextText === this.#sdpText) return; // same codec setup: keep sequence continuity
    if (this.#described !== undefined) {
      // Readers negotiated the old SDP and cannot follow a codec change: they reconnect.
      this.closeReaders('stream codec parameters changed');
    }
    this.#described = next;
    this.#sdpText = nextText;
    this.resetGop();
    this.#tracks = new Map();
    for (const t of next.tracks) {
      const identity = randomPacketizerIdentity(this.#deps.random);
      const packetizer = createPacketizer(t.params, { ...identity, ...(this.#deps.mtu === undefined ? {} : { mtu: this.#deps.mtu }) });
      this.#tracks.set(t.kind, { kind: t.kind, packetizer, lastPtsMs: undefined, lastSentAtMs: 0 });
    }
  }

  onFrame(frame: Frame): void {
    const t = this.#tracks.get(frame.track);
    if (t === undefined) return;
    const buffers = t.packetizer.packetize(frame);
    if (buffers.length === 0) return;
    t.lastPtsMs = frame.pts;
    t.lastSentAtMs = this.#deps.now();
    let size = 0;
    for (const b of buffers) size += b.length;
    const startsGop = frame.track === 'video' ? frame.keyframe : !this.#tracks.has('video');
    if (startsGop) this.#gopStartPtsMs = frame.pts;
    this.push({ buffers, track: frame.track, startsGop, size });
  }

  /** Extrapolates the media clock to now from the last frame sent on the track. */
  #currentPts(t: PlayTrack): number {
    if (t.lastPtsMs === undefined) return 0;
    return t.lastPtsMs + Math.max(0, this.#deps.now() - t.lastSentAtMs);
  }
}
