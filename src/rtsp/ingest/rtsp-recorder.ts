/**
 * The ingest side of one RECORD session: RTP packets (interleaved or UDP) are depacketized into
 * Frames and pushed into the stream's Publication. A malformed or lost packet costs only the frame
 * it belongs to (the depacketizers resynchronise at the next access unit); losses are counted.
 * Tracks are aligned on the publisher's RTCP sender reports (TrackAligner).
 */
import { isProtocolError } from '../../../protocols/errors.ts';
import type { Frame, StreamDescription, TrackKind } from '../../../protocols/media/frame.ts';
import type { RtpDepacketizer } from '../../../protocols/rtp/depacketizer.ts';
import { createDepacketizer } from '../../../protocols/rtp/format.ts';
import { RtpPacket } from '../../../protocols/rtp/packet.ts';
import { parseRtcpCompound } from '../../../protocols/rtp/rtcp/compound.ts';
import { unixMsFromNtp } from '../../../protocols/rtp/rtcp/ntp.ts';
import type { OfferedTrack } from '../../../protocols/rtsp/sdp/stream-sdp.ts';
import type { Publication } from '../../streams/registry.ts';
import { InBandParameterSets } from '../../../protocols/media/in-band-parameter-sets.ts';
import { TrackAligner } from '../../../protocols/rtp/track-aligner.ts';

export interface RecorderStats {
  packetsReceived: number;
  /** Packets that are not RTP at all (wrong version, truncated header). */
  packetsMalformed: number;
  packetsLost: number;
  framesReceived: number;
  framesDropped: number;
}

interface RecordTrack {
  readonly kind: TrackKind;
  readonly clockRate: number;
  readonly depacketizer: RtpDepacketizer;
  offsetMs: number | undefined;
}

export class RtspRecorder {
  readonly #publication: Publication;
  readonly #tracks = new Map<number, RecordTrack>();
  readonly #parameterSets: InBandParameterSets;
  readonly #aligner = new TrackAligner();
  readonly #stats: RecorderStats = { packetsReceived: 0, packetsMalformed: 0, packetsLost: 0, framesReceived: 0, framesDropped: 0 };

  /** `tracks`: the announced media Cupola can depacketize, by media index. */
  constructor(publication: Publication, description: StreamDescription, tracks: readonly OfferedTrack[]) {
    this.#publication = publication;
    for (const t of tracks) {
      this.#tracks.set(t.index, { kind: t.kind, clockRate: t.params.clockRate, depacketizer: createDepacketizer(t.params), offsetMs: undefined });
    }
    this.#parameterSets = new InBandParameterSets(description, (desc) => publication.setDescription(desc));
  }

  /** Loss and frame counters, including the depacketizers' own. */
  get stats(): Readonly<RecorderStats> {
    let lost = 0;
    let dropped = 0;
    for (const t of this.#tracks.values()) {
      lost += t.depacketizer.stats.packetsLost;
      dropped += t.depacketizer.stats.framesDropped;
    }
    return { ...this.#stats, packetsLost: lost, framesDropped: dropped };
  }

  /** One RTP packet for the media section `mediaIndex`. Never throws for what the peer sent. */
  pushRtp(mediaIndex: number, data: Buffer): void {
    const track = this.#tracks.get(mediaIndex);
    if (track === undefined) return;
    this.#stats.packetsReceived++;
    let packet: RtpPacket;
    try {
      packet = RtpPacket.decode(data);
    } catch (err) {
      if (!isProtocolError(err)) throw err;
      this.#stats.packetsMalformed++;
      return;
    }
    track.offsetMs ??= this.#aligner.offsetMs(mediaIndex, packet.timestamp, track.clockRate);
    for (const frame of track.depacketizer.push(packet)) this.#publish(track.offsetMs === 0 ? frame : shift(frame, track.offsetMs));
  }

  /** RTCP from the publisher: sender reports align the tracks. Malformed RTCP is ignored (counted by the listener). */
  pushRtcp(mediaIndex: number, data: Buffer): void {
    if (!this.#tracks.has(mediaIndex)) return;
    let packets;
    try {
      packets = parseRtcpCompound(data);
    } catch (err) {
      if (!isProtocolError(err)) throw err;
      return;
    }
    for (const p of packets) if (p.type === 'sr') this.#aligner.onSenderReport(mediaIndex, unixMsFromNtp(p.ntp), p.rtpTimestamp);
  }

  close(): void {
    this.#publication.close();
  }

  #publish(frame: Frame): void {
    this.#stats.framesReceived++;
    if (frame.track === 'video') this.#parameterSets.observe(frame);
    this.#publication.pushFrame(frame);
  }
}

function shift(frame: Frame, offsetMs: number): Frame {
  return { ...frame, dts: frame.dts + offsetMs, pts: frame.pts + offsetMs };
}
