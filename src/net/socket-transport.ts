/**
 * A reader's socket as the registry's ReaderTransport: the buffers of one unit (the chunked
 * message, shared with every other reader) go to the socket's write queue, which writes all
 * units of one task at once (socket-write-queue.ts); the socket's own buffer plus that queue is
 * the reader's backlog (pendingBytes).
 */
import type { Socket } from 'node:net';
import type { ReaderTransport } from '../streams/types.ts';
import { socketWriteQueue, type SocketWriteQueue } from './socket-write-queue.ts';

export class SocketTransport implements ReaderTransport {
  readonly #socket: Socket;
  readonly #queue: SocketWriteQueue;
  readonly #onClose: (reason: string) => void;

  constructor(socket: Socket, onClose: (reason: string) => void) {
    this.#socket = socket;
    this.#queue = socketWriteQueue(socket);
    this.#onClose = onClose;
  }

  get pendingBytes(): number {
    return this.#queue.pendingBytes;
  }

  writev(buffers: readonly Buffer[]): void {
    const socket = this.#socket;
    if (socket.destroyed || !socket.writable) return;
    this.#queue.write(buffers);
  }

  close(reason: string): void {
    this.#onClose(reason);
  }
}
