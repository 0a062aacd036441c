/**
 * G.711 (PCMU/PCMA, RFC 3551 §4.5.14) depacketizer: every packet is one frame of samples; a lost
 * packet loses only its own samples.
 */
import type { Frame } from '../../media/frame.ts';
import { NO_FRAMES, type DepacketizerOptions, type DepacketizerStats, type PayloadDepacketizer } from '../depacketizer.ts';
import type { RtpPacket } from '../packet.ts';
import { RtpReceiver } from '../receiver.ts';
import { ticksToMs } from '../rtp-clock.ts';

export const G711_CLOCK_RATE = 8000;

export interface G711DepacketizerOptions extends DepacketizerOptions {
  /** Sampling rate from the SDP. Defaults to 8000 Hz. */
  readonly clockRate?: number;
}

export class G711Depacketizer extends RtpReceiver {
  constructor(options: G711DepacketizerOptions = {}) {
    const clockRate = options.clockRate ?? G711_CLOCK_RATE;
    super(clockRate, options, (stats) => new G711PayloadDepacketizer(stats, clockRate));
  }
}

/** Each payload is one frame of samples. */
export class G711PayloadDepacketizer implements PayloadDepacketizer {
  readonly #stats: DepacketizerStats;
  readonly #clockRate: number;

  constructor(stats: DepacketizerStats, clockRate: number) {
    this.#stats = stats;
    this.#clockRate = clockRate;
  }

  push(packet: RtpPacket, ticks: number): readonly Frame[] {
    if (packet.payload.length === 0) {
      this.#stats.packetsMalformed++;
      return NO_FRAMES;
    }
    this.#stats.framesOutput++;
    const ms = ticksToMs(ticks, this.#clockRate);
    // Copied: a small view held in a GOP cache would pin the whole received chunk.
    return [{ track: 'audio', dts: ms, pts: ms, keyframe: true, payload: Buffer.from(packet.payload) }];
  }
}
