/**
 * One RTSP TCP connection: bytes -> RtspMessageReader -> requests answered through the listener,
 * interleaved frames routed to the session bound to their channel. Owns only its socket; a
 * ProtocolError closes this connection alone (after a 4xx when the peer can still read one).
 * Owns the first-request and authorisation deadlines and reports what its reader holds to the
 * node's input budget after every read.
 */
import type { Socket } from 'node:net';
import { isProtocolError, type ProtocolError } from '../../../protocols/errors.ts';
import type { RtspMessageLimits } from '../../../protocols/rtsp/message/limits.ts';
import { RtspMessageReader } from '../../../protocols/rtsp/message/message-reader.ts';
import { createResponse, encodeResponse } from '../../../protocols/rtsp/message/message-writer.ts';
import type { RtspReaderItem, RtspRequest, RtspResponse } from '../../../protocols/rtsp/message/rtsp-message.ts';
import { RtspStatus } from '../../../protocols/rtsp/message/status-codes.ts';
import type { ServerConnectionInfo } from '../../../protocols/rtsp/session/server-host.ts';
import type { Logger } from '../../log/logger.ts';
import type { InputAccount, InputBudget, InputBudgetReason } from '../../net/input-budget.ts';
import { readFromHandle, type HandleReader } from '../../net/handle-read.ts';
import { flushSocketWrites } from '../../net/socket-write-queue.ts';
import { normalizeAddress } from '../../net/normalize-address.ts';

/** Why a connection was closed by a limit rather than by a protocol error or its peer. */
export type RtspShedReason = InputBudgetReason | 'first-request-timeout' | 'authorise-timeout';

export interface RtspConnectionLimits {
  /** Time from accept to the first complete request. */
  readonly firstRequestTimeoutMs: number;
  /** Time from accept to the connection's first session (SETUP). */
  readonly authoriseTimeoutMs: number;
  readonly inputBudget: InputBudget;
  readonly message?: Partial<RtspMessageLimits>;
}

export interface ConnectionHandlers {
  /** Answers a request; `after` runs once the response is queued (start sending media). */
  request(conn: RtspConnection, req: RtspRequest): { response: RtspResponse; after: (() => void)[] };
  /**
   * Whether to wait before answering `req` (an on-demand camera's source is starting): the
   * connection reads nothing more and answers nothing until the promise settles. Optional.
   */
  hold?(conn: RtspConnection, req: RtspRequest): Promise<unknown> | undefined;
  interleaved(conn: RtspConnection, channel: number, payload: Buffer): void;
  closed(conn: RtspConnection): void;
  protocolError(conn: RtspConnection, err: ProtocolError): void;
  /** Closed by a deadline or the input budget (the connection is being destroyed). */
  shed(conn: RtspConnection, reason: RtspShedReason): void;
}

/** Items (requests, interleaved frames) kept while a request is held; more closes the connection. */
const MAX_HELD_ITEMS = 64;

/** Status answered before closing, per framing error. */
function statusFor(err: ProtocolError): number {
  switch (err.code) {
    case 'RTSP_VERSION_UNSUPPORTED':
      return RtspStatus.VersionNotSupported;
    case 'RTSP_BODY_TOO_LARGE':
      return RtspStatus.RequestEntityTooLarge;
    default:
      return RtspStatus.BadRequest;
  }
}

export class RtspConnection implements ServerConnectionInfo {
  readonly id: string;
  readonly remoteAddress: string;
  readonly socket: Socket;
  readonly log: Logger;
  readonly #reader: RtspMessageReader;
  readonly #handlers: ConnectionHandlers;
  #lastActivityMs: number;
  #closed = false;
  #failed = false;
  #firstRequestTimer: NodeJS.Timeout | null;
  #authoriseTimer: NodeJS.Timeout | null;
  readonly #account: InputAccount;
  /** Items parsed while a request is held, answered in order once it is released. */
  #held: RtspReaderItem[] | null = null;
  /** Set when the socket is read straight from its handle. */
  readonly #direct: HandleReader | null;

  constructor(id: string, socket: Socket, handlers: ConnectionHandlers, log: Logger, nowMs: number, limits: RtspConnectionLimits) {
    this.id = id;
    this.socket = socket;
    this.remoteAddress = normalizeAddress(socket.remoteAddress ?? '');
    this.log = log.child({ conn: id, remote: `${socket.remoteAddress}:${socket.remotePort}` });
    this.#handlers = handlers;
    this.#lastActivityMs = nowMs;
    this.#reader = new RtspMessageReader((item) => this.#onItem(item), limits.message ?? {});
    this.#account = limits.inputBudget.open((reason) => this.#shed(reason));
    this.#firstRequestTimer = setTimeout(() => this.#shed('first-request-timeout'), limits.firstRequestTimeoutMs);
    this.#firstRequestTimer.unref();
    this.#authoriseTimer = setTimeout(() => this.#shed('authorise-timeout'), limits.authoriseTimeoutMs);
    this.#authoriseTimer.unref();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk, false));
    // A plain TCP socket is read straight from its handle (net/handle-read.ts); TLS through 'data'.
    this.#direct = readFromHandle(socket, (lent) => this.#onData(lent, true));
    socket.on('error', (err) => this.log.debug('socket error', { err }));
    socket.on('close', () => this.#onClose());
  }

  get lastActivityMs(): number {
    return this.#lastActivityMs;
  }

  get closed(): boolean {
    return this.#closed;
  }

  touch(nowMs: number): void {
    this.#lastActivityMs = nowMs;
  }

  get authorised(): boolean {
    return this.#account.authorised;
  }

  /** The connection has a session: it leaves the unauthorised pool and budget. */
  authorise(): void {
    if (this.#closed || this.#account.authorised) return;
    this.#clearTimers();
    this.#account.authorise();
  }

  #clearTimers(): void {
    for (const t of [this.#firstRequestTimer, this.#authoriseTimer]) if (t !== null) clearTimeout(t);
    this.#firstRequestTimer = this.#authoriseTimer = null;
  }

  #shed(reason: RtspShedReason): void {
    if (this.#closed || this.socket.destroyed) return;
    this.#handlers.shed(this, reason);
    this.destroy(reason);
  }

  send(res: RtspResponse): void {
    if (this.socket.destroyed) return;
    flushSocketWrites(this.socket); // interleaved data queued for this task goes first
    this.socket.write(encodeResponse(res));
  }

  /** Closes the connection (timeout, reader evicted, shutdown). */
  destroy(reason: string): void {
    if (this.socket.destroyed) return;
    this.log.debug('closing connection', { reason });
    this.socket.destroy();
  }

  /** Stops reading from the socket (a held request, a framing error) until `#resume`. */
  #pause(): void {
    if (this.#direct !== null) this.#direct.pause();
    else this.socket.pause();
  }

  #resume(): void {
    if (this.#direct !== null) this.#direct.resume();
    else this.socket.resume();
  }

  /** `lent`: the bytes are the shared read buffer's, valid only during this call. */
  #onData(chunk: Buffer, lent: boolean): void {
    // After a framing error the reader is out of sync: nothing more from this peer is parsed (bytes
    // already read from the socket must not run as requests while the 400 drains).
    if (this.#failed) return;
    try {
      if (lent) this.#reader.pushLent(chunk);
      else this.#reader.push(chunk);
      this.#account.update(this.#reader.retainedBytes);
    } catch (err) {
      if (!isProtocolError(err)) throw err;
      this.#failed = true;
      this.#handlers.protocolError(this, err);
      this.log.warn('RTSP protocol error', { code: err.code, message: err.message });
      // The reader is out of sync now: answer if we can, then close this connection only.
      if (!this.socket.destroyed) this.socket.end(encodeResponse(createResponse({ statusCode: statusFor(err), headers: { Connection: 'close' } })));
      this.#pause();
      setTimeout(() => this.socket.destroy(), 1000).unref();
    }
  }

  #onItem(item: RtspReaderItem, released = false): void {
    if (this.socket.destroyed) return;
    if (this.#held !== null) {
      // Pipelined behind a held request (the socket is paused; a chunk already read lands here).
      if (this.#held.length >= MAX_HELD_ITEMS) this.destroy('too many requests pipelined behind a held one');
      else this.#held.push(item);
      return;
    }
    switch (item.kind) {
      case 'request': {
        if (this.#firstRequestTimer !== null) clearTimeout(this.#firstRequestTimer);
        this.#firstRequestTimer = null;
        const wait = released ? undefined : this.#handlers.hold?.(this, item);
        if (wait !== undefined) {
          this.#held = [];
          this.#pause();
          const release = (): void => {
            const queued = this.#held ?? [];
            this.#held = null;
            if (this.socket.destroyed) return;
            this.#onItem(item, true);
            for (const next of queued) this.#onItem(next);
            if (this.#held === null) this.#resume();
          };
          wait.then(release, release);
          return;
        }
        const { response, after } = this.#handlers.request(this, item);
        this.send(response);
        for (const fn of after) fn();
        return;
      }
      case 'interleaved':
        this.#handlers.interleaved(this, item.channel, item.payload);
        return;
      case 'response':
        // Servers do not send requests to clients here, so a response answers nothing: ignore it.
        this.log.debug('ignoring RTSP response from client', { status: item.statusCode });
        return;
    }
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearTimers();
    this.#account.close();
    this.#handlers.closed(this);
  }
}
