/**
 * Puts the tracks of a RECORD session on one timeline. Each depacketizer counts from its track's
 * first RTP timestamp, and RTP timestamps of different tracks start at unrelated random values;
 * the publisher's RTCP sender reports (RFC 3550 §6.4.1) map each track's RTP clock to one wall
 * clock. ffmpeg sends an SR before the first packet of each track, so the offset of each track's
 * first packet is known when it arrives. Without an SR a track keeps offset 0.
 */
import { timestampDiff } from './sequence.ts';

interface SenderClock {
  readonly wallMs: number;
  readonly rtpTimestamp: number;
}

/** Most tracks tracked (media sections of one announced SDP are capped well below this). */
const MAX_TRACKS = 32;

export class TrackAligner {
  readonly #clocks = new Map<number, SenderClock>();
  readonly #offsets = new Map<number, number>();
  #baseWallMs: number | undefined;

  /** A sender report for the media at `mediaIndex`: `wallMs` (from its NTP time) is `rtpTimestamp`. */
  onSenderReport(mediaIndex: number, wallMs: number, rtpTimestamp: number): void {
    if (this.#clocks.size >= MAX_TRACKS && !this.#clocks.has(mediaIndex)) return;
    this.#clocks.set(mediaIndex, { wallMs, rtpTimestamp });
  }

  /** Milliseconds to add to the track's frames; fixed at its first packet. */
  offsetMs(mediaIndex: number, firstRtpTimestamp: number, clockRate: number): number {
    const known = this.#offsets.get(mediaIndex);
    if (known !== undefined) return known;
    const clock = this.#clocks.get(mediaIndex);
    let offset = 0;
    if (clock !== undefined) {
      const wall = clock.wallMs + (timestampDiff(firstRtpTimestamp, clock.rtpTimestamp) * 1000) / clockRate;
      if (this.#baseWallMs === undefined) this.#baseWallMs = wall;
      else offset = wall - this.#baseWallMs;
    }
    if (this.#offsets.size < MAX_TRACKS) this.#offsets.set(mediaIndex, offset);
    return offset;
  }
}
