/**
 * The ingest side of one RECORD session: RTP packets (interleaved or UDP) are depacketized into
 * Frames and pushed into the stream's Publication. A malformed or lost packet costs only the frame
 * it belongs to (the depacketizers resynchronise at the next access unit); losses are counted.
 * Tracks are aligned on the publisher's RTCP sender reports (TrackAligner).
 */
import type { Frame, StreamDescription } from '../../../protocols/media/frame.ts';
import { RtpIngest, type RtpIngestStats } from '../../../protocols/rtp/ingest.ts';
import { senderReportsIn } from '../../../protocols/rtp/rtcp/compound.ts';
import { unixMsFromNtp } from '../../../protocols/rtp/rtcp/ntp.ts';
import type { OfferedTrack } from '../../../protocols/rtsp/sdp/stream-sdp.ts';
import type { Publication } from '../../streams/registry.ts';
import { InBandParameterSets } from '../../../protocols/media/in-band-parameter-sets.ts';
import { TrackAligner } from '../../../protocols/rtp/track-aligner.ts';

export type RecorderStats = RtpIngestStats;

interface RecordTrack {
  readonly ingest: RtpIngest;
  /** Milliseconds added to the track's frames (TrackAligner), fixed at its first packet. */
  offsetMs: number;
}

export class RtspRecorder {
  readonly #publication: Publication;
  readonly #tracks = new Map<number, RecordTrack>();
  readonly #parameterSets: InBandParameterSets;
  readonly #aligner = new TrackAligner();

  /** `tracks`: the announced media Cupola can depacketize, by media index. */
  constructor(publication: Publication, description: StreamDescription, tracks: readonly OfferedTrack[]) {
    this.#publication = publication;
    for (const t of tracks) {
      let aligned = false;
      const track: RecordTrack = {
        offsetMs: 0,
        ingest: new RtpIngest(t.params, {}, {
          onPacket: (p) => {
            if (aligned) return;
            aligned = true;
            track.offsetMs = this.#aligner.offsetMs(t.index, p.timestamp, t.params.clockRate);
          },
          onFrame: (frame) => this.#publish(track.offsetMs === 0 ? frame : shift(frame, track.offsetMs)),
        }),
      };
      this.#tracks.set(t.index, track);
    }
    this.#parameterSets = new InBandParameterSets(description, (desc) => publication.setDescription(desc));
  }

  /** Loss and frame counters, including the depacketizers' own. */
  get stats(): Readonly<RecorderStats> {
    return RtpIngest.sum([...this.#tracks.values()].map((t) => t.ingest));
  }

  /** One RTP packet for the media section `mediaIndex`. Never throws for what the peer sent. */
  pushRtp(mediaIndex: number, data: Buffer): void {
    this.#tracks.get(mediaIndex)?.ingest.push(data);
  }

  /** RTCP from the publisher: sender reports align the tracks. Malformed RTCP is ignored (counted by the listener). */
  pushRtcp(mediaIndex: number, data: Buffer): void {
    if (!this.#tracks.has(mediaIndex)) return;
    for (const sr of senderReportsIn(data)) this.#aligner.onSenderReport(mediaIndex, unixMsFromNtp(sr.ntp), sr.rtpTimestamp);
  }

  close(): void {
    this.#publication.close();
  }

  #publish(frame: Frame): void {
    if (frame.track === 'video') this.#parameterSets.observe(frame);
    this.#publication.pushFrame(frame);
  }
}

function shift(frame: Frame, offsetMs: number): Frame {
  return { ...frame, dts: frame.dts + offsetMs, pts: frame.pts + offsetMs };
}
