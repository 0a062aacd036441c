/** RTCP common header (RFC 3550 §6.4.1): V=2, P, count (5 bits), packet type, length in words - 1. */
import { ProtocolError } from '../../errors.ts';

export const RTCP_HEADER_LENGTH = 4;
export const RTCP_VERSION = 2;
/** RC / SC is 5 bits. */
export const MAX_RTCP_COUNT = 31;
export const REPORT_BLOCK_LENGTH = 24;

export const RtcpPacketType = {
  SenderReport: 200,
  ReceiverReport: 201,
  SourceDescription: 202,
  Bye: 203,
  App: 204,
} as const;

/** Writes the header at `offset` for a packet of `totalLength` bytes (a multiple of 4). */
export function writeRtcpHeader(buf: Buffer, offset: number, count: number, packetType: number, totalLength: number): void {
  if (count > MAX_RTCP_COUNT) throw new RangeError(`RTCP count ${count} exceeds ${MAX_RTCP_COUNT}`);
  if (totalLength % 4 !== 0 || totalLength / 4 - 1 > 0xffff) throw new RangeError(`RTCP length ${totalLength}`);
  buf[offset] = (RTCP_VERSION << 6) | count;
  buf[offset + 1] = packetType;
  buf.writeUInt16BE(totalLength / 4 - 1, offset + 2);
}

export interface RtcpHeader {
  readonly padding: boolean;
  readonly count: number;
  readonly packetType: number;
  /** Bytes of the whole packet, header included. */
  readonly length: number;
}

/** Reads the header at `offset`; checks version and that the packet fits in `buf`. */
export function readRtcpHeader(buf: Buffer, offset: number): RtcpHeader {
  if (buf.length - offset < RTCP_HEADER_LENGTH) {
    throw new ProtocolError('RTCP_PACKET_TRUNCATED', 'RTCP header truncated');
  }
  const b0 = buf[offset]!;
  if (b0 >> 6 !== RTCP_VERSION) throw new ProtocolError('RTCP_VERSION_UNSUPPORTED', `RTCP version ${b0 >> 6}`);
  const length = (buf.readUInt16BE(offset + 2) + 1) * 4;
  if (offset + length > buf.length) {
    throw new ProtocolError('RTCP_PACKET_TRUNCATED', `RTCP packet of ${length} bytes exceeds the datagram`);
  }
  return { padding: (b0 & 0x20) !== 0, count: b0 & 0x1f, packetType: buf[offset + 1]!, length };
}
