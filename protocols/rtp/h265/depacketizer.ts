/**
 * RFC 7798 depacketizer without DONL (sprop-max-don-diff = 0): single NAL unit packets,
 * aggregation packets (AP) and fragmentation units (FU). PACI and undefined types are counted as
 * malformed and drop their access unit.
 */
import type { Frame } from '../../media/frame.ts';
import { H265NaluType } from '../../codecs/nalu.ts';
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

export const H265_CLOCK_RATE = 90000;
/** NAL unit types 0..47 travel as single NAL unit packets (RFC 7798 §4.4.1). */
const SINGLE_NALU_LAST_TYPE = 47;
export const H265_PAYLOAD_HEADER_BYTES = 2;
const AP_NALU_SIZE_BYTES = 2;
export const H265_FU_HEADER_BYTES = 1;
export const H265_FU_START_BIT = 0x80;
export const H265_FU_END_BIT = 0x40;
const FU_TYPE_MASK = 0x3f;
/** F bit and the LayerId high bit of the first header byte (RFC 7798 §1.1.4). */
const HEADER_BYTE0_KEEP_MASK = 0x81;

export class H265Depacketizer implements RtpDepacketizer {
  readonly stats: DepacketizerStats = createDepacketizerStats();
  readonly #tracker = new SequenceTracker();
  readonly #assembler: AccessUnitAssembler;
  readonly #clock: RtpClock;

  constructor(options: DepacketizerOptions = {}) {
    this.#clock = new RtpClock(H265_CLOCK_RATE, options.rtpTimestampOrigin);
    this.#assembler = new AccessUnitAssembler('h265', this.stats);
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

  #parsePayload(payload: Buffer): boolean {
    if (payload.length <= H265_PAYLOAD_HEADER_BYTES) return false;
    const type = (payload[0]! >> 1) & 0x3f;
    if (type <= SINGLE_NALU_LAST_TYPE) {
      this.#assembler.addNalu(payload);
      return true;
    }
    if (type === H265NaluType.AggregationPacket) return this.#parseAp(payload);
    if (type === H265NaluType.FragmentationUnit) return this.#parseFu(payload);
    return false;
  }

  /** RFC 7798 §4.4.2: [payload header][size16][NALU][size16][NALU]... (no DONL/DOND). */
  #parseAp(payload: Buffer): boolean {
    let off = H265_PAYLOAD_HEADER_BYTES;
    let count = 0;
    while (off < payload.length) {
      if (off + AP_NALU_SIZE_BYTES > payload.length) return false;
      const size = payload.readUInt16BE(off);
      off += AP_NALU_SIZE_BYTES;
      if (size < H265_PAYLOAD_HEADER_BYTES || off + size > payload.length) return false;
      this.#assembler.addNalu(payload.subarray(off, off + size));
      off += size;
      count++;
    }
    return count > 0;
  }

  /** RFC 7798 §4.4.3: [payload header][FU header: S E type][fragment] (no DONL). */
  #parseFu(payload: Buffer): boolean {
    const fuHeaderOffset = H265_PAYLOAD_HEADER_BYTES;
    if (payload.length < fuHeaderOffset + H265_FU_HEADER_BYTES) return false;
    const fuHeader = payload[fuHeaderOffset]!;
    const start = (fuHeader & H265_FU_START_BIT) !== 0;
    const end = (fuHeader & H265_FU_END_BIT) !== 0;
    const body = payload.subarray(fuHeaderOffset + H265_FU_HEADER_BYTES);
    if (start) {
      const nalHeader = Buffer.from([
        (payload[0]! & HEADER_BYTE0_KEEP_MASK) | ((fuHeader & FU_TYPE_MASK) << 1),
        payload[1]!,
      ]);
      this.#assembler.startFragment(nalHeader, body);
      // §4.4.3 forbids S and E together; tolerated as a whole NAL unit, as for H.264 cameras.
      if (end) this.#assembler.continueFragment(body.subarray(body.length), true);
      return true;
    }
    this.#assembler.continueFragment(body, end);
    return true;
  }
}
