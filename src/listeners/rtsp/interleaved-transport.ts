/**
 * A TCP RTSP reader: each RTP packet of a unit goes out with its 4-byte `$ channel length` header
 * (RFC 2326 §10.12) written beside the shared packet buffer, all corked into one writev.
 */
import type { Socket } from 'node:net';
import type { TrackKind } from '../../../protocols/media/frame.ts';
import { writeInterleavedHeader } from '../../../protocols/rtsp/message/message-writer.ts';
import type { RtspReaderTransport } from './rtsp-reader-transport.ts';

const HEADER_BYTES = 4;

export class InterleavedTransport implements RtspReaderTransport {
  readonly #socket: Socket;
  /** RTP channel per track; RTCP is the channel after it. */
  readonly #channels: ReadonlyMap<TrackKind, number>;
  readonly #onClose: (reason: string) => void;

  constructor(socket: Socket, channels: ReadonlyMap<TrackKind, number>, onClose: (reason: string) => void) {
    this.#socket = socket;
    this.#channels = channels;
    this.#onClose = onClose;
  }

  get pendingBytes(): number {
    return this.#socket.writableLength;
  }

  writev(buffers: readonly Buffer[], track: TrackKind): void {
    const channel = this.#channels.get(track);
    if (channel === undefined || this.#socket.destroyed) return;
    this.#writeFrames(buffers, channel);
  }

  sendRtcp(track: TrackKind, packet: Buffer): void {
    const channel = this.#channels.get(track);
    if (channel === undefined || this.#socket.destroyed) return;
    this.#writeFrames([packet], channel + 1);
  }

  close(reason: string): void {
    this.#onClose(reason);
  }

  release(): void {
    // Nothing queued here: the socket's own buffer goes with the connection.
  }

  #writeFrames(buffers: readonly Buffer[], channel: number): void {
    const headers = Buffer.allocUnsafe(HEADER_BYTES * buffers.length);
    const socket = this.#socket;
    socket.cork();
    for (let i = 0; i < buffers.length; i++) {
      const b = buffers[i]!;
      const off = i * HEADER_BYTES;
      writeInterleavedHeader(headers, off, channel, b.length);
      socket.write(headers.subarray(off, off + HEADER_BYTES));
      socket.write(b);
    }
    socket.uncork();
  }
}
