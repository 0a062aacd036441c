/**
 * RFC 6184 depacketizer (packetization-mode 0 and 1): single NAL unit packets, STAP-A and FU-A.
 * STAP-B, MTAP and FU-B (interleaved mode) are counted as malformed and drop their access unit.
 */
import type { Frame } from '../../media/frame.ts';
import { H264NaluType } from '../../codecs/nalu.ts';
import { AccessUnitAssembler } from '../access-unit-assembler.ts';
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

export const H264_CLOCK_RATE = 90000;
const NAL_TYPE_MASK = 0x1f;
/** F and NRI bits of the FU indicator, kept in the rebuilt NAL header (RFC 6184 §5.8). */
const FU_INDICATOR_KEEP_MASK = 0xe0;
export const FU_START_BIT = 0x80;
export const FU_END_BIT = 0x40;
/** NAL unit types 1..23 travel as single NAL unit packets (RFC 6184 §5.6). */
const SINGLE_NALU_FIRST_TYPE = 1;
const SINGLE_NALU_LAST_TYPE = 23;
const STAP_A_HEADER_BYTES = 1;
const STAP_NALU_SIZE_BYTES = 2;
const FU_A_HEADER_BYTES = 2;

export class H264Depacketizer implements RtpDepacketizer {
  readonly stats: DepacketizerStats = createDepacketizerStats();
  readonly #tracker = new SequenceTracker();
  readonly #assembler: AccessUnitAssembler;
  readonly #clock: RtpClock;

  constructor(options: DepacketizerOptions = {}) {
    this.#clock = new RtpClock(H264_CLOCK_RATE, options.rtpTimestampOrigin);
    this.#assembler = new AccessUnitAssembler('h264', this.stats);
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
    const flushed = this.#assembler.begin(packet.timestamp, ms, verdict.kind === 'gap');
    if (!this.#parsePayload(packet.payload)) {
      this.stats.packetsMalformed++;
      this.#assembler.markCorrupt();
    }
    const completed = packet.marker ? this.#assembler.end() : null;
    if (flushed === null && completed === null) return NO_FRAMES;
    if (flushed === null) return [completed!];
    return completed === null ? [flushed] : [flushed, completed];
  }

  reset(): void {
    this.#tracker.reset();
    this.#assembler.reset();
  }

  /** False when the payload is malformed or uses an unsupported structure. */
  #parsePayload(payload: Buffer): boolean {
    if (payload.length === 0) return false;
    const type = payload[0]! & NAL_TYPE_MASK;
    if (type >= SINGLE_NALU_FIRST_TYPE && type <= SINGLE_NALU_LAST_TYPE) {
      this.#assembler.addNalu(payload);
      return true;
    }
    if (type === H264NaluType.StapA) return this.#parseStapA(payload);
    if (type === H264NaluType.FuA) return this.#parseFuA(payload);
    return false; // 0, 30, 31 undefined; STAP-B, MTAP16/24, FU-B need interleaved mode
  }

  /** RFC 6184 §5.7.1: [STAP-A header][size16][NALU][size16][NALU]... */
  #parseStapA(payload: Buffer): boolean {
    let off = STAP_A_HEADER_BYTES;
    if (off >= payload.length) return false;
    while (off < payload.length) {
      if (off + STAP_NALU_SIZE_BYTES > payload.length) return false;
      const size = payload.readUInt16BE(off);
      off += STAP_NALU_SIZE_BYTES;
      if (size === 0 || off + size > payload.length) return false;
      this.#assembler.addNalu(payload.subarray(off, off + size));
      off += size;
    }
    return true;
  }

  /** RFC 6184 §5.8: [FU indicator][FU header: S E R type][fragment]. */
  #parseFuA(payload: Buffer): boolean {
    if (payload.length < FU_A_HEADER_BYTES) return false;
    const indicator = payload[0]!;
    const header = payload[1]!;
    const start = (header & FU_START_BIT) !== 0;
    const end = (header & FU_END_BIT) !== 0;
    const body = payload.subarray(FU_A_HEADER_BYTES);
    if (start) {
      const nalHeader = Buffer.from([(indicator & FU_INDICATOR_KEEP_MASK) | (header & NAL_TYPE_MASK)]);
      this.#assembler.startFragment(nalHeader, body);
      // Some cameras send a whole NAL unit as one FU-A with both S and E set (forbidden by §5.8).
      if (end) this.#assembler.continueFragment(body.subarray(body.length), true);
      return true;
    }
    this.#assembler.continueFragment(body, end);
    return true;
  }
}
