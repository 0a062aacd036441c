/**
 * A TCP RTSP reader: each RTP packet of a unit goes out with its 4-byte `$ channel length` header
 * (RFC 2326 §10.12); the framed unit is built once per channel and shared by every reader on it.
 */
import type { Socket } from 'node:net';
import type { TrackKind } from '../../../protocols/media/frame.ts';
import { writeInterleavedHeader } from '../../../protocols/rtsp/message/message-writer.ts';
import type { RtspReaderTransport } from './rtsp-reader-transport.ts';
import { socketWriteQueue, type SocketWriteQueue } from '../../net/socket-write-queue.ts';

const HEADER_BYTES = 4;

export class InterleavedTransport implements RtspReaderTransport {
  readonly #socket: Socket;
  /** Coalesces the units of one task into one write (socket-write-queue.ts). */
  readonly #queue: SocketWriteQueue;
  /** RTP channel per track; RTCP is the channel after it. */
  readonly #channels: ReadonlyMap<TrackKind, number>;
  readonly #onClose: (reason: string) => void;

  constructor(socket: Socket, channels: ReadonlyMap<TrackKind, number>, onClose: (reason: string) => void) {
    this.#socket = socket;
    this.#queue = socketWriteQueue(socket);
    this.#channels = channels;
    this.#onClose = onClose;
  }

  get pendingBytes(): number {
    return this.#queue.pendingBytes;
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
    // Nothing kept here: the socket's write queue and buffer go with the connection.
  }

  #writeFrames(buffers: readonly Buffer[], channel: number): void {
    this.#queue.writeBuffer(interleaved(buffers, channel));
  }
}

/**
 * The packets of one unit framed for one interleaved channel, as ONE Buffer, built by the first
 * reader on that channel and reused by the others (readers almost all use channels 0-1): one copy
 * per unit and channel, then one socket write per reader per frame instead of two per packet.
 * Keyed by the unit's shared buffer array, so it lives exactly as long as the unit.
 */
const framedUnits = new WeakMap<readonly Buffer[], Map<number, Buffer>>();

function interleaved(buffers: readonly Buffer[], channel: number): Buffer {
  let byChannel = framedUnits.get(buffers);
  const cached = byChannel?.get(channel);
  if (cached !== undefined) return cached;
  let size = 0;
  for (const b of buffers) size += HEADER_BYTES + b.length;
  const out = Buffer.allocUnsafe(size);
  let off = 0;
  for (const b of buffers) {
    writeInterleavedHeader(out, off, channel, b.length);
    off += HEADER_BYTES;
    off += b.copy(out, off);
  }
  if (byChannel === undefined) {
    byChannel = new Map();
    framedUnits.set(buffers, byChannel);
  }
  byChannel.set(channel, out);
  return out;
}
