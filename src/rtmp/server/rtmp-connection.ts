/**
 * One accepted RTMP socket: handshake, then ChunkReader -> ServerSession, with the session's
 * output written back to the socket. It alone catches ProtocolError (logged with the connection
 * id and code, then only this socket is destroyed) and owns the timers: handshake, idle, first
 * request (handshake + `connect`) and authorisation (an accepted publish or play). After the
 * handshake a plain TCP socket is read straight from its handle (`net/handle-read.ts`). What its
 * parser holds is reported to the node's input budget after every read. Publish/play decisions
 * are delegated through `onEvent`.
 */
import type { Socket } from 'node:net';
import { isProtocolError } from '../../../protocols/errors.ts';
import { ServerHandshake } from '../../../protocols/rtmp/handshake/server-handshake.ts';
import { ChunkReader } from '../../../protocols/rtmp/chunk/chunk-reader.ts';
import type { ChunkLimits } from '../../../protocols/rtmp/chunk/chunk-limits.ts';
import { ServerSession } from '../../../protocols/rtmp/session/server-session.ts';
import type { ServerSessionEvent, ServerSessionOptions } from '../../../protocols/rtmp/session/server-session-events.ts';
import type { Logger } from '../../log/logger.ts';
import type { InputAccount, InputBudget, InputBudgetReason } from '../../net/input-budget.ts';
import { flushSocketWrites } from '../../net/socket-write-queue.ts';
import { readFromHandle } from '../../net/handle-read.ts';

/** Why a connection was closed by a limit rather than by a protocol error or its peer. */
export type RtmpShedReason = InputBudgetReason | 'first-request-timeout' | 'authorise-timeout';

export interface RtmpConnectionOptions {
  readonly handshakeTimeoutMs: number;
  readonly idleTimeoutMs: number;
  /** Time from accept to the `connect` command. */
  readonly firstRequestTimeoutMs: number;
  /** Time from accept to an accepted publish or play. */
  readonly authoriseTimeoutMs: number;
  readonly inputBudget: InputBudget;
  readonly session: ServerSessionOptions;
  readonly limits: ChunkLimits;
}

export interface RtmpConnectionHooks {
  readonly randomBytes: (size: number) => Buffer;
  readonly uptimeMs: () => number;
  readonly onEvent: (conn: RtmpConnection, event: ServerSessionEvent) => void;
  readonly onProtocolError: (conn: RtmpConnection, code: string) => void;
  /** Closed by a timeout or the input budget (the connection is being destroyed). */
  readonly onShed: (conn: RtmpConnection, reason: RtmpShedReason) => void;
  /** Its first publish or play was accepted. */
  readonly onAuthorised: (conn: RtmpConnection) => void;
  readonly onClosed: (conn: RtmpConnection) => void;
}

export class RtmpConnection {
  readonly id: string;
  readonly socket: Socket;
  readonly remote: string;
  readonly log: Logger;
  readonly session: ServerSession;
  readonly #hooks: RtmpConnectionHooks;
  #handshake: ServerHandshake | null;
  readonly #reader: ChunkReader;
  #handshakeTimer: NodeJS.Timeout | null;
  #firstRequestTimer: NodeJS.Timeout | null;
  #authoriseTimer: NodeJS.Timeout | null;
  readonly #account: InputAccount;
  #closed = false;

  constructor(id: string, socket: Socket, options: RtmpConnectionOptions, hooks: RtmpConnectionHooks, log: Logger) {
    this.id = id;
    this.socket = socket;
    this.remote = `${socket.remoteAddress ?? 'unknown'}:${socket.remotePort ?? 0}`;
    this.log = log.child({ conn: id, remote: this.remote });
    this.#hooks = hooks;
    this.#handshake = new ServerHandshake({ randomBytes: hooks.randomBytes, timeMs: hooks.uptimeMs() });
    this.session = new ServerSession(
      (buffers) => this.write(buffers),
      (event) => hooks.onEvent(this, event),
      options.session,
    );
    this.#reader = new ChunkReader((m) => this.session.handleMessage(m), options.limits);

    socket.setNoDelay(true);
    socket.setTimeout(options.idleTimeoutMs);
    socket.on('timeout', () => this.destroy('idle timeout'));
    socket.on('data', (data: Buffer) => this.#onData(data));
    socket.on('error', (err) => this.log.debug('socket error', { err }));
    socket.on('close', () => this.#onClose());
    this.#handshakeTimer = setTimeout(() => this.destroy('handshake timeout'), options.handshakeTimeoutMs);
    this.#handshakeTimer.unref();
    this.#firstRequestTimer = setTimeout(() => this.#shed('first-request-timeout'), options.firstRequestTimeoutMs);
    this.#firstRequestTimer.unref();
    this.#authoriseTimer = setTimeout(() => this.#shed('authorise-timeout'), options.authoriseTimeoutMs);
    this.#authoriseTimer.unref();
    this.#account = options.inputBudget.open((reason) => this.#shed(reason));
  }

  /** Whether a publish or play of this connection was accepted. */
  get authorised(): boolean {
    return this.#account.authorised;
  }

  /** The `connect` command arrived: the first-request deadline is met. */
  connected(): void {
    if (this.#firstRequestTimer !== null) clearTimeout(this.#firstRequestTimer);
    this.#firstRequestTimer = null;
  }

  /** A publish or play was accepted: the connection leaves the unauthorised pool and budget. */
  authorise(): void {
    if (this.#closed || this.#account.authorised) return;
    this.connected();
    if (this.#authoriseTimer !== null) clearTimeout(this.#authoriseTimer);
    this.#authoriseTimer = null;
    this.#account.authorise();
    this.#hooks.onAuthorised(this);
  }

  #shed(reason: RtmpShedReason): void {
    if (this.#closed) return;
    this.#hooks.onShed(this, reason);
    this.destroy(reason);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Writes the buffers of one or more whole messages as one unit. */
  write(buffers: readonly Buffer[]): void {
    const socket = this.socket;
    if (this.#closed || !socket.writable) return;
    flushSocketWrites(socket); // media queued for this task goes first
    socket.cork();
    for (const b of buffers) socket.write(b);
    socket.uncork();
  }

  /** Flushes what is queued, then closes (after a refused publish/play). */
  endAfterFlush(reason: string): void {
    if (this.#closed) return;
    this.log.debug('closing connection', { reason });
    flushSocketWrites(this.socket);
    this.socket.end();
    // A peer that never reads must not hold the socket open.
    setTimeout(() => this.destroy(reason), 2000).unref();
  }

  destroy(reason: string): void {
    if (this.#closed) return;
    this.log.debug('closing connection', { reason });
    this.socket.destroy();
    this.#onClose();
  }

  /** `lent`: the bytes are the shared read buffer's, valid only during this call. */
  #onData(data: Buffer, lent = false): void {
    if (this.#closed) return;
    try {
      if (this.#handshake !== null) {
        const step = this.#handshake.push(data);
        if (step.send.length > 0) this.write(step.send);
        if (!step.done) return;
        this.#handshake = null;
        if (this.#handshakeTimer !== null) clearTimeout(this.#handshakeTimer);
        this.#handshakeTimer = null;
        // From the next read on, the chunk stream comes straight from the handle (plain TCP).
        readFromHandle(this.socket, (lent) => this.#onData(lent, true));
        if (step.rest === null) return;
        data = step.rest;
      }
      this.session.onBytesReceived(data.length);
      if (lent) this.#reader.pushLent(data);
      else this.#reader.push(data);
      this.#account.update(this.#reader.retainedBytes);
    } catch (err) {
      if (!isProtocolError(err)) {
        // A bug on our side: log it loudly but keep the process (and other connections) alive.
        this.log.error('RTMP connection failed', { err, stack: err instanceof Error ? err.stack : undefined });
        this.destroy('internal error');
        return;
      }
      this.log.warn('RTMP protocol error', { code: err.code, message: err.message });
      this.#hooks.onProtocolError(this, err.code);
      this.destroy(`protocol error ${err.code}`);
    }
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of [this.#handshakeTimer, this.#firstRequestTimer, this.#authoriseTimer]) if (t !== null) clearTimeout(t);
    this.#handshakeTimer = this.#firstRequestTimer = this.#authoriseTimer = null;
    this.#account.close();
    this.#hooks.onClosed(this);
  }
}
