/** Session (RFC 2326 §12.37): `Session: id[;timeout=seconds]`. */
import { ProtocolError } from '../../errors.ts';

/** Longest session identifier accepted from a peer. */
export const MAX_SESSION_ID_LENGTH = 256;
/** Default session timeout announced by servers that do not state one (RFC 2326 §12.37). */
export const DEFAULT_SESSION_TIMEOUT_SEC = 60;

export interface SessionHeader {
  readonly id: string;
  /** Seconds of inactivity after which the server may drop the session, when stated. */
  readonly timeoutSec?: number;
}

const SESSION_ID = /^[A-Za-z0-9$\-_.+!*'()%:@&=~]+$/;

export function parseSessionHeader(value: string): SessionHeader {
  const [rawId, ...params] = value.split(';');
  const id = (rawId ?? '').trim();
  if (id.length === 0 || id.length > MAX_SESSION_ID_LENGTH || !SESSION_ID.test(id)) {
    throw new ProtocolError('RTSP_SESSION_HEADER_INVALID', `bad Session header: ${JSON.stringify(value.slice(0, 100))}`);
  }
  let timeoutSec: number | undefined;
  for (const param of params) {
    const [k, v] = param.split('=', 2).map((s) => s.trim());
    if (k?.toLowerCase() !== 'timeout') continue;
    if (v === undefined || !/^\d{1,9}$/.test(v)) {
      throw new ProtocolError('RTSP_SESSION_HEADER_INVALID', `bad Session timeout: ${JSON.stringify(value.slice(0, 100))}`);
    }
    timeoutSec = Number(v);
  }
  return timeoutSec === undefined ? { id } : { id, timeoutSec };
}

export function formatSessionHeader(h: SessionHeader): string {
  return h.timeoutSec === undefined ? h.id : `${h.id};timeout=${h.timeoutSec}`;
}
