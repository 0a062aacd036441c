/**
 * Reads of a plain TCP socket straight from its libuv handle into one buffer that every such socket
 * shares, for the ingest's hot path (a camera's publish connection: hundreds of reads a second
 * each). Through `socket.on('data')`, every read costs a 64 KiB malloc that is then shrunk to the
 * bytes read, an ArrayBuffer and a Buffer over it that the garbage collector sweeps later, and
 * the Readable machinery (push, the 'data' event); profiles of 100 publishers showed malloc/free
 * and that machinery at about a fifth of the server's CPU. Here the handle reads into the shared
 * buffer (`useUserBuffer`, what net.Socket's own `onread` option uses) and a replaced `onread`
 * hands the bytes to the consumer, which must use them before it returns: the buffer is
 * overwritten by the next read of any socket (the ChunkReader's `pushLent` copies what it keeps).
 *
 * Only for a plain net.Socket (not TLS: its handle decrypts) whose handle has the StreamBase
 * methods, with Node exposing the `stream_wrap` binding; otherwise `readFromHandle` returns null
 * and the caller keeps its 'data' listener. End of stream and read errors go to Node's own
 * `onread`, so 'end', 'error' and 'close' are emitted as before; every read refreshes the
 * socket's idle timer, as Node's does. `socket.bytesRead` is still right (the handle counts).
 */
import type { Socket } from 'node:net';
import { streamWrapBinding } from './stream-wrap-binding.ts';

/** Size of the shared read buffer: the most one read system call takes. */
export const SHARED_READ_BYTES = 64 * 1024;

interface ReadHandle {
  onread: (this: ReadHandle, arrayBuffer: ArrayBuffer | undefined) => unknown;
  useUserBuffer(buffer: Uint8Array): void;
  readStart(): number;
  readStop(): number;
  reading: boolean;
}

interface SocketInternals {
  readonly _handle: ReadHandle | null;
  readonly encrypted?: boolean;
  _unrefTimer?(): void;
}

/** Kept for the process's life: the handles hold a raw pointer to it. */
let shared: Buffer | null = null;

/** A socket read straight from its handle; `socket.pause()` does not stop these reads, `pause()` does. */
export class HandleReader {
  readonly #handle: ReadHandle;

  constructor(handle: ReadHandle) {
    this.#handle = handle;
  }

  /** Stops reading from the kernel (what socket.pause() would do); the peer's bytes wait there. */
  pause(): void {
    this.#handle.reading = false;
    this.#handle.readStop();
  }

  resume(): void {
    this.#handle.reading = true;
    this.#handle.readStart();
  }
}

/**
 * From now on, the socket's data goes to `onData` as views of the shared buffer, valid only during
 * the call. Null (nothing changed) where only the socket's 'data' event is safe.
 */
export function readFromHandle(socket: Socket, onData: (lent: Buffer) => void): HandleReader | null {
  const b = streamWrapBinding();
  if (b === null) return null;
  const s = socket as unknown as SocketInternals;
  if (s.encrypted === true || socket.destroyed) return null;
  const handle = s._handle;
  if (handle === null || handle === undefined || typeof handle.useUserBuffer !== 'function' || typeof handle.onread !== 'function' || typeof handle.readStop !== 'function') return null;
  const nodeOnRead = handle.onread;
  const state = b.streamBaseState;
  const slot = b.kReadBytesOrError;
  const buffer = (shared ??= Buffer.allocUnsafeSlow(SHARED_READ_BYTES));
  handle.onread = function onHandleRead(this: ReadHandle, arrayBuffer: ArrayBuffer | undefined): unknown {
    const nread = state[slot]!;
    if (nread <= 0) return nodeOnRead.call(this, arrayBuffer); // nothing, end of stream or an error
    if (socket.destroyed) return undefined;
    s._unrefTimer?.();
    onData(buffer.subarray(0, nread));
    return undefined;
  };
  handle.useUserBuffer(buffer);
  return new HandleReader(handle);
}
