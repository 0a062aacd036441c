/**
 * Compound RTCP packet parsing (RFC 3550 §6.1): SR, RR, SDES (CNAME), BYE; other types are
 * returned opaque. Throws ProtocolError on a wrong version or lengths that do not add up.
 */
import { ProtocolError, isProtocolError } from '../../errors.ts';
import type { Bye } from './bye.ts';
import { readReceptionReport, type ReceptionReport } from './reception-report.ts';
import type { ReceiverReport } from './receiver-report.ts';
import { REPORT_BLOCK_LENGTH, RTCP_HEADER_LENGTH, RtcpPacketType, readRtcpHeader } from './rtcp-header.ts';
import { SENDER_INFO_LENGTH, type SenderReport } from './sender-report.ts';

export interface SdesChunk {
  readonly ssrc: number;
  readonly cname?: string;
}

export type RtcpPacket =
  | ({ readonly type: 'sr' } & SenderReport)
  | ({ readonly type: 'rr' } & ReceiverReport)
  | { readonly type: 'sdes'; readonly chunks: readonly SdesChunk[] }
  | ({ readonly type: 'bye' } & Bye)
  | { readonly type: 'other'; readonly packetType: number; readonly count: number; readonly body: Buffer };

const SDES_END = 0;
const SDES_CNAME = 1;

/** Every packet of a compound RTCP datagram (or interleaved frame), in order. */
export function parseRtcpCompound(buf: Buffer): RtcpPacket[] {
  const out: RtcpPacket[] = [];
  let offset = 0;
  if (buf.length === 0) throw new ProtocolError('RTCP_PACKET_TRUNCATED', 'empty RTCP packet');
  while (offset < buf.length) {
    const h = readRtcpHeader(buf, offset);
    let end = offset + h.length;
    if (h.padding) {
      const pad = buf[end - 1]!;
      if (pad === 0 || pad > h.length - RTCP_HEADER_LENGTH) {
        throw new ProtocolError('RTCP_PACKET_INVALID', `RTCP padding of ${pad} bytes does not fit`);
      }
      end -= pad;
    }
    const body = buf.subarray(offset + RTCP_HEADER_LENGTH, end);
    out.push(parseOne(h.packetType, h.count, body));
    offset += h.length;
  }
  return out;
}

function parseOne(packetType: number, count: number, body: Buffer): RtcpPacket {
  switch (packetType) {
    case RtcpPacketType.SenderReport: {
      need(body, SENDER_INFO_LENGTH + REPORT_BLOCK_LENGTH * count, 'SR');
      return {
        type: 'sr',
        ssrc: body.readUInt32BE(0),
        ntp: { seconds: body.readUInt32BE(4), fraction: body.readUInt32BE(8) },
        rtpTimestamp: body.readUInt32BE(12),
        packetCount: body.readUInt32BE(16),
        octetCount: body.readUInt32BE(20),
        reports: readReports(body, SENDER_INFO_LENGTH, count),
      };
    }
    case RtcpPacketType.ReceiverReport:
      need(body, 4 + REPORT_BLOCK_LENGTH * count, 'RR');
      return { type: 'rr', ssrc: body.readUInt32BE(0), reports: readReports(body, 4, count) };
    case RtcpPacketType.SourceDescription:
      return { type: 'sdes', chunks: parseSdes(body, count) };
    case RtcpPacketType.Bye:
      return parseBye(body, count);
    default:
      return { type: 'other', packetType, count, body };
  }
}

function readReports(body: Buffer, offset: number, count: number): ReceptionReport[] {
  const reports: ReceptionReport[] = [];
  for (let i = 0; i < count; i++) reports.push(readReceptionReport(body, offset + i * REPORT_BLOCK_LENGTH));
  return reports;
}

function parseBye(body: Buffer, count: number): RtcpPacket {
  need(body, 4 * count, 'BYE');
  const ssrcs: number[] = [];
  for (let i = 0; i < count; i++) ssrcs.push(body.readUInt32BE(4 * i));
  const at = 4 * count;
  if (at < body.length && body[at]! > 0) {
    const len = body[at]!;
    need(body, at + 1 + len, 'BYE reason');
    return { type: 'bye', ssrcs, reason: body.toString('utf8', at + 1, at + 1 + len) };
  }
  return { type: 'bye', ssrcs };
}

function parseSdes(body: Buffer, count: number): SdesChunk[] {
  const chunks: SdesChunk[] = [];
  let off = 0;
  for (let i = 0; i < count; i++) {
    need(body, off + 4, 'SDES chunk');
    const ssrc = body.readUInt32BE(off);
    off += 4;
    let cname: string | undefined;
    for (;;) {
      need(body, off + 1, 'SDES item');
      const itemType = body[off]!;
      if (itemType === SDES_END) {
        off += 1;
        break;
      }
      need(body, off + 2, 'SDES item');
      const len = body[off + 1]!;
      need(body, off + 2 + len, 'SDES item');
      if (itemType === SDES_CNAME && cname === undefined) cname = body.toString('utf8', off + 2, off + 2 + len);
      off += 2 + len;
    }
    off = Math.ceil(off / 4) * 4; // chunks end on a 32-bit boundary
    chunks.push(cname === undefined ? { ssrc } : { ssrc, cname });
  }
  return chunks;
}

function need(body: Buffer, bytes: number, what: string): void {
  if (bytes > body.length) throw new ProtocolError('RTCP_PACKET_INVALID', `${what} needs ${bytes} bytes, packet has ${body.length}`);
}

/** The sender reports of an RTCP compound packet; none when it is malformed (RTCP is advisory). */
export function senderReportsIn(buf: Buffer): SenderReport[] {
  let packets: RtcpPacket[];
  try {
    packets = parseRtcpCompound(buf);
  } catch (err) {
    if (!isProtocolError(err)) throw err;
    return [];
  }
  const out: SenderReport[] = [];
  for (const p of packets) if (p.type === 'sr') out.push(p);
  return out;
}
