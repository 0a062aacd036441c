/**
 * RTMP chunk encoding (RTMP spec §5.3). Stateless on purpose: every message starts with a type-0
 * chunk and continues with type-3 chunks, so the buffers of one message do not depend on what was
 * sent before and can be written to every reader of a stream (packetize once, send N times).
 * Payload bytes are never copied: the output interleaves small headers with views of the payload.
 */
import { ProtocolError } from '../../errors.ts';
import {
  DEFAULT_CHUNK_SIZE,
  EXTENDED_TIMESTAMP_MARKER,
  MAX_CHUNK_SIZE,
  MAX_CHUNK_STREAM_ID,
  MIN_CHUNK_SIZE,
} from './chunk-limits.ts';

export interface OutgoingMessage {
  readonly chunkStreamId: number;
  /** Milliseconds; written modulo 2^32. */
  readonly timestamp: number;
  readonly typeId: number;
  readonly messageStreamId: number;
  /** The body, as one Buffer or as parts written back to back (e.g. [tag header, frame payload]). */
  readonly payload: Buffer | readonly Buffer[];
}

/** Largest body a type-0 header can describe (24-bit message length). */
const MAX_MESSAGE_LENGTH = 0xffffff;

function basicHeader(fmt: number, csid: number, extra: number): Buffer {
  if (csid < 2 || csid > MAX_CHUNK_STREAM_ID) throw new RangeError(`chunk stream id ${csid} out of range`);
  if (csid < 64) {
    const b = Buffer.allocUnsafe(1 + extra);
    b[0] = (fmt << 6) | csid;
    return b;
  }
  if (csid < 320) {
    const b = Buffer.allocUnsafe(2 + extra);
    b[0] = fmt << 6;
    b[1] = csid - 64;
    return b;
  }
  const b = Buffer.allocUnsafe(3 + extra);
  b[0] = (fmt << 6) | 1;
  b[1] = (csid - 64) & 0xff;
  b[2] = (csid - 64) >> 8;
  return b;
}

function basicHeaderSize(csid: number): number {
  return csid < 64 ? 1 : csid < 320 ? 2 : 3;
}

/** Encodes one message as chunks of at most `chunkSize` payload bytes. */
export function encodeChunks(message: OutgoingMessage, chunkSize: number): Buffer[] {
  const parts = Buffer.isBuffer(message.payload) ? [message.payload] : message.payload;
  let length = 0;
  for (const p of parts) length += p.length;
  if (length > MAX_MESSAGE_LENGTH) {
    throw new ProtocolError('RTMP_MESSAGE_TOO_LARGE', `cannot send a message of ${length} bytes`);
  }
  const timestamp = message.timestamp >>> 0;
  const extended = timestamp >= EXTENDED_TIMESTAMP_MARKER;
  const csid = message.chunkStreamId;
  const b = basicHeaderSize(csid);

  const header0 = basicHeader(0, csid, 11 + (extended ? 4 : 0));
  header0.writeUIntBE(extended ? EXTENDED_TIMESTAMP_MARKER : timestamp, b, 3);
  header0.writeUIntBE(length, b + 3, 3);
  header0[b + 6] = message.typeId;
  header0.writeUInt32LE(message.messageStreamId >>> 0, b + 7);
  if (extended) header0.writeUInt32BE(timestamp, b + 11);

  const out: Buffer[] = [header0];
  if (length === 0) return out;
  let header3: Buffer | null = null;
  let room = chunkSize;
  for (const part of parts) {
    for (let off = 0; off < part.length; ) {
      if (room === 0) {
        if (header3 === null) {
          // One shared continuation header; extended timestamps are repeated (spec, ffmpeg, FMS).
          header3 = basicHeader(3, csid, extended ? 4 : 0);
          if (extended) header3.writeUInt32BE(timestamp, b);
        }
        out.push(header3);
        room = chunkSize;
      }
      const take = Math.min(room, part.length - off);
      out.push(off === 0 && take === part.length ? part : part.subarray(off, off + take));
      off += take;
      room -= take;
    }
  }
  return out;
}

/** Holds our outgoing chunk size (what we announced with Set Chunk Size). */
export class ChunkWriter {
  #chunkSize = DEFAULT_CHUNK_SIZE;

  get chunkSize(): number {
    return this.#chunkSize;
  }

  /** Call right after queueing the Set Chunk Size message that announces `size`. */
  set chunkSize(size: number) {
    if (!Number.isInteger(size) || size < MIN_CHUNK_SIZE || size > MAX_CHUNK_SIZE) {
      throw new RangeError(`chunk size ${size} out of range`);
    }
    this.#chunkSize = size;
  }

  encode(message: OutgoingMessage): Buffer[] {
    return encodeChunks(message, this.#chunkSize);
  }
}
