/** Runs a pure RtspClientSession over a connection until it plays or records; then keeps it alive. */
import type { RtspClientSession, RtspClientStep } from '../../../protocols/rtsp/session/client-session.ts';
import type { RtspClientConnection } from './client-connection.ts';

/** Requests in one handshake at most (OPTIONS, DESCRIBE, a few SETUPs, PLAY, 401 retries). */
const MAX_HANDSHAKE_REQUESTS = 24;

export type HandshakeResult = Extract<RtspClientStep, { kind: 'playing' } | { kind: 'recording' }>;

export async function runClientHandshake(conn: RtspClientConnection, session: RtspClientSession): Promise<HandshakeResult> {
  let step: RtspClientStep = { kind: 'request', request: session.start() };
  for (let i = 0; i < MAX_HANDSHAKE_REQUESTS; i++) {
    if (step.kind === 'playing' || step.kind === 'recording') return step;
    if (step.kind === 'idle') break;
    step = session.onResponse(await conn.request(step.request));
  }
  throw new Error('RTSP handshake did not complete');
}

/** Sends keepalives at half the session timeout; a failed keepalive closes the connection. Returns the stop function. */
export function startKeepalive(conn: RtspClientConnection, session: RtspClientSession): () => void {
  const timer = setInterval(() => {
    if (conn.closed) return;
    conn
      .request(session.keepalive())
      .then((res) => session.onResponse(res))
      .catch((err: unknown) => conn.destroy(err instanceof Error ? err : new Error(String(err))));
  }, session.keepaliveIntervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** TEARDOWN without waiting long for an answer: the connection closes right after either way. */
export async function teardown(conn: RtspClientConnection, session: RtspClientSession, timeoutMs = 1000): Promise<void> {
  if (conn.closed) return;
  const req = session.teardown();
  await Promise.race([conn.request(req).catch(() => undefined), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
}
