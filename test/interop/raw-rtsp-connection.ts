/**
 * A hand-driven RTSP connection for interop tests that play a misbehaving or replaying client: raw
 * writes, every response parsed with our own reader, and a promise for the close.
 */
import net from 'node:net';
import tls from 'node:tls';
import { RtspMessageReader } from '../../protocols/rtsp/message/message-reader.ts';
import type { RtspResponse } from '../../protocols/rtsp/message/rtsp-message.ts';

export class RawRtspConnection {
  readonly socket: net.Socket;
  readonly responses: RtspResponse[] = [];
  readonly closed: Promise<void>;
  #waiters: (() => void)[] = [];
  #cseq = 0;

  /** `tls`: speak RTSPS (the test's own certificate is not verified). */
  constructor(port: number, o: { tls?: boolean } = {}) {
    this.socket = o.tls === true ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }) : net.connect(port, '127.0.0.1');
    const reader = new RtspMessageReader((item) => {
      if (item.kind !== 'response') return;
      this.responses.push(item);
      for (const w of this.#waiters.splice(0)) w();
    });
    this.socket.on('data', (d: Buffer) => reader.push(d));
    this.socket.on('error', () => {});
    this.closed = new Promise((resolve) => this.socket.on('close', () => resolve()));
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Sends a request and returns its response (or rejects after 5 s). */
  async request(method: string, uri: string, headers: Record<string, string> = {}, body = ''): Promise<RtspResponse> {
    const cseq = ++this.#cseq;
    let head = `${method} ${uri} RTSP/1.0\r\nCSeq: ${cseq}\r\n`;
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
    if (body !== '') head += `Content-Length: ${Buffer.byteLength(body)}\r\n`;
    this.write(`${head}\r\n${body}`);
    return this.next((r) => r.headers.get('CSeq') === String(cseq));
  }

  async next(match: (r: RtspResponse) => boolean = () => true): Promise<RtspResponse> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const found = this.responses.find(match);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error('no response');
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  async closedWithin(ms: number): Promise<boolean> {
    return Promise.race([this.closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())]);
  }

  destroy(): void {
    this.socket.destroy();
  }
}
