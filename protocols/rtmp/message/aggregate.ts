/**
 * Aggregate messages (RTMP spec §7.1.6, type 22): several FLV-tag-shaped sub-messages (11-byte
 * header, body, 4-byte back pointer) whose timestamps are shifted so the first one lands on the
 * aggregate's own timestamp. Sent by FMS/Wowza relays and some encoders.
 */
import { ProtocolError } from '../../errors.ts';
import type { RtmpMessage } from '../chunk/rtmp-message.ts';

export interface SubMessage {
  readonly typeId: number;
  readonly timestamp: number;
  readonly payload: Buffer;
}

const SUB_HEADER_SIZE = 11;
const BACK_POINTER_SIZE = 4;

export function splitAggregate(m: RtmpMessage): SubMessage[] {
  const p = m.payload;
  const out: SubMessage[] = [];
  let off = 0;
  let shift = 0;
  while (off < p.length) {
    if (off + SUB_HEADER_SIZE > p.length) {
      throw new ProtocolError('RTMP_AGGREGATE_INVALID', 'aggregate sub-message header truncated');
    }
    const typeId = p[off]!;
    const size = p.readUIntBE(off + 1, 3);
    const ts = (p[off + 7]! * 0x1000000 + p.readUIntBE(off + 4, 3)) >>> 0;
    const start = off + SUB_HEADER_SIZE;
    if (start + size > p.length) throw new ProtocolError('RTMP_AGGREGATE_INVALID', 'aggregate sub-message body truncated');
    if (out.length === 0) shift = (m.timestamp - ts) | 0;
    out.push({ typeId, timestamp: (ts + shift) >>> 0, payload: p.subarray(start, start + size) });
    off = start + size + BACK_POINTER_SIZE; // a missing final back pointer is tolerated
  }
  return out;
}
