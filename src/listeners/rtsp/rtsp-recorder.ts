/**
 * The ingest side of one RECORD session: RTP packets (interleaved or UDP) are depacketized into
 * Frames and pushed into the stream's Publication. A malformed or lost packet costs only the frame
 * it belongs to (the depacketizers resynchronise at the next access unit); losses are counted.
 */
import { isProtocolError } from '../../../protocols/errors.ts';
import type { Frame, StreamDescription, TrackKind } from '../../../protocols/media/frame.ts';
import type { RtpDepacketizer } from '../../../protocols/rtp/depacketizer.ts';
import { createDepacketizer } from '../../../protocols/rtp/format.ts';
import { RtpPacket } from '../../../protocols/rtp/packet.ts';
import type { OfferedTrack } from '../../../protocols/rtsp/sdp/stream-sdp.ts';
import type { Publication } from '../../streams/registry.ts';
import { InBandParameterSets } from './in-band-parameter-sets.ts';

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
  readonly depacketizer: RtpDepacketizer;
}

export class RtspRecorder {
  readonly #publication: Publication;
  readonly #tracks = new Map<number, RecordTrack>();
  readonly #parameterSets: InBandParameterSets;
  readonly #stats: RecorderStats = { packetsReceived: 0, packetsMalformed: 0, packetsLost: 0, framesReceived: 0, framesDropped: 0 };

  /** `tracks`: the announced media Cupola can depacketize, by media index. */
  constructor(publication: Publication, description: StreamDescription, tracks: readonly OfferedTrack[]) {
    this.#publication = publication;
    for (const t of tracks) this.#tracks.set(t.index, { kind: t.kind, depacketizer: createDepacketizer(t.params) });
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

  hasTrack(mediaIndex: number): boolean {
    return this.#tracks.has(mediaIndex);
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
    for (const frame of track.depacketizer.push(packet)) this.#publish(frame);
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
