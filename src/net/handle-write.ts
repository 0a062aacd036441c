/**
 * Direct writes to a plain TCP socket's libuv handle, for the fan-out's hot path (one write per
 * reader per frame: about 72 a second per reader). `socket.write` costs, per call, the Writable
 * machinery (writeOrBuffer, a WriteWrap object and its fields, the afterWrite nextTick) and
 * net.Socket's bookkeeping around one `uv_try_write`; profiles of N=400 RTMP readers showed that
 * JavaScript and Node's C++ around the write system call cost about as much CPU as the kernel's
 * part of the write. Here the handle's own `writeBuffer` / `writev` is called with one reused
 * WriteWrap: when the kernel takes all the bytes at once (the normal case) the write allocates
 * nothing; when it takes only part, libuv keeps the rest queued, that WriteWrap stays with it
 * (holding the buffers alive), and until libuv has written it the next writes go through
 * socket.write, whose Writable gathers them into one writev (as before this file existed).
 *
 * Used only when it is safe to be invisible to the Writable side of the socket:
 * - a plain net.Socket (not TLS: its handle encrypts), connected, with a handle that has the
 *   StreamBase methods, and Node exposing the `stream_wrap` binding (otherwise `handleWriter`
 *   returns null and the caller uses socket.write);
 * - the Writable has nothing buffered or in flight (`writableLength === 0`, checked by the
 *   caller per write), so a direct write cannot overtake a socket.write made before it; a
 *   socket.write made after goes through the same libuv queue, behind it.
 * The backlog of direct writes libuv still holds is the handle's `writeQueueSize` (`pendingBytes`).
 * A failed write destroys the socket with the system error, like socket.write does.
 * Not seen by the socket: `socket.bytesWritten` does not count direct writes (nothing in src/
 * reads it; the reader queue counts its own bytes).
 */
import type { Socket } from 'node:net';
import { getSystemErrorName } from 'node:util';
import { streamWrapBinding, type StreamWrapBinding, type WriteReq } from './stream-wrap-binding.ts';

interface StreamHandle {
  writeBuffer(req: WriteReq, buffer: Buffer): number;
  writev(req: WriteReq, chunks: readonly Buffer[], allBuffers: true): number;
  readonly writeQueueSize: number;
}

/** net.Socket's internals used here (stable since Node 10; checked before use). */
interface SocketInternals {
  readonly _handle: StreamHandle | null;
  readonly connecting: boolean;
  readonly encrypted?: boolean;
  _unrefTimer?(): void;
}

/** The WriteWrap for the next write; replaced when a write keeps it (asynchronous). */
let spare: WriteReq | null = null;

function newReq(b: StreamWrapBinding): WriteReq {
  const req = new b.WriteWrap();
  req.oncomplete = onComplete;
  req.buffer = null;
  req.owner = null;
  return req;
}

function onComplete(this: WriteReq, status: number): void {
  const owner = this.owner;
  this.owner = null;
  this.buffer = null;
  owner?.completed(status);
}

/** How often a direct-writing socket's idle timer is refreshed (socket.write refreshes it on every write). */
const TIMER_REFRESH_MS = 1000;

export class HandleWriter {
  readonly #socket: Socket;
  readonly #internals: SocketInternals;
  readonly #b: StreamWrapBinding;
  /** Direct writes libuv has not finished. */
  #async = 0;
  #timerRefreshedAt = -Infinity;

  constructor(socket: Socket, b: StreamWrapBinding) {
    this.#socket = socket;
    this.#internals = socket as unknown as SocketInternals;
    this.#b = b;
  }

  /** Bytes of direct writes libuv still holds. */
  get pendingBytes(): number {
    if (this.#async === 0) return 0;
    return this.#internals._handle?.writeQueueSize ?? 0;
  }

  /**
   * Writes the buffers to the handle; false if it cannot now (no handle, still connecting), and
   * the caller writes them with socket.write. `now` (ms, any monotonic clock) paces the refresh
   * of the socket's idle timer.
   */
  write(buffers: readonly Buffer[], now: number): boolean {
    const s = this.#internals;
    const handle = s._handle;
    // While the kernel pushes back, socket.write is better: the Writable gathers what comes in
    // meanwhile into one writev when the write before completes (libuv would write each of ours
    // separately). It queues behind ours in libuv, so the order holds.
    if (handle === null || s.connecting || this.#async > 0) return false;
    const b = this.#b;
    const req = spare ?? newReq(b);
    spare = req;
    const err = buffers.length === 1 ? handle.writeBuffer(req, buffers[0]!) : handle.writev(req, buffers, true);
    if (err !== 0) {
      this.#fail(err);
      return true;
    }
    if (b.streamBaseState[b.kLastWriteWasAsync] !== 0) {
      // libuv keeps the rest of these buffers queued: the request goes with them (a copy of the
      // array: the caller's is its own to reuse).
      req.owner = this;
      req.buffer = buffers.length === 1 ? buffers[0]! : buffers.slice();
      spare = null;
      this.#async++;
    }
    if (now - this.#timerRefreshedAt >= TIMER_REFRESH_MS) {
      this.#timerRefreshedAt = now;
      s._unrefTimer?.();
    }
    return true;
  }

  /** An asynchronous direct write finished (libuv's callback, through its WriteWrap). */
  completed(status: number): void {
    this.#async--;
    if (status < 0) this.#fail(status);
  }

  #fail(status: number): void {
    if (this.#socket.destroyed) return;
    const err = Object.assign(new Error(`write ${getSystemErrorName(status)}`), { errno: status, code: getSystemErrorName(status), syscall: 'write' });
    this.#socket.destroy(err);
  }
}

/** A direct writer for this socket, or null where only socket.write is safe (see the top of this file). */
export function handleWriter(socket: Socket): HandleWriter | null {
  const binding = streamWrapBinding();
  if (binding === null) return null;
  const s = socket as unknown as SocketInternals;
  if (s.encrypted === true) return null;
  const handle = s._handle;
  if (handle === null || handle === undefined || typeof handle.writeBuffer !== 'function' || typeof handle.writev !== 'function') return null;
  return new HandleWriter(socket, binding);
}
