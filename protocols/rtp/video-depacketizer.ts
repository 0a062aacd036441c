/**
 * What the H.264 and H.265 depacketizers share: packets -> access units through the
 * AccessUnitAssembler. A codec brings only the parser of its payload structures (single NAL unit,
 * aggregation, fragmentation), which hands NAL units and fragments to the assembler.
 */
import type { Frame, VideoCodec } from '../media/frame.ts';
import { AccessUnitAssembler } from './access-unit-assembler.ts';
import { NO_FRAMES, type DepacketizerStats, type PayloadDepacketizer } from './depacketizer.ts';
import type { RtpPacket } from './packet.ts';
import { ticksToMs } from './rtp-clock.ts';

/** Video RTP clock rate (RFC 6184 §8.2.1, RFC 7798 §7.1). */
export const VIDEO_CLOCK_RATE = 90000;

/** Adds one payload's NAL units and fragments to `assembler`; false when malformed or unsupported. */
export type NaluPayloadParser = (payload: Buffer, assembler: AccessUnitAssembler) => boolean;

export class VideoPayloadDepacketizer implements PayloadDepacketizer {
  readonly #stats: DepacketizerStats;
  readonly #assembler: AccessUnitAssembler;
  readonly #parse: NaluPayloadParser;

  constructor(codec: VideoCodec, stats: DepacketizerStats, parse: NaluPayloadParser) {
    this.#stats = stats;
    this.#assembler = new AccessUnitAssembler(codec, stats);
    this.#parse = parse;
  }

  push(packet: RtpPacket, ticks: number, afterLoss: boolean): readonly Frame[] {
    const flushed = this.#assembler.begin(packet.timestamp, ticksToMs(ticks, VIDEO_CLOCK_RATE), afterLoss);
    if (!this.#parse(packet.payload, this.#assembler)) {
      this.#stats.packetsMalformed++;
      this.#assembler.markCorrupt();
    }
    const completed = packet.marker ? this.#assembler.end() : null;
    if (flushed === null && completed === null) return NO_FRAMES;
    if (flushed === null) return [completed!];
    return completed === null ? [flushed] : [flushed, completed];
  }
}
