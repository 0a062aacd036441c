/**
 * A minimal WebSocket client for a Cupola API's event stream (GET /api/v1/events with Upgrade):
 * handshake, text messages parsed as JSON, pings answered, close handled. Node 20 has no WebSocket
 * client without a flag, and the events are a small JSON feed, so this is all the master needs.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { encodeClientFrame, Opcode, WsFrameReader, type WsMessage } from '../../../protocols/websocket/frame-reader.ts';
import tls from 'node:tls';
import type { ClientTls } from '../../net/client-socket.ts';

/** RFC 6455 §1.3: the GUID appended to the key for Sec-WebSocket-Accept. */
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export interface EventSocketOptions {
  /** The events URL (http:// or https://, upgraded in place). */
  readonly url: string;
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string | undefined;
  /** Handshake must complete within this. Defaults to 3000 ms. */
  readonly connectTimeoutMs?: number;
  /** wss:// (an https:// API): how the certificate is checked. Defaults to the system's CAs. */
  readonly tls?: ClientTls;
  onOpen?(): void;
  /** One parsed JSON message; messages that are not JSON are dropped. */
  onEvent(event: unknown): void;
  /** Called once, after which the socket is dead (the caller reconnects if it wants). */
  onClose(reason: string): void;
}

export interface EventSocket {
  close(): void;
}

export function expectedAccept(key: string): string {
  return createHash('sha1').update(key + WS_GUID).digest('base64');
}

export function connectEventSocket(o: EventSocketOptions): EventSocket {
  const url = new URL(o.url);
  const key = randomBytes(16).toString('base64');
  const headers: Record<string, string> = {
    Connection: 'Upgrade',
    Upgrade: 'websocket',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Key': key,
  };
  if (o.token !== undefined) headers.Authorization = `Bearer ${o.token}`;
  const trust =
    url.protocol === 'https:' && o.tls !== undefined
      ? { ...(o.tls.ca !== undefined ? { ca: [...tls.rootCertificates, o.tls.ca.toString()] } : {}), rejectUnauthorized: o.tls.rejectUnauthorized ?? true }
      : {};
  const request = (url.protocol === 'https:' ? https : http).request(url, { headers, ...trust });
  let socket: Socket | null = null;
  let closed = false;
  const finish = (reason: string): void => {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    request.destroy();
    socket?.destroy();
    o.onClose(reason);
  };
  const timer = setTimeout(() => finish('handshake timed out'), o.connectTimeoutMs ?? 3000);
  timer.unref();
  request.on('error', (err) => finish(`request failed: ${err.message}`));
  request.on('response', (res) => {
    res.resume();
    finish(`server answered HTTP ${res.statusCode} instead of upgrading`);
  });
  request.on('upgrade', (res, sock, head) => {
    socket = sock;
    if (closed) {
      sock.destroy();
      return;
    }
    if (res.headers['sec-websocket-accept'] !== expectedAccept(key)) {
      finish('bad Sec-WebSocket-Accept');
      return;
    }
    clearTimeout(timer);
    sock.setNoDelay(true);
    const send = (opcode: typeof Opcode.Pong | typeof Opcode.Close, payload: Buffer): void => {
      if (!sock.destroyed) sock.write(encodeClientFrame(opcode, payload, randomBytes(4)));
    };
    const reader = new WsFrameReader((m: WsMessage) => {
      switch (m.opcode) {
        case Opcode.Text:
          try {
            o.onEvent(JSON.parse(m.payload.toString('utf8')) as unknown);
          } catch {
            // not JSON: the feed only sends JSON events; a stray message is no reason to drop the feed
          }
          break;
        case Opcode.Ping:
          send(Opcode.Pong, m.payload);
          break;
        case Opcode.Close:
          send(Opcode.Close, m.payload.subarray(0, 2));
          finish('server closed the event stream');
          break;
        default:
          break; // binary and pong: nothing to do
      }
    });
    sock.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk);
      } catch (err) {
        finish(`bad frame: ${(err as Error).message}`);
      }
    });
    sock.on('close', () => finish('connection closed'));
    sock.on('error', (err) => finish(`socket error: ${err.message}`));
    o.onOpen?.();
    if (head.length > 0) sock.emit('data', head);
  });
  request.end();
  return {
    close() {
      if (closed) return;
      if (socket !== null && !socket.destroyed) socket.end(encodeClientFrame(Opcode.Close, Buffer.from([0x03, 0xe8]), randomBytes(4)));
      closed = true;
      clearTimeout(timer);
      request.destroy();
      setTimeout(() => socket?.destroy(), 200).unref();
    },
  };
}
