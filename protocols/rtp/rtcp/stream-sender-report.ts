/** RTCP sender report for one track of a play output (RFC 3550 §6.4.1), from its packetizer's counts. */
import type { RtpPacketizer } from '../packetizer.ts';
import { buildSenderReport as buildSr } from './sender-report.ts';

/** `rtpTimestamp` is the media clock at `nowUnixMs` (the NTP <-> RTP mapping readers sync tracks with). */
export function buildSenderReport(packetizer: RtpPacketizer, nowUnixMs: number, rtpTimestamp: number): Buffer {
  return buildSr({
    ssrc: packetizer.ssrc,
    nowUnixMs,
    rtpTimestamp,
    packetCount: packetizer.stats.packets,
    octetCount: packetizer.stats.octets,
  });
}
