/** Reception report blocks (RFC 3550 §6.4.1), carried by SR and RR. */
import { REPORT_BLOCK_LENGTH } from './rtcp-header.ts';

export interface ReceptionReport {
  /** The source this block is about. */
  readonly ssrc: number;
  /** Fraction lost since the previous report, in 1/256 (0..255). */
  readonly fractionLost: number;
  /** Cumulative packets lost (24-bit signed: duplicates can make it negative). */
  readonly cumulativeLost: number;
  /** Cycles × 65536 + highest sequence number received. */
  readonly extendedHighestSequence: number;
  /** Interarrival jitter in RTP timestamp units. */
  readonly jitter: number;
  /** Middle 32 bits of the last SR's NTP timestamp (0 if none). */
  readonly lastSenderReport: number;
  /** Delay since that SR in units of 1/65536 s (0 if none). */
  readonly delaySinceLastSenderReport: number;
}

const CUMULATIVE_LOST_MAX = 0x7fffff;
const CUMULATIVE_LOST_MIN = -0x800000;

export function writeReceptionReport(buf: Buffer, offset: number, r: ReceptionReport): number {
  buf.writeUInt32BE(r.ssrc >>> 0, offset);
  buf[offset + 4] = Math.max(0, Math.min(255, r.fractionLost));
  const lost = Math.max(CUMULATIVE_LOST_MIN, Math.min(CUMULATIVE_LOST_MAX, r.cumulativeLost));
  buf.writeUIntBE(lost & 0xffffff, offset + 5, 3);
  buf.writeUInt32BE(r.extendedHighestSequence >>> 0, offset + 8);
  buf.writeUInt32BE(Math.min(0xffffffff, Math.max(0, Math.floor(r.jitter))), offset + 12);
  buf.writeUInt32BE(r.lastSenderReport >>> 0, offset + 16);
  buf.writeUInt32BE(r.delaySinceLastSenderReport >>> 0, offset + 20);
  return offset + REPORT_BLOCK_LENGTH;
}

/** The caller has checked that REPORT_BLOCK_LENGTH bytes are available. */
export function readReceptionReport(buf: Buffer, offset: number): ReceptionReport {
  return {
    ssrc: buf.readUInt32BE(offset),
    fractionLost: buf[offset + 4]!,
    cumulativeLost: (buf.readUIntBE(offset + 5, 3) << 8) >> 8,
    extendedHighestSequence: buf.readUInt32BE(offset + 8),
    jitter: buf.readUInt32BE(offset + 12),
    lastSenderReport: buf.readUInt32BE(offset + 16),
    delaySinceLastSenderReport: buf.readUInt32BE(offset + 20),
  };
}
