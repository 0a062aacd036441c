/**
 * Pushed pieces shorter than this, that own a small backing store (a socket read of a few bytes),
 * are copied into a shared tail buffer instead of being kept as their own Buffer: a peer that
 * trickles a few bytes per TCP segment would otherwise make us hold one Buffer object (~100 bytes
 * of overhead) per byte or two. Views into larger parents are kept as views (`retainedBytes`
 * counts their parents).
 */
export const SMALL_PIECE_BYTES = 512;
/**
 * Size of the tail buffers small pieces are copied into: a queue's first tail is the smallest that
 * holds any small piece, each next one twice the last, up to TAIL_BYTES. A connection that sends a
 * few small messages (an RTMP or RTSP reader: its commands, an acknowledgement now and then) keeps
 * 512 bytes, not 4 KiB, for as long as it is open; one that trickles many small reads reaches
 * 4 KiB tails after three.
 */
const FIRST_TAIL_BYTES = SMALL_PIECE_BYTES;
const TAIL_BYTES = 4096;

/**
 * A queue of received Buffers that hands out the next n bytes as a view when they lie in one
 * chunk, and as one copy only when they span chunks. The shape of undici's websocket ByteParser.
 */
export class ByteQueue {
  /**
   * Queued pieces; the first one's bytes before #head are consumed. Consuming advances #head
   * instead of replacing the first piece with a new view: no Buffer object per consumed header.
   */
  #chunks: Buffer[] = [];
  #head = 0;
  #length = 0;
  /** Where small pieces are copied; bytes before #tailFill may have been handed out and are never rewritten. */
  #tail: Buffer | null = null;
  #tailFill = 0;
  #nextTailBytes = FIRST_TAIL_BYTES;
  /** The piece pushed with `pushLent`, until `endLent`. */
  #lent: Buffer | null = null;

  get length(): number {
    return this.#length;
  }

  /**
   * Memory the queued bytes keep alive: the whole backing store of every queued piece (a view
   * pins its parent). What a memory budget should count, rather than `length`.
   */
  get retainedBytes(): number {
    let n = 0;
    for (const c of this.#chunks) n += c.buffer.byteLength;
    return n;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#length += chunk.length;
    if (chunk.length >= SMALL_PIECE_BYTES || chunk.buffer.byteLength >= 2 * SMALL_PIECE_BYTES) {
      this.#chunks.push(chunk);
      return;
    }
    this.#copyToTail(chunk);
  }

  /**
   * Queues bytes that are valid only until `endLent` (a read buffer the caller reuses): what is
   * still queued of them then is copied into memory of the queue's own. The parser consumes in
   * between: what it keeps it takes with `consumeKept`; views from `consume` and `peek` are valid
   * only until `endLent`.
   */
  pushLent(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#length += chunk.length;
    this.#chunks.push(chunk);
    this.#lent = chunk;
  }

  /**
   * `pushLent`, then `parse` (which consumes from the queue), then `endLent`, also when `parse`
   * throws: how a push parser takes one lent read.
   */
  withLent(chunk: Buffer, parse: () => void): void {
    this.pushLent(chunk);
    try {
      parse();
    } finally {
      this.endLent();
    }
  }

  /** The lent bytes are about to be reused: copies what is left of them. */
  endLent(): void {
    const lent = this.#lent;
    if (lent === null) return;
    this.#lent = null;
    const chunks = this.#chunks;
    const last = chunks[chunks.length - 1];
    if (last === undefined || last.buffer !== lent.buffer) return; // all consumed
    chunks.pop();
    let rest = last;
    if (chunks.length === 0) {
      rest = last.subarray(this.#head);
      this.#head = 0;
    }
    if (rest.length < SMALL_PIECE_BYTES) {
      this.#copyToTail(rest);
      return;
    }
    const own = Buffer.allocUnsafeSlow(rest.length);
    rest.copy(own);
    chunks.push(own);
  }

  /**
   * Next n bytes for the caller to keep after this push: like `consume`, but a view of lent bytes
   * (`pushLent`, before `endLent`) is copied. Caller checks `length` first.
   */
  consumeKept(n: number): Buffer {
    const b = this.consume(n);
    return this.#lent !== null && b.buffer === this.#lent.buffer ? Buffer.from(b) : b;
  }

  /** Copies a small piece into the tail buffer and queues it (extending the tail's last view). */
  #copyToTail(chunk: Buffer): void {
    let tail = this.#tail;
    if (tail === null || this.#tailFill + chunk.length > tail.length) {
      tail = this.#tail = Buffer.allocUnsafeSlow(this.#nextTailBytes);
      this.#nextTailBytes = Math.min(TAIL_BYTES, 2 * this.#nextTailBytes);
      this.#tailFill = 0;
    }
    const start = this.#tailFill;
    chunk.copy(tail, start);
    this.#tailFill += chunk.length;
    const last = this.#chunks[this.#chunks.length - 1];
    if (last !== undefined && last.buffer === tail.buffer && last.byteOffset + last.length === tail.byteOffset + start) {
      // Extends the queued view of the tail in place (the new bytes follow it directly; #head,
      // if it is the first piece, still counts from the same start).
      this.#chunks[this.#chunks.length - 1] = tail.subarray(last.byteOffset - tail.byteOffset, this.#tailFill);
    } else {
      this.#chunks.push(tail.subarray(start, this.#tailFill));
    }
  }

  /** Byte at offset i from the front, without consuming. Caller checks `length` first. */
  peekByte(i: number): number {
    const chunks = this.#chunks;
    i += this.#head;
    for (let k = 0; k < chunks.length; k++) {
      const c = chunks[k]!;
      if (i < c.length) return c[i]!;
      i -= c.length;
    }
    throw new RangeError('peekByte past end of queue');
  }

  /** Big-endian unsigned integer of `size` (1..6) bytes at offset i, without consuming. Caller checks `length` first. */
  peekUIntBE(i: number, size: number): number {
    const first = this.#chunks[0];
    const at = i + this.#head;
    if (first !== undefined && at + size <= first.length) return first.readUIntBE(at, size);
    let v = 0;
    for (let k = 0; k < size; k++) v = v * 256 + this.peekByte(i + k);
    return v;
  }

  /** Little-endian unsigned 32-bit integer at offset i, without consuming. Caller checks `length` first. */
  peekUInt32LE(i: number): number {
    const first = this.#chunks[0];
    const at = i + this.#head;
    if (first !== undefined && at + 4 <= first.length) return first.readUInt32LE(at);
    return (this.peekByte(i) + this.peekByte(i + 1) * 0x100 + this.peekByte(i + 2) * 0x10000 + this.peekByte(i + 3) * 0x1000000);
  }

  /** Next n bytes without consuming them (a view when possible). Caller checks `length` first. */
  peek(n: number): Buffer {
    const first = this.#chunks[0];
    const head = this.#head;
    if (first !== undefined && first.length - head >= n) return first.subarray(head, head + n);
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    let start = head;
    for (const c of this.#chunks) {
      if (off >= n) break;
      off += c.copy(out, off, start, Math.min(c.length, start + n - off));
      start = 0;
    }
    return out;
  }

  /** Next n bytes: a view if they lie in one chunk, else one copy. Caller checks `length` first. */
  consume(n: number): Buffer {
    if (n > this.#length) throw new RangeError(`consume(${n}) with ${this.#length} bytes queued`);
    if (n === 0) return Buffer.alloc(0);
    const first = this.#chunks[0]!;
    const head = this.#head;
    const available = first.length - head;
    if (available > n) {
      this.#length -= n;
      this.#head = head + n;
      return first.subarray(head, head + n);
    }
    if (available === n) {
      this.#length -= n;
      this.#chunks.shift();
      this.#head = 0;
      return head === 0 ? first : first.subarray(head);
    }
    const out = Buffer.allocUnsafe(n);
    this.consumeInto(out, 0, n);
    return out;
  }

  /** Moves the next n bytes into `target` at `offset` (no intermediate copy). Caller checks `length` first. */
  consumeInto(target: Buffer, offset: number, n: number): void {
    if (n > this.#length) throw new RangeError(`consumeInto(${n}) with ${this.#length} bytes queued`);
    this.#length -= n;
    const chunks = this.#chunks;
    for (let off = 0; off < n; ) {
      const c = chunks[0]!;
      const head = this.#head;
      const take = Math.min(c.length - head, n - off);
      c.copy(target, offset + off, head, head + take);
      off += take;
      if (head + take === c.length) {
        chunks.shift();
        this.#head = 0;
      } else {
        this.#head = head + take;
      }
    }
  }

  /** Drops n bytes without returning them. */
  skip(n: number): void {
    if (n > this.#length) throw new RangeError(`skip(${n}) with ${this.#length} bytes queued`);
    this.#length -= n;
    const chunks = this.#chunks;
    while (n > 0) {
      const c = chunks[0]!;
      const available = c.length - this.#head;
      if (available <= n) {
        n -= available;
        chunks.shift();
        this.#head = 0;
      } else {
        this.#head += n;
        n = 0;
      }
    }
  }

  /** Index of byte value `b` at or after `from`, searching at most `limit` bytes; -1 if absent. */
  indexOf(b: number, from = 0, limit = Infinity): number {
    let base = -this.#head; // queue offset of the current piece's byte 0
    const end = Math.min(this.#length, from + limit);
    for (const c of this.#chunks) {
      if (base >= end) break;
      if (from < base + c.length) {
        const start = Math.max(0, from - base);
        const stop = Math.min(c.length, end - base);
        const idx = c.subarray(start, stop).indexOf(b);
        if (idx >= 0) return base + start + idx;
      }
      base += c.length;
    }
    return -1;
  }

  clear(): void {
    this.#chunks = [];
    this.#head = 0;
    this.#length = 0;
    this.#tail = null;
    this.#tailFill = 0;
    this.#nextTailBytes = FIRST_TAIL_BYTES;
    this.#lent = null;
  }
}
