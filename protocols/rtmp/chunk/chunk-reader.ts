/**
 * Incremental RTMP chunk stream reader (RTMP spec §5.3): push bytes in any pieces, get whole
 * messages. Handles all four chunk header types, 1/2/3-byte basic headers, extended timestamps
 * (also on type-3 continuation chunks, whether or not the sender repeats them), Set Chunk Size
 * and Abort. Every length from the wire is checked against a limit before bytes are held.
 */
import { ByteQueue } from '../../bytes/byte-queue.ts';
import { ProtocolError } from '../../errors.ts';
import { MessageType } from '../message/message-type.ts';
import {
  DEFAULT_CHUNK_SIZE,
  EXTENDED_TIMESTAMP_MARKER,
  MAX_BUFFERED_MESSAGE_BYTES,
  MAX_CHUNK_SIZE,
  MAX_CHUNK_STREAMS,
  MAX_MESSAGE_SIZE,
  MIN_CHUNK_SIZE,
} from './chunk-limits.ts';
import type { ChunkLimits } from './chunk-limits.ts';
import type { RtmpMessage } from './rtmp-message.ts';

/** Per chunk stream state (gortmplib's readerChunkStream). */
interface ChunkStreamState {
  readonly csid: number;
  /** Timestamp of the current / last message. */
  timestamp: number;
  /** The last explicit timestamp field (absolute for type 0, delta for 1/2), extended value resolved. */
  timestampField: number;
  /** The last explicit field was 0xFFFFFF: type-3 chunks may carry a 4-byte extended timestamp. */
  extended: boolean;
  messageLength: number;
  typeId: number;
  messageStreamId: number;
  /**
   * Body of the message in progress: a buffer of our own that grows (doubling, up to
   * messageLength) as chunks arrive, so what a partial message holds is what we count, and no
   * socket read stays pinned by a few bytes of it. Null when no message is in progress.
   */
  body: Buffer | null;
  received: number;
}

/** First allocation for the body of a message that spans chunks (or reads), unless it is shorter. */
const INITIAL_BODY_BYTES = 16 * 1024;

/** Message header sizes by chunk type (fmt) 0..3. */
const MESSAGE_HEADER_SIZES = [11, 7, 3, 0] as const;

type ChunkReaderState = 'basic-header' | 'message-header' | 'extended-timestamp' | 'payload';

export class ChunkReader {
  readonly #queue = new ByteQueue();
  readonly #onMessage: (message: RtmpMessage) => void;
  readonly #maxMessageBytes: number;
  readonly #maxChunkStreams: number;
  readonly #maxBufferedBytes: number;
  readonly #streams = new Map<number, ChunkStreamState>();
  #state: ChunkReaderState = 'basic-header';
  #chunkSize = DEFAULT_CHUNK_SIZE;
  #bufferedBytes = 0;
  /** Capacity of the body buffers of partial messages. */
  #bodyBytes = 0;
  /** The chunk being parsed. */
  #fmt = 0;
  #current: ChunkStreamState | null = null;
  /** Payload bytes still to read in the current chunk. */
  #chunkRemaining = 0;

  constructor(onMessage: (message: RtmpMessage) => void, limits: ChunkLimits = {}) {
    this.#onMessage = onMessage;
    this.#maxMessageBytes = limits.maxMessageBytes ?? MAX_MESSAGE_SIZE;
    this.#maxChunkStreams = limits.maxChunkStreams ?? MAX_CHUNK_STREAMS;
    this.#maxBufferedBytes = limits.maxBufferedBytes ?? MAX_BUFFERED_MESSAGE_BYTES;
  }

  /** The peer's chunk size (changed by its Set Chunk Size messages). */
  get chunkSize(): number {
    return this.#chunkSize;
  }

  /** Bytes held: unparsed input plus partial messages. */
  get bufferedBytes(): number {
    return this.#queue.length + this.#bufferedBytes;
  }

  /**
   * Memory held for this peer: the backing stores of unparsed input plus the body buffers of
   * partial messages. At least `bufferedBytes`; what a memory budget counts.
   */
  get retainedBytes(): number {
    return this.#queue.retainedBytes + this.#bodyBytes;
  }

  /** Feeds bytes, emits every complete message; throws ProtocolError on a framing violation. */
  push(chunk: Buffer): void {
    this.#queue.push(chunk);
    this.#drain();
  }

  /**
   * Like `push`, for bytes valid only during this call (a read buffer shared by every socket): what
   * the reader hands out or keeps of them is copied first. Messages that span reads are copied
   * into their own body buffers anyway; a message that lies whole in the read (audio, a small
   * frame) is copied out of it, and unparsed bytes left at the end.
   */
  pushLent(chunk: Buffer): void {
    this.#queue.withLent(chunk, this.#drain);
  }

  readonly #drain = (): void => {
    while (this.#step()) {
      // keep parsing while progress is made
    }
  };

  #step(): boolean {
    switch (this.#state) {
      case 'basic-header':
        return this.#readBasicHeader();
      case 'message-header':
        return this.#readMessageHeader();
      case 'extended-timestamp':
        return this.#readExtendedTimestamp();
      case 'payload':
        return this.#readPayload();
      default: {
        const never: never = this.#state;
        throw new Error(`unreachable chunk reader state ${String(never)}`);
      }
    }
  }

  /** §5.3.1.1: fmt (2 bits) + csid; csid 0 and 1 announce 2- and 3-byte forms. */
  #readBasicHeader(): boolean {
    const q = this.#queue;
    if (q.length < 1) return false;
    const first = q.peekByte(0);
    const low = first & 0x3f;
    const size = low === 0 ? 2 : low === 1 ? 3 : 1;
    if (q.length < size) return false;
    const csid = low === 0 ? 64 + q.peekByte(1) : low === 1 ? 64 + q.peekByte(1) + q.peekByte(2) * 256 : low;
    q.skip(size);
    this.#fmt = first >> 6;
    this.#current = this.#stream(csid);
    this.#state = 'message-header';
    return true;
  }

  #stream(csid: number): ChunkStreamState {
    let cs = this.#streams.get(csid);
    if (cs !== undefined) return cs;
    if (this.#fmt !== 0) {
      throw new ProtocolError('RTMP_CHUNK_NO_PREVIOUS_HEADER', `chunk type ${this.#fmt} on new chunk stream ${csid}`);
    }
    if (this.#streams.size >= this.#maxChunkStreams) {
      throw new ProtocolError('RTMP_TOO_MANY_CHUNK_STREAMS', `more than ${this.#maxChunkStreams} chunk streams`);
    }
    cs = {
      csid,
      timestamp: 0,
      timestampField: 0,
      extended: false,
      messageLength: 0,
      typeId: 0,
      messageStreamId: 0,
      body: null,
      received: 0,
    };
    this.#streams.set(csid, cs);
    return cs;
  }

  /** §5.3.1.2: 11, 7, 3 or 0 bytes depending on fmt. */
  #readMessageHeader(): boolean {
    const q = this.#queue;
    const fmt = this.#fmt;
    const cs = this.#current!;
    const size = MESSAGE_HEADER_SIZES[fmt as 0 | 1 | 2 | 3];
    if (q.length < size) return false;
    if (fmt === 3) {
      // No header: continuation of the message in progress, or a new message like the last one.
      if (cs.messageLength === 0 && cs.typeId === 0) {
        throw new ProtocolError('RTMP_CHUNK_NO_PREVIOUS_HEADER', `type 3 chunk on chunk stream ${cs.csid} without a header`);
      }
      this.#state = cs.extended ? 'extended-timestamp' : 'payload';
      if (!cs.extended) this.#startChunk(cs);
      return true;
    }
    // Fields are read in place, then the header skipped: no Buffer per chunk header.
    const field = q.peekUIntBE(0, 3);
    if (fmt <= 1) {
      const length = q.peekUIntBE(3, 3);
      if (length > this.#maxMessageBytes) {
        throw new ProtocolError('RTMP_MESSAGE_TOO_LARGE', `message of ${length} bytes exceeds ${this.#maxMessageBytes}`);
      }
      cs.messageLength = length;
      cs.typeId = q.peekByte(6);
    }
    if (fmt === 0) cs.messageStreamId = q.peekUInt32LE(7); // the one little-endian field of RTMP
    q.skip(size);
    if (cs.received > 0) {
      // A new header in the middle of a message: the sender gave up on it (as if it had sent
      // Abort). ffmpeg and nginx-rtmp drop the partial message the same way.
      this.#dropPartial(cs);
    }
    cs.extended = field === EXTENDED_TIMESTAMP_MARKER;
    cs.timestampField = field;
    if (cs.extended) {
      this.#state = 'extended-timestamp';
      return true;
    }
    this.#applyTimestamp(cs);
    this.#startChunk(cs);
    return true;
  }

  /** Sets the message timestamp from the header field once it is fully known. */
  #applyTimestamp(cs: ChunkStreamState): void {
    // Type 0 carries the absolute time; 1 and 2 a delta; 3 (new message) repeats the last field
    // as a delta (as ffmpeg reads and writes it).
    cs.timestamp = this.#fmt === 0 ? cs.timestampField : (cs.timestamp + cs.timestampField) >>> 0;
  }

  #readExtendedTimestamp(): boolean {
    const q = this.#queue;
    const cs = this.#current!;
    if (q.length < 4) return false;
    const value = q.peekUIntBE(0, 4);
    if (this.#fmt === 3 && cs.received > 0) {
      // Continuation chunk: the spec (and ffmpeg, FMS) repeat the extended timestamp here, some
      // encoders do not. Take the 4 bytes only when they repeat the value we know.
      if (value === cs.timestampField) q.skip(4);
    } else {
      q.skip(4);
      cs.timestampField = value;
      this.#applyTimestamp(cs);
    }
    this.#startChunk(cs);
    return true;
  }

  /** Enters the payload state for a chunk of the current stream. */
  #startChunk(cs: ChunkStreamState): void {
    if (cs.received === 0 && this.#fmt === 3 && !cs.extended) this.#applyTimestamp(cs);
    const remaining = cs.messageLength - cs.received;
    this.#chunkRemaining = Math.min(this.#chunkSize, remaining);
    this.#state = 'payload';
  }

  #readPayload(): boolean {
    const q = this.#queue;
    const cs = this.#current!;
    if (this.#chunkRemaining > 0) {
      if (q.length === 0) return false;
      const take = Math.min(q.length, this.#chunkRemaining);
      if (cs.received === 0 && take === cs.messageLength) {
        // The whole message in one piece: handed out as a view, nothing held.
        this.#chunkRemaining = 0;
        this.#state = 'basic-header';
        this.#emit(cs, q.consumeKept(take));
        return true;
      }
      if (cs.received + take < cs.messageLength && this.#bufferedBytes + take > this.#maxBufferedBytes) {
        throw new ProtocolError('RTMP_BUFFER_LIMIT', `more than ${this.#maxBufferedBytes} bytes in partial messages`);
      }
      const body = this.#bodyFor(cs, cs.received + take);
      q.consumeInto(body, cs.received, take);
      cs.received += take;
      this.#bufferedBytes += take;
      this.#chunkRemaining -= take;
      if (this.#chunkRemaining > 0) return true; // wait for the rest of this chunk
    }
    this.#state = 'basic-header';
    if (cs.received >= cs.messageLength) this.#complete(cs);
    return true;
  }

  /** The body buffer of `cs`, grown to hold at least `needed` bytes. */
  #bodyFor(cs: ChunkStreamState, needed: number): Buffer {
    const old = cs.body;
    if (old !== null && old.length >= needed) return old;
    const size = Math.min(cs.messageLength, Math.max(needed, 2 * (old?.length ?? 0), INITIAL_BODY_BYTES));
    const body = Buffer.allocUnsafe(size);
    if (old !== null) old.copy(body, 0, 0, cs.received);
    this.#bodyBytes += size - (old?.length ?? 0);
    cs.body = body;
    return body;
  }

  #complete(cs: ChunkStreamState): void {
    const body = cs.body;
    const payload = body === null ? Buffer.alloc(0) : body.length === cs.received ? body : body.subarray(0, cs.received);
    this.#dropPartial(cs);
    this.#emit(cs, payload);
  }

  #emit(cs: ChunkStreamState, payload: Buffer): void {
    const message: RtmpMessage = {
      chunkStreamId: cs.csid,
      timestamp: cs.timestamp,
      typeId: cs.typeId,
      messageStreamId: cs.messageStreamId,
      payload,
    };
    this.#applyControl(message);
    this.#onMessage(message);
  }

  #dropPartial(cs: ChunkStreamState): void {
    this.#bufferedBytes -= cs.received;
    this.#bodyBytes -= cs.body?.length ?? 0;
    cs.body = null;
    cs.received = 0;
  }

  /** Set Chunk Size and Abort change how the following bytes are read, so they act here. */
  #applyControl(m: RtmpMessage): void {
    if (m.typeId === MessageType.SetChunkSize) {
      if (m.payload.length < 4) throw new ProtocolError('RTMP_CONTROL_MESSAGE_INVALID', 'Set Chunk Size shorter than 4 bytes');
      const size = m.payload.readUInt32BE(0);
      if (size < MIN_CHUNK_SIZE || size > MAX_CHUNK_SIZE) {
        throw new ProtocolError('RTMP_CHUNK_SIZE_INVALID', `Set Chunk Size ${size}`);
      }
      this.#chunkSize = size;
    } else if (m.typeId === MessageType.Abort) {
      if (m.payload.length < 4) throw new ProtocolError('RTMP_CONTROL_MESSAGE_INVALID', 'Abort shorter than 4 bytes');
      const target = this.#streams.get(m.payload.readUInt32BE(0));
      if (target !== undefined && target !== this.#current) this.#dropPartial(target);
    }
  }
}
