/**
 * A reader's socket as the registry's ReaderTransport: the buffers of one unit (chunk headers and
 * payload views shared with every other reader) are written corked, so Node sends them with one
 * writev, and the socket's own buffer is the reader's queue (pendingBytes).
 */
import type { Socket } from 'node:net';
import type { ReaderTransport } from '../../streams/types.ts';

export class SocketTransport implements ReaderTransport {
  readonly #socket: Socket;
  readonly #onClose: (reason: string) => void;

  constructor(socket: Socket, onClose: (reason: string) => void) {
    this.#socket = socket;
    this.#onClose = onClose;
  }

  get pendingBytes(): number {
    return this.#socket.writableLength;
  }

  writev(buffers: readonly Buffer[]): void {
    const socket = this.#socket;
    if (socket.destroyed || !socket.writable) return;
    if (buffers.length === 1) {
      socket.write(buffers[0]!);
      return;
    }
    socket.cork();
    // write() returning false is the backpressure signal; ReaderQueue reads it as pendingBytes.
    for (const b of buffers) socket.write(b);
    socket.uncork();
  }

  close(reason: string): void {
    this.#onClose(reason);
  }
}
