/** RTCP receiver report (RFC 3550 §6.4.2) and the SDES CNAME item every compound packet needs (§6.5.1). */
import { writeReceptionReport, type ReceptionReport } from './reception-report.ts';
import { REPORT_BLOCK_LENGTH, RTCP_HEADER_LENGTH, RtcpPacketType, writeRtcpHeader } from './rtcp-header.ts';

export interface ReceiverReport {
  /** The reporter's own SSRC. */
  readonly ssrc: number;
  readonly reports: readonly ReceptionReport[];
}

const SSRC_LENGTH = 4;
const SDES_CNAME = 1;
/** SDES item text is at most 255 bytes (8-bit length). */
export const MAX_SDES_TEXT_BYTES = 255;

export function buildReceiverReport(rr: ReceiverReport): Buffer {
  const length = RTCP_HEADER_LENGTH + SSRC_LENGTH + REPORT_BLOCK_LENGTH * rr.reports.length;
  const out = Buffer.allocUnsafe(length);
  writeRtcpHeader(out, 0, rr.reports.length, RtcpPacketType.ReceiverReport, length);
  out.writeUInt32BE(rr.ssrc >>> 0, RTCP_HEADER_LENGTH);
  let off = RTCP_HEADER_LENGTH + SSRC_LENGTH;
  for (const r of rr.reports) off = writeReceptionReport(out, off, r);
  return out;
}

/** An SDES packet with one chunk holding a CNAME item (append it to an RR/SR to form a compound packet). */
export function buildSdesCname(ssrc: number, cname: string): Buffer {
  const text = Buffer.from(cname, 'utf8');
  if (text.length > MAX_SDES_TEXT_BYTES) throw new RangeError(`CNAME of ${text.length} bytes`);
  // chunk: SSRC, item type, item length, text, then a null item and padding to 32 bits
  const chunk = SSRC_LENGTH + 2 + text.length + 1;
  const length = RTCP_HEADER_LENGTH + Math.ceil(chunk / 4) * 4;
  const out = Buffer.alloc(length);
  writeRtcpHeader(out, 0, 1, RtcpPacketType.SourceDescription, length);
  out.writeUInt32BE(ssrc >>> 0, RTCP_HEADER_LENGTH);
  out[RTCP_HEADER_LENGTH + SSRC_LENGTH] = SDES_CNAME;
  out[RTCP_HEADER_LENGTH + SSRC_LENGTH + 1] = text.length;
  text.copy(out, RTCP_HEADER_LENGTH + SSRC_LENGTH + 2);
  return out;
}
