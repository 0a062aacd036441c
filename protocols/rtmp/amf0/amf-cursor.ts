/** A bounds-checked read position over one AMF-encoded message body (shared by AMF0 and AMF3). */
import { ProtocolError } from '../../errors.ts';
import { MAX_AMF_DEPTH } from './amf-value.ts';

export class AmfCursor {
  pos: number;
  #depth = 0;

  constructor(
    readonly buf: Buffer,
    offset = 0,
  ) {
    this.pos = offset;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  need(n: number, what: string): void {
    if (n > this.buf.length - this.pos) {
      throw new ProtocolError('RTMP_AMF_TRUNCATED', `AMF value truncated in ${what}`);
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.pos++]!;
  }

  u16(what: string): number {
    this.need(2, what);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  double(what: string): number {
    this.need(8, what);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  utf8(len: number, what: string): string {
    this.need(len, what);
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  bytes(len: number, what: string): Buffer {
    this.need(len, what);
    const b = Buffer.from(this.buf.subarray(this.pos, this.pos + len));
    this.pos += len;
    return b;
  }

  /** Enters a nested container; throws past MAX_AMF_DEPTH. Pair with `leave()`. */
  enter(): void {
    if (++this.#depth > MAX_AMF_DEPTH) {
      throw new ProtocolError('RTMP_AMF_TOO_DEEP', `AMF nesting deeper than ${MAX_AMF_DEPTH}`);
    }
  }

  leave(): void {
    this.#depth--;
  }
}
