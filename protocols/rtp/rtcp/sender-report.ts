/** RTCP sender report (RFC 3550 §6.4.1): the NTP <-> RTP timestamp mapping and sender counts. */
import { ntpFromUnixMs, type NtpTimestamp } from './ntp.ts';
import { writeReceptionReport, type ReceptionReport } from './reception-report.ts';
import { REPORT_BLOCK_LENGTH, RTCP_HEADER_LENGTH, RtcpPacketType, writeRtcpHeader } from './rtcp-header.ts';

/** Sender info after the common header: SSRC, NTP (8), RTP timestamp, packet count, octet count. */
export const SENDER_INFO_LENGTH = 24;

export interface SenderReport {
  readonly ssrc: number;
  /** Wall-clock time of the report. */
  readonly ntp: NtpTimestamp;
  /** The RTP timestamp corresponding to `ntp` (same clock as the data packets). */
  readonly rtpTimestamp: number;
  /** Packets sent since the start (modulo 2^32). */
  readonly packetCount: number;
  /** Payload octets sent since the start (modulo 2^32). */
  readonly octetCount: number;
  readonly reports: readonly ReceptionReport[];
}

export interface SenderReportInit {
  readonly ssrc: number;
  /** Wall clock of the report in Unix ms (converted to NTP). */
  readonly nowUnixMs: number;
  readonly rtpTimestamp: number;
  readonly packetCount: number;
  readonly octetCount: number;
  readonly reports?: readonly ReceptionReport[];
}

export function buildSenderReport(init: SenderReportInit): Buffer {
  const reports = init.reports ?? [];
  const length = RTCP_HEADER_LENGTH + SENDER_INFO_LENGTH + REPORT_BLOCK_LENGTH * reports.length;
  const out = Buffer.allocUnsafe(length);
  writeRtcpHeader(out, 0, reports.length, RtcpPacketType.SenderReport, length);
  const ntp = ntpFromUnixMs(init.nowUnixMs);
  out.writeUInt32BE(init.ssrc >>> 0, 4);
  out.writeUInt32BE(ntp.seconds, 8);
  out.writeUInt32BE(ntp.fraction, 12);
  out.writeUInt32BE(init.rtpTimestamp >>> 0, 16);
  out.writeUInt32BE(init.packetCount >>> 0, 20);
  out.writeUInt32BE(init.octetCount >>> 0, 24);
  let off = RTCP_HEADER_LENGTH + SENDER_INFO_LENGTH;
  for (const r of reports) off = writeReceptionReport(out, off, r);
  return out;
}
