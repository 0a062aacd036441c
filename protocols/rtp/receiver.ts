/**
 * The receiving side of one RTP stream, whatever the codec: sequence tracking (loss, duplicates,
 * late packets), the media clock (unwrapped timestamps since the origin) and the counters. The
 * codec's PayloadDepacketizer sees only packets that came in order, with their time and whether
 * packets were lost before them.
 */
import type { Frame } from '../media/frame.ts';
import {
  NO_FRAMES,
  createDepacketizerStats,
  type DepacketizerOptions,
  type DepacketizerStats,
  type PayloadDepacketizer,
  type RtpDepacketizer,
} from './depacketizer.ts';
import type { RtpPacket } from './packet.ts';
import { RtpClock } from './rtp-clock.ts';
import { SequenceTracker } from './sequence-tracker.ts';

export class RtpReceiver implements RtpDepacketizer {
  readonly stats: DepacketizerStats = createDepacketizerStats();
  readonly #tracker = new SequenceTracker();
  readonly #clock: RtpClock;
  readonly #createPayload: (stats: DepacketizerStats) => PayloadDepacketizer;
  #payload: PayloadDepacketizer;

  /** `createPayload` builds the codec's depacketizer, again at each reset (a fresh one holds no partial frame). */
  constructor(clockRate: number, options: DepacketizerOptions, createPayload: (stats: DepacketizerStats) => PayloadDepacketizer) {
    this.#clock = new RtpClock(clockRate, options.rtpTimestampOrigin);
    this.#createPayload = createPayload;
    this.#payload = createPayload(this.stats);
  }

  push(packet: RtpPacket): readonly Frame[] {
    this.stats.packets++;
    const verdict = this.#tracker.check(packet.sequenceNumber, packet.ssrc);
    if (verdict.kind === 'old') {
      this.stats.packetsOutOfOrder++;
      return NO_FRAMES;
    }
    const afterLoss = verdict.kind === 'gap';
    if (afterLoss) this.stats.packetsLost += verdict.lost;
    return this.#payload.push(packet, this.#clock.ticksSinceOrigin(packet.timestamp), afterLoss);
  }

  reset(): void {
    this.#tracker.reset();
    this.#payload = this.#createPayload(this.stats);
  }
}
