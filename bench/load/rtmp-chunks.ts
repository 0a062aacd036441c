/**
 * A minimal incremental RTMP chunk-stream reader for the load generator: it walks chunk headers
 * in place (no copy of media bodies), counts bytes, and hands out only the first `capture` bytes
 * of each message (the whole body for control/command messages). RTMP spec §5.3.
 */

const EXTENDED = 0xffffff;
const MAX_HEADER = 18;
/** Bodies captured whole: protocol control, user control, data and command messages. */
const CONTROL_TYPES = new Set([1, 2, 3, 4, 5, 6, 18, 20]);
const MAX_CONTROL_BYTES = 65536;

interface ChunkStream {
  length: number;
  typeId: number;
  timestamp: number;
  extended: boolean;
  /** Bytes left in the current message; 0 = the next chunk starts a new one. */
  left: number;
  capture: Buffer | null;
  captured: number;
}

export type MessageHandler = (typeId: number, timestamp: number, length: number, head: Buffer) => void;

export class ChunkWalker {
  chunkSize = 128;
  readonly #streams = new Map<number, ChunkStream>();
  #stash: Buffer | null = null;
  #cur: ChunkStream | null = null;
  /** Payload bytes left in the current chunk. */
  #chunkLeft = 0;
  readonly #onMessage: MessageHandler;
  /** How many head bytes of media messages to hand out (0 = none). */
  mediaCapture = 0;

  constructor(onMessage: MessageHandler) {
    this.#onMessage = onMessage;
  }

  push(data: Buffer): void {
    let o = 0;
    const n = data.length;
    if (this.#stash !== null) {
      const tmp = Buffer.concat([this.#stash, data.subarray(0, MAX_HEADER)]);
      const h = this.#header(tmp, 0);
      if (h < 0) {
        if (data.length >= MAX_HEADER) throw new Error('rtmp: unparsable chunk header');
        this.#stash = tmp;
        return;
      }
      o = h - this.#stash.length;
      this.#stash = null;
    }
    for (let guard = 0; o < n && guard < 1_000_000; guard++) {
      if (this.#chunkLeft > 0) {
        const cs = this.#cur!;
        const take = Math.min(this.#chunkLeft, n - o);
        if (cs.capture !== null && cs.captured < cs.capture.length) {
          const c = Math.min(take, cs.capture.length - cs.captured);
          data.copy(cs.capture, cs.captured, o, o + c);
          cs.captured += c;
        }
        o += take;
        this.#chunkLeft -= take;
        cs.left -= take;
        if (cs.left === 0) this.#complete(cs);
        continue;
      }
      const h = this.#header(data, o);
      if (h < 0) {
        this.#stash = Buffer.from(data.subarray(o));
        return;
      }
      o = h;
      if (this.#chunkLeft === 0 && this.#cur !== null && this.#cur.left === 0) this.#complete(this.#cur);
    }
  }

  #complete(cs: ChunkStream): void {
    const head = cs.capture === null ? EMPTY : cs.capture.subarray(0, cs.captured);
    if (cs.typeId === 1 && head.length >= 4) this.chunkSize = head.readUInt32BE(0) & 0x7fffffff;
    this.#onMessage(cs.typeId, cs.timestamp, cs.length, head);
  }

  /** Parses one chunk header at `o`; returns the offset after it, or -1 when incomplete. */
  #header(b: Buffer, o: number): number {
    const n = b.length;
    if (o >= n) return -1;
    const b0 = b[o]!;
    const fmt = b0 >> 6;
    let csid = b0 & 0x3f;
    let p = o + 1;
    if (csid === 0) {
      if (p + 1 > n) return -1;
      csid = 64 + b[p]!;
      p += 1;
    } else if (csid === 1) {
      if (p + 2 > n) return -1;
      csid = 64 + b[p]! + b[p + 1]! * 256;
      p += 2;
    }
    const mh = fmt === 0 ? 11 : fmt === 1 ? 7 : fmt === 2 ? 3 : 0;
    if (p + mh > n) return -1;
    let cs = this.#streams.get(csid);
    if (cs === undefined) {
      if (this.#streams.size > 64) throw new Error('rtmp: too many chunk streams');
      cs = { length: 0, typeId: 0, timestamp: 0, extended: false, left: 0, capture: null, captured: 0 };
      this.#streams.set(csid, cs);
    }
    let ts = 0;
    let length = cs.length;
    let typeId = cs.typeId;
    let extended = cs.extended;
    if (mh > 0) {
      ts = b.readUIntBE(p, 3);
      extended = ts === EXTENDED;
      if (mh >= 7) {
        length = b.readUIntBE(p + 3, 3);
        typeId = b[p + 6]!;
      }
      p += mh;
    }
    if (extended) {
      if (p + 4 > n) return -1;
      ts = b.readUInt32BE(p);
      p += 4;
    }
    // Commit the header.
    if (mh > 0) {
      cs.extended = extended;
      cs.length = length;
      cs.typeId = typeId;
      cs.timestamp = fmt === 0 ? ts : cs.timestamp + ts;
    }
    if (cs.left === 0) {
      cs.left = length;
      const want = CONTROL_TYPES.has(typeId) ? Math.min(length, MAX_CONTROL_BYTES) : Math.min(length, this.mediaCapture);
      if (want === 0) cs.capture = null;
      else if (cs.capture === null || cs.capture.length !== want) cs.capture = Buffer.allocUnsafe(want);
      cs.captured = 0;
    }
    this.#cur = cs;
    this.#chunkLeft = Math.min(this.chunkSize, cs.left);
    return p;
  }
}

const EMPTY = Buffer.alloc(0);
