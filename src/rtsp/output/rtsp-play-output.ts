/**
 * The RTSP output of one stream: frames are packetized ONCE into RTP packets and the output base
 * (src/streams/output.ts) writes the same packet Buffers to every reader. A joining reader starts
 * at the last keyframe with continuous sequence numbers: the stream's cached frames are packetized
 * again from the sequence numbers they had (RtpOutput.replayGop). Sender reports go out per track.
 */
import type { Frame, StreamDescription, TrackKind, VideoTrackInfo } from '../../../protocols/media/frame.ts';
import { withInBandParameterSets } from '../../../protocols/media/in-band-parameter-sets.ts';
import { fmtpValue, type RtpCodecParams } from '../../../protocols/rtp/format.ts';
import { RtpOutput } from '../../../protocols/rtp/output.ts';
import { buildSdp } from '../../../protocols/rtsp/sdp/build-sdp.ts';
import { sdpFromStreamDescription, type StreamSdp } from '../../../protocols/rtsp/sdp/stream-sdp.ts';
import type { PlayStartTrack } from '../../../protocols/rtsp/session/server-host.ts';
import { StreamOutputBase, type EncodedUnit } from '../../streams/output.ts';
import type { Stream } from '../../streams/stream.ts';
import type { Logger } from '../../log/logger.ts';
import type { RtspReaderTransport } from '../transport/rtsp-reader-transport.ts';

export const RTSP_OUTPUT_KEY = 'rtsp';

/** A media clock this far off the sender reports' mapping re-anchors it (a clock drift, long pauses) (ms). */
const REPORT_REANCHOR_MS = 2000;

export interface PlayOutputDeps {
  readonly now: () => number;
  readonly random: () => number;
  readonly log: Logger;
  /** Max RTP payload. Defaults to the packetizers' 1400 bytes. */
  readonly mtu?: number;
}

interface PlayTrack {
  readonly kind: TrackKind;
  /** pts (ms) of the last frame sent and the wall clock (ms) it went out: the SR mapping. */
  lastPtsMs: number | undefined;
  lastSentAtMs: number;
}

export class RtspPlayOutput extends StreamOutputBase<RtspReaderTransport> {
  readonly #deps: PlayOutputDeps;
  #tracks = new Map<TrackKind, PlayTrack>();
  /** No tracks until the first description. */
  #rtp = new RtpOutput([], () => 0);
  #described: StreamSdp | undefined;
  #sdpText = '';
  /** The current video parameters, sent in-band before keyframes that lack them. */
  #video: VideoTrackInfo | undefined;
  /** Wall clock and media time of the sender reports' mapping (see #reportPts). */
  #reportAnchor: { wallMs: number; ptsMs: number } | undefined;
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
      const sender = this.#rtp.sender(kind);
      if (t === undefined || sender === undefined) return { trackIndex };
      const first = gop.find((u) => u.track === kind)?.buffers[0];
      const seq = first !== undefined && first.length >= 4 ? first.readUInt16BE(2) : sender.nextSequenceNumber;
      const ptsMs = gop.length > 0 && this.#gopStartPtsMs !== undefined ? this.#gopStartPtsMs : this.#currentPts(t);
      return { trackIndex, seq, rtptime: sender.rtpTimestamp(ptsMs) };
    });
  }

  /** Sends one RTCP sender report per track to every reader (RFC 3550 §6.4.1). */
  sendReports(): void {
    const nowMs = this.#deps.now();
    for (const t of this.#tracks.values()) {
      if (t.lastPtsMs === undefined) continue;
      const report = this.#rtp.senderReport(t.kind, nowMs, this.#reportPts(t, nowMs));
      if (report === undefined) continue;
      for (const r of this.readers) if (!r.queue.closed) r.transport.sendRtcp(t.kind, report);
    }
  }

  onDescription(desc: StreamDescription): void {
    const next = sdpFromStreamDescription(desc, { sessionName: this.stream.path, sessionId: String(Math.floor(this.#deps.random() * 1e9)) });
    const nextText = buildSdp({ ...next.sdp, origin: { ...next.sdp.origin, sessionId: '0' } });
    this.#video = desc.video;
    if (this.#described !== undefined && nextText === this.#sdpText) return; // same codec setup: keep sequence continuity
    if (this.#described !== undefined && sameRtpFormats(this.#described, next)) {
      // Only the video parameter sets (or profile) changed, e.g. a placeholder standing in for the
      // camera or the camera back: readers keep their session and sequence numbers, and learn the
      // new parameter sets in-band before the next keyframe. Joining readers get the new SDP.
      this.#described = next;
      this.#sdpText = nextText;
      this.resetGop();
      return;
    }
    if (this.#described !== undefined) {
      // Readers negotiated the old SDP and cannot follow a codec change: they reconnect.
      this.closeReaders('stream codec parameters changed');
    }
    this.#described = next;
    this.#sdpText = nextText;
    this.resetGop();
    this.#tracks = new Map();
    this.#rtp = new RtpOutput(next.tracks, this.#deps.random, this.#deps.mtu);
    for (const t of next.tracks) this.#tracks.set(t.kind, { kind: t.kind, lastPtsMs: undefined, lastSentAtMs: 0 });
  }

  onFrame(input: Frame): void {
    const t = this.#tracks.get(input.track);
    if (t === undefined) return;
    const unit = this.#rtp.packetize(this.#prepare(input));
    if (unit === null) return;
    t.lastPtsMs = input.pts;
    t.lastSentAtMs = this.#deps.now();
    if (unit.startsGop) this.#gopStartPtsMs = input.pts;
    this.push(unit);
  }

  protected replay(frames: readonly Frame[]): EncodedUnit[] {
    return this.#rtp.replayGop(frames.filter((f) => this.#tracks.has(f.track)).map((f) => this.#prepare(f)));
  }

  /** A video keyframe carries the current parameter sets in-band. */
  #prepare(frame: Frame): Frame {
    return this.#video !== undefined ? withInBandParameterSets(this.#video, frame) : frame;
  }

  /**
   * The media time (ms) a sender report pairs with `nowMs`: one linear mapping for all tracks of
   * the output, so that consecutive reports never move a reader's clock. Readers that place packets
   * by the reports (ffmpeg maps every RTP timestamp through the latest one) would otherwise see each
   * report shift the stream by the arrival jitter of the frame before it, and after a change of
   * publisher (rebased onto the timeline a fixed gap later, whatever the real pause) by up to that
   * gap: ffmpeg's audio went backwards by ~20 ms when a camera took over from its placeholder. The
   * mapping is re-anchored when the media clock strays from it by more than REPORT_REANCHOR_MS.
   */
  #reportPts(t: PlayTrack, nowMs: number): number {
    const extrapolated = this.#currentPts(t);
    const a = this.#reportAnchor;
    if (a === undefined || Math.abs(a.ptsMs + (nowMs - a.wallMs) - extrapolated) > REPORT_REANCHOR_MS) {
      this.#reportAnchor = { wallMs: nowMs, ptsMs: extrapolated };
      return extrapolated;
    }
    return a.ptsMs + (nowMs - a.wallMs);
  }

  /** Extrapolates the media clock to now from the last frame sent on the track. */
  #currentPts(t: PlayTrack): number {
    if (t.lastPtsMs === undefined) return 0;
    return t.lastPtsMs + Math.max(0, this.#deps.now() - t.lastSentAtMs);
  }
}

/**
 * Whether readers that negotiated `before` can keep decoding packets made for `after`: the same
 * tracks with the same payload type, codec, clock and channels; audio with the same configuration
 * (AAC's config is only in the SDP); video with the same packetization mode. Video parameter sets
 * and profile may differ: they travel in-band too.
 */
function sameRtpFormats(before: StreamSdp, after: StreamSdp): boolean {
  if (before.tracks.length !== after.tracks.length) return false;
  return before.tracks.every((b, i) => {
    const a = after.tracks[i]!;
    if (a.kind !== b.kind || !sameFormat(a.params, b.params)) return false;
    if (a.kind === 'audio') return fmtpText(a.params) === fmtpText(b.params);
    return fmtpValue(a.params, 'packetization-mode') === fmtpValue(b.params, 'packetization-mode');
  });
}

function sameFormat(a: RtpCodecParams, b: RtpCodecParams): boolean {
  return a.payloadType === b.payloadType && a.encodingName.toUpperCase() === b.encodingName.toUpperCase() && a.clockRate === b.clockRate && (a.channels ?? 1) === (b.channels ?? 1);
}

function fmtpText(p: RtpCodecParams): string {
  return Object.entries(p.fmtp)
    .map(([k, v]) => `${k.toLowerCase()}=${v.trim()}`)
    .sort()
    .join(';');
}
