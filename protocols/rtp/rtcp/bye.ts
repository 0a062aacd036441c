/** RTCP BYE (RFC 3550 §6.6): sources leaving, with an optional reason. */
import { RTCP_HEADER_LENGTH, RtcpPacketType, writeRtcpHeader } from './rtcp-header.ts';

export interface Bye {
  readonly ssrcs: readonly number[];
  readonly reason?: string;
}

const MAX_REASON_BYTES = 255;

export function buildBye(bye: Bye): Buffer {
  const reason = bye.reason === undefined ? undefined : Buffer.from(bye.reason, 'utf8');
  if (reason !== undefined && reason.length > MAX_REASON_BYTES) throw new RangeError(`BYE reason of ${reason.length} bytes`);
  const body = 4 * bye.ssrcs.length + (reason === undefined ? 0 : 1 + reason.length);
  const length = RTCP_HEADER_LENGTH + Math.ceil(body / 4) * 4;
  const out = Buffer.alloc(length);
  writeRtcpHeader(out, 0, bye.ssrcs.length, RtcpPacketType.Bye, length);
  let off = RTCP_HEADER_LENGTH;
  for (const s of bye.ssrcs) off = out.writeUInt32BE(s >>> 0, off);
  if (reason !== undefined) {
    out[off] = reason.length;
    reason.copy(out, off + 1);
  }
  return out;
}
