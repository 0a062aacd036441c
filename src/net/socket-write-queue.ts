/**
 * Write coalescing for the readers' sockets. Every unit the fan-out writes to a reader during one
 * macrotask (typically the audio and video messages parsed from one publisher socket read, or a
 * joining reader's headers and cached GOP) is queued here and written as ONE socket write
 * (a writev of the shared buffers) per reader, in a microtask at the end of that task. No timer:
 * the queue is flushed before the event loop polls again, so no latency is added beyond the rest
 * of the same synchronous handler; TCP_NODELAY stays on. The per-write cost (the write system
 * call and the loopback/TCP work behind it), not the bytes, dominates fan-out CPU.
 *
 * Other writes to the same socket (RTMP control and status messages, RTSP responses) call
 * `flushSocketWrites` first, so everything leaves the socket in the order it was written.
 *
 * The write itself goes straight to the socket's libuv handle (handle-write.ts) when the socket's
 * Writable has nothing of its own in flight, else through socket.write.
 */
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { handleWriter, type HandleWriter } from './handle-write.ts';

export class SocketWriteQueue {
  readonly socket: Socket;
  #buffers: Buffer[] = [];
  /**
   * The other array: #buffers and this swap at each flush, so a write during a flush lands in an
   * array nobody is writing. Null while a flush has it (a flush within it would take a new one).
   */
  #spare: Buffer[] | null = [];
  #bytes = 0;
  /** Undefined until the first flush (the socket may not have its handle yet); null: socket.write only. */
  #direct: HandleWriter | null | undefined;

  constructor(socket: Socket) {
    this.socket = socket;
  }

  /** Bytes queued here and not yet sent by the socket: the reader's backlog. */
  get pendingBytes(): number {
    const direct = this.#direct;
    return this.#bytes + this.socket.writableLength + (direct == null ? 0 : direct.pendingBytes);
  }

  /** Queues the buffers of one unit; they are written at the end of the current task. */
  write(buffers: readonly Buffer[]): void {
    if (buffers.length === 0) return;
    if (this.#buffers.length === 0) schedule(this);
    for (const b of buffers) {
      this.#buffers.push(b);
      this.#bytes += b.length;
    }
  }

  /** Queues one buffer (a unit framed as one), like write([buffer]) without the array. */
  writeBuffer(buffer: Buffer): void {
    if (this.#buffers.length === 0) schedule(this);
    this.#buffers.push(buffer);
    this.#bytes += buffer.length;
  }

  /**
   * Writes what is queued now (one write, or one writev). `now`: performance.now(), if the caller
   * has it. The queue's two arrays take turns and are used again: neither the socket nor the direct
   * writer keeps them (the fan-out made a new one per reader per write before).
   */
  flush(now = performance.now()): void {
    const buffers = this.#buffers;
    if (buffers.length === 0) return;
    this.#buffers = this.#spare ?? [];
    this.#spare = null;
    this.#bytes = 0;
    const socket = this.socket;
    try {
      if (socket.destroyed || !socket.writable) return;
      if (this.#direct === undefined) this.#direct = handleWriter(socket);
      // Direct only when the Writable holds nothing: it must not overtake a socket.write.
      if (this.#direct !== null && socket.writableLength === 0 && this.#direct.write(buffers, now)) return;
      if (buffers.length === 1) {
        socket.write(buffers[0]!);
        return;
      }
      socket.cork();
      // write() returning false is the backpressure signal; ReaderQueue reads it as pendingBytes.
      for (const b of buffers) socket.write(b);
      socket.uncork();
    } finally {
      buffers.length = 0;
      this.#spare = buffers;
    }
  }
}

const queues = new WeakMap<Socket, SocketWriteQueue>();
let dirty: SocketWriteQueue[] = [];
/** The list flushAll wrote last, emptied: the next round's (two lists take turns instead of a new one per round). */
let spareDirty: SocketWriteQueue[] = [];
let scheduled = false;

/** The one queue of a socket (an RTMP connection may play several streams on one socket). */
export function socketWriteQueue(socket: Socket): SocketWriteQueue {
  let q = queues.get(socket);
  if (q === undefined) {
    q = new SocketWriteQueue(socket);
    queues.set(socket, q);
  }
  return q;
}

/** Writes what the fan-out queued for this socket, before a write that bypasses the queue. */
export function flushSocketWrites(socket: Socket): void {
  queues.get(socket)?.flush();
}

function schedule(q: SocketWriteQueue): void {
  dirty.push(q);
  if (!scheduled) {
    scheduled = true;
    queueMicrotask(flushAll);
  }
}

function flushAll(): void {
  scheduled = false;
  const list = dirty;
  dirty = spareDirty;
  const now = performance.now();
  // A queue flushed early (flushSocketWrites) and written to again is listed twice: flush() of
  // an empty queue does nothing.
  try {
    for (let i = 0; i < list.length; i++) list[i]!.flush(now);
  } finally {
    list.length = 0;
    spareDirty = list;
  }
}
