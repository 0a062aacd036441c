/**
 * G.711 (PCMU/PCMA, RFC 3551 §4.5.14) depacketizer: every packet is one frame of samples; a lost
 * packet loses only its own samples.
 */
import type { Frame } from '../../media/frame.ts';
import {
  NO_FRAMES,
  createDepacketizerStats,
  type DepacketizerOptions,
  type DepacketizerStats,
  type RtpDepacketizer,
} from '../depacketizer.ts';
import type { RtpPacket } from '../packet.ts';
import { RtpClock } from '../rtp-clock.ts';
import { SequenceTracker } from '../sequence-tracker.ts';

export const G711_CLOCK_RATE = 8000;

export interface G711DepacketizerOptions extends DepacketizerOptions {
  /** Sampling rate from the SDP. Defaults to 8000 Hz. */
  readonly clockRate?: number;
}

export class G711Depacketizer implements RtpDepacketizer {
  readonly stats: DepacketizerStats = createDepacketizerStats();
  readonly #tracker = new SequenceTracker();
  readonly #clock: RtpClock;

  constructor(options: G711DepacketizerOptions = {}) {
    this.#clock = new RtpClock(options.clockRate ?? G711_CLOCK_RATE, options.rtpTimestampOrigin);
  }

  push(packet: RtpPacket): readonly Frame[] {
    this.stats.packets++;
    const verdict = this.#tracker.check(packet.sequenceNumber, packet.ssrc);
    if (verdict.kind === 'old') {
      this.stats.packetsOutOfOrder++;
      return NO_FRAMES;
    }
    if (verdict.kind === 'gap') this.stats.packetsLost += verdict.lost;
    const ms = this.#clock.toMs(packet.timestamp);
    if (packet.payload.length === 0) {
      this.stats.packetsMalformed++;
      return NO_FRAMES;
    }
    this.stats.framesOutput++;
    // Copied: a small view held in a GOP cache would pin the whole received chunk.
    return [{ track: 'audio', dts: ms, pts: ms, keyframe: true, payload: Buffer.from(packet.payload) }];
  }

  reset(): void {
    this.#tracker.reset();
  }
}
