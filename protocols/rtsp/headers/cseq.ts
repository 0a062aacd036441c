/** CSeq (RFC 2326 §12.17): the request sequence number every response echoes. */
import { ProtocolError } from '../../errors.ts';

/** Largest CSeq accepted; a 32-bit counter is plenty and keeps the value an exact integer. */
export const MAX_CSEQ = 0xffffffff;

export function parseCSeq(value: string | undefined): number {
  const text = value?.trim() ?? '';
  if (!/^\d{1,10}$/.test(text)) throw new ProtocolError('RTSP_CSEQ_INVALID', `bad or missing CSeq: ${JSON.stringify(value ?? null)}`);
  const n = Number(text);
  if (n > MAX_CSEQ) throw new ProtocolError('RTSP_CSEQ_INVALID', `CSeq ${n} out of range`);
  return n;
}
