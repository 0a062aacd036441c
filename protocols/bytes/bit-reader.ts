import { ProtocolError } from '../errors.ts';

/** MSB-first bit reader with Exp-Golomb decoding, for SPS/VPS parsing (H.264 §7.2, §9.1). */
export class BitReader {
  #buf: Buffer;
  #pos = 0; // in bits

  constructor(buf: Buffer) {
    this.#buf = buf;
  }

  get bitsLeft(): number {
    return this.#buf.length * 8 - this.#pos;
  }

  readBit(): number {
    if (this.#pos >= this.#buf.length * 8) {
      throw new ProtocolError('CODEC_BITSTREAM_TRUNCATED', 'bitstream ended early');
    }
    const byte = this.#buf[this.#pos >> 3]!;
    const bit = (byte >> (7 - (this.#pos & 7))) & 1;
    this.#pos++;
    return bit;
  }

  /** Reads n ≤ 32 bits as an unsigned number. */
  readBits(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 2 + this.readBit();
    return v;
  }

  skipBits(n: number): void {
    if (n > this.bitsLeft) throw new ProtocolError('CODEC_BITSTREAM_TRUNCATED', 'bitstream ended early');
    this.#pos += n;
  }

  /** ue(v): unsigned Exp-Golomb. */
  readUE(): number {
    let zeros = 0;
    while (this.readBit() === 0) {
      zeros++;
      if (zeros > 31) throw new ProtocolError('CODEC_BITSTREAM_INVALID', 'Exp-Golomb code longer than 32 bits');
    }
    return 2 ** zeros - 1 + this.readBits(zeros);
  }

  /** se(v): signed Exp-Golomb. */
  readSE(): number {
    const k = this.readUE();
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }
}
