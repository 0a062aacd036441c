/** MSB-first bit writer for the few small structures we build bit by bit (AudioSpecificConfig). */
export class BitWriter {
  #bytes: number[] = [];
  #current = 0;
  #bitCount = 0; // bits used in #current

  /** Appends the low n ≤ 32 bits of value, most significant first. */
  writeBits(n: number, value: number): void {
    for (let i = n - 1; i >= 0; i--) {
      const bit = Math.floor(value / 2 ** i) & 1;
      this.#current = (this.#current << 1) | bit;
      if (++this.#bitCount === 8) {
        this.#bytes.push(this.#current);
        this.#current = 0;
        this.#bitCount = 0;
      }
    }
  }

  /** The bytes written so far, the last one padded with zero bits. */
  toBuffer(): Buffer {
    const out = Buffer.from(this.#bytes);
    if (this.#bitCount === 0) return out;
    return Buffer.concat([out, Buffer.from([this.#current << (8 - this.#bitCount)])]);
  }
}
