/**
 * The TCP side of an RTSP client: connects, writes requests, matches responses by CSeq and hands
 * interleaved frames to a callback. One instance per client session; the pure RtspClientSession
 * decides what to send.
 */
import type net from 'node:net';
import { connectClientSocket, type ClientTls } from '../../net/client-socket.ts';
import { readFromHandle } from '../../net/handle-read.ts';
import { isProtocolError } from '../../../protocols/errors.ts';
import { parseCSeq } from '../../../protocols/rtsp/headers/cseq.ts';
import { RtspMessageReader } from '../../../protocols/rtsp/message/message-reader.ts';
import { encodeRequest } from '../../../protocols/rtsp/message/message-writer.ts';
import type { RtspReaderItem, RtspRequest, RtspResponse } from '../../../protocols/rtsp/message/rtsp-message.ts';

export interface ClientConnectionOptions {
  readonly host: string;
  readonly port: number;
  /** Defaults to 10 000 ms. */
  readonly connectTimeoutMs?: number;
  /** Time to wait for each response. Defaults to 10 000 ms. */
  readonly responseTimeoutMs?: number;
  /** rtsps://: speak TLS, checking the certificate as told. */
  readonly secure?: boolean;
  readonly tls?: ClientTls;
}

interface Pending {
  readonly resolve: (res: RtspResponse) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** Most requests awaiting a response; a server that answers nothing cannot make this grow. */
const MAX_PENDING_REQUESTS = 16;
/** Media kept while the handshake finishes (a GOP burst follows PLAY at once). */
const MAX_EARLY_BYTES = 8 * 1024 * 1024;

export class RtspClientConnection {
  readonly socket: net.Socket;
  readonly #reader: RtspMessageReader;
  readonly #pending = new Map<number, Pending>();
  readonly #responseTimeoutMs: number;
  #onInterleaved: ((channel: number, payload: Buffer) => void) | undefined;
  /** Frames that arrived before a handler was set (media right behind the PLAY response). */
  #early: { channel: number; payload: Buffer }[] = [];
  #earlyBytes = 0;
  #onClose: (err: Error | undefined) => void = () => {};
  #closed = false;
  #closeError: Error | undefined;

  private constructor(socket: net.Socket, responseTimeoutMs: number) {
    this.socket = socket;
    this.#responseTimeoutMs = responseTimeoutMs;
    this.#reader = new RtspMessageReader((item) => this.#onItem(item));
    socket.setNoDelay(true);
    const onData = (chunk: Buffer, lent: boolean): void => {
      try {
        if (lent) this.#reader.pushLent(chunk);
        else this.#reader.push(chunk);
      } catch (err) {
        if (!isProtocolError(err)) throw err;
        this.destroy(err);
      }
    };
    socket.on('data', (chunk: Buffer) => onData(chunk, false));
    // A plain TCP socket is read straight from its handle (net/handle-read.ts); TLS through 'data'.
    readFromHandle(socket, (lent) => onData(lent, true));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy(this.#closeError ?? new Error('RTSP connection closed by server')));
  }

  static connect(options: ClientConnectionOptions): Promise<RtspClientConnection> {
    return new Promise((resolve, reject) => {
      const { socket, readyEvent } = connectClientSocket(options.host, options.port, options.secure === true, options.tls);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`RTSP connect to ${options.host}:${options.port} timed out`));
      }, options.connectTimeoutMs ?? 10_000);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once(readyEvent, () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new RtspClientConnection(socket, options.responseTimeoutMs ?? 10_000));
      });
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sets the media handler; frames received before it are replayed to it first. */
  onInterleaved(fn: (channel: number, payload: Buffer) => void): void {
    this.#onInterleaved = fn;
    const early = this.#early;
    this.#early = [];
    this.#earlyBytes = 0;
    for (const f of early) fn(f.channel, f.payload);
  }

  /** Called once when the connection ends; `err` is undefined for a close we asked for. */
  onClose(fn: (err: Error | undefined) => void): void {
    this.#onClose = fn;
  }

  /** Sends a request and waits for the response with the same CSeq. */
  request(req: RtspRequest): Promise<RtspResponse> {
    if (this.#closed) return Promise.reject(this.#closeError ?? new Error('RTSP connection closed'));
    const cseq = parseCSeq(req.headers.get('CSeq'));
    if (this.#pending.size >= MAX_PENDING_REQUESTS) return Promise.reject(new Error('too many RTSP requests without response'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(cseq);
        const err = new Error(`no response to ${req.method} within ${this.#responseTimeoutMs} ms`);
        reject(err);
        this.destroy(err);
      }, this.#responseTimeoutMs);
      this.#pending.set(cseq, { resolve, reject, timer });
      this.socket.write(encodeRequest(req));
    });
  }

  /** Writes without waiting (interleaved media). */
  write(buffers: readonly Buffer[]): void {
    if (this.#closed) return;
    this.socket.cork();
    for (const b of buffers) this.socket.write(b);
    this.socket.uncork();
  }

  /** Closes the connection; pending requests fail with `err` (or a plain "closed"). */
  destroy(err?: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeError = err;
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(err ?? new Error('RTSP connection closed'));
    }
    this.#pending.clear();
    this.socket.destroy();
    this.#onClose(err);
  }

  #onItem(item: RtspReaderItem): void {
    switch (item.kind) {
      case 'interleaved':
        if (this.#onInterleaved !== undefined) this.#onInterleaved(item.channel, item.payload);
        else if (this.#earlyBytes + item.payload.length <= MAX_EARLY_BYTES) {
          this.#early.push({ channel: item.channel, payload: item.payload });
          this.#earlyBytes += item.payload.length;
        }
        return;
      case 'response': {
        let cseq: number;
        try {
          cseq = parseCSeq(item.headers.get('CSeq'));
        } catch {
          // A response without a usable CSeq answers nothing we can match; cameras rarely do this.
          return;
        }
        const p = this.#pending.get(cseq);
        if (p === undefined) return;
        this.#pending.delete(cseq);
        clearTimeout(p.timer);
        p.resolve(item);
        return;
      }
      case 'request':
        // Servers may send OPTIONS/ANNOUNCE/REDIRECT to clients (RFC 2326 §10); we do not act on them.
        return;
    }
  }
}
