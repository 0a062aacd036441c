/**
 * Incremental RFC 6455 frame reader for the client side of a WebSocket (the master following a
 * slave's /api/v1/events). Server frames are unmasked (RFC 6455 §5.1); fragmented messages are
 * joined; every length is checked against MAX_MESSAGE_BYTES before buffering. Pure: bytes in,
 * messages out through the callback.
 *
 * (Wire code kept beside its only user; it belongs in protocols/ if a second user appears.)
 */
import { ByteQueue } from '../bytes/byte-queue.ts';

/** Largest message (all fragments together) accepted. Events are small JSON objects. */
export const MAX_MESSAGE_BYTES = 1 << 20;
/** RFC 6455 §5.5: control frames carry at most 125 bytes. */
const MAX_CONTROL_PAYLOAD = 125;

export const Opcode = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const;
export type OpcodeValue = (typeof Opcode)[keyof typeof Opcode];

const FIN_BIT = 0x80;
const RSV_BITS = 0x70;
const OPCODE_MASK = 0x0f;
const MASK_BIT = 0x80;
const LENGTH_MASK = 0x7f;
const LENGTH_16 = 126;
const LENGTH_64 = 127;

export interface WsMessage {
  /** Text, Binary, Close, Ping or Pong (continuations are joined into their first frame's opcode). */
  readonly opcode: OpcodeValue;
  readonly payload: Buffer;
}

export class WebSocketFrameError extends Error {
  override readonly name = 'WebSocketFrameError';
}

type ReaderState = 'header' | 'length' | 'payload';

export class WsFrameReader {
  readonly #onMessage: (m: WsMessage) => void;
  readonly #queue = new ByteQueue();
  #state: ReaderState = 'header';
  #fin = false;
  #opcode = 0;
  #lengthBytes = 0;
  #payloadLength = 0;
  /** Opcode and pieces of the fragmented data message in progress. */
  #fragmentOpcode: number | null = null;
  #fragments: Buffer[] = [];
  #fragmentBytes = 0;

  constructor(onMessage: (m: WsMessage) => void) {
    this.#onMessage = onMessage;
  }

  /** Feeds bytes; emits each complete message; throws WebSocketFrameError on a protocol violation. */
  push(chunk: Buffer): void {
    this.#queue.push(chunk);
    while (this.#step()) {
      // progress
    }
  }

  #step(): boolean {
    switch (this.#state) {
      case 'header':
        return this.#readHeader();
      case 'length':
        return this.#readLength();
      case 'payload':
        return this.#readPayload();
    }
  }

  #readHeader(): boolean {
    if (this.#queue.length < 2) return false;
    const b0 = this.#queue.peekByte(0);
    const b1 = this.#queue.peekByte(1);
    this.#queue.skip(2);
    if ((b0 & RSV_BITS) !== 0) throw new WebSocketFrameError('reserved bits set without a negotiated extension');
    if ((b1 & MASK_BIT) !== 0) throw new WebSocketFrameError('server frames must not be masked (RFC 6455 §5.1)');
    this.#fin = (b0 & FIN_BIT) !== 0;
    this.#opcode = b0 & OPCODE_MASK;
    const len = b1 & LENGTH_MASK;
    const control = (this.#opcode & 0x8) !== 0;
    if (control) {
      if (!this.#fin) throw new WebSocketFrameError('fragmented control frame');
      if (len > MAX_CONTROL_PAYLOAD) throw new WebSocketFrameError('control frame longer than 125 bytes');
      if (this.#opcode !== Opcode.Close && this.#opcode !== Opcode.Ping && this.#opcode !== Opcode.Pong) {
        throw new WebSocketFrameError(`unknown control opcode ${this.#opcode}`);
      }
    } else if (this.#opcode === Opcode.Continuation) {
      if (this.#fragmentOpcode === null) throw new WebSocketFrameError('continuation frame without a message in progress');
    } else if (this.#opcode === Opcode.Text || this.#opcode === Opcode.Binary) {
      if (this.#fragmentOpcode !== null) throw new WebSocketFrameError('new data frame inside a fragmented message');
    } else {
      throw new WebSocketFrameError(`unknown data opcode ${this.#opcode}`);
    }
    if (len === LENGTH_16) this.#lengthBytes = 2;
    else if (len === LENGTH_64) this.#lengthBytes = 8;
    else {
      this.#lengthBytes = 0;
      this.#setPayloadLength(len, control);
      return true;
    }
    this.#state = 'length';
    return true;
  }

  #readLength(): boolean {
    if (this.#queue.length < this.#lengthBytes) return false;
    const b = this.#queue.consume(this.#lengthBytes);
    let len: number;
    if (this.#lengthBytes === 2) len = b.readUInt16BE(0);
    else {
      const high = b.readUInt32BE(0);
      if (high !== 0) throw new WebSocketFrameError('frame longer than the message limit');
      len = b.readUInt32BE(4);
    }
    this.#setPayloadLength(len, false);
    return true;
  }

  #setPayloadLength(len: number, control: boolean): void {
    if ((control ? 0 : this.#fragmentBytes) + len > MAX_MESSAGE_BYTES) {
      throw new WebSocketFrameError(`message longer than ${MAX_MESSAGE_BYTES} bytes`);
    }
    this.#payloadLength = len;
    this.#state = 'payload';
  }

  #readPayload(): boolean {
    if (this.#queue.length < this.#payloadLength) return false;
    const payload = this.#payloadLength === 0 ? Buffer.alloc(0) : this.#queue.consume(this.#payloadLength);
    this.#state = 'header';
    const opcode = this.#opcode;
    if ((opcode & 0x8) !== 0) {
      this.#onMessage({ opcode: opcode as OpcodeValue, payload });
      return true;
    }
    if (opcode !== Opcode.Continuation) this.#fragmentOpcode = opcode;
    if (!this.#fin) {
      this.#fragments.push(payload);
      this.#fragmentBytes += payload.length;
      return true;
    }
    const whole = this.#fragments.length === 0 ? payload : Buffer.concat([...this.#fragments, payload]);
    const messageOpcode = this.#fragmentOpcode as OpcodeValue;
    this.#fragments = [];
    this.#fragmentBytes = 0;
    this.#fragmentOpcode = null;
    this.#onMessage({ opcode: messageOpcode, payload: whole });
    return true;
  }
}

/**
 * Encodes one client frame (always masked, RFC 6455 §5.3) with FIN set. `maskKey` is 4 random bytes.
 * Used for Pong and Close: small payloads only.
 */
export function encodeClientFrame(opcode: OpcodeValue, payload: Buffer, maskKey: Buffer): Buffer {
  if (payload.length > MAX_CONTROL_PAYLOAD) throw new WebSocketFrameError('client frames here are control frames (<= 125 bytes)');
  if (maskKey.length !== 4) throw new WebSocketFrameError('mask key must be 4 bytes');
  const out = Buffer.allocUnsafe(2 + 4 + payload.length);
  out[0] = FIN_BIT | opcode;
  out[1] = MASK_BIT | payload.length;
  maskKey.copy(out, 2);
  for (let i = 0; i < payload.length; i++) out[6 + i] = payload[i]! ^ maskKey[i & 3]!;
  return out;
}
