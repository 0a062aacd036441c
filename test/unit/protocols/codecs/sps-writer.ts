/** Test helper: writes Exp-Golomb fields to build synthetic SPS NAL units for cases no encoder at hand emits. */
import { BitWriter } from '../../../../protocols/codecs/bit-writer.ts';

export class SpsWriter {
  readonly #w = new BitWriter();

  u(n: number, v: number): this {
    this.#w.writeBits(n, v);
    return this;
  }

  ue(v: number): this {
    const bits = Math.floor(Math.log2(v + 1));
    this.#w.writeBits(bits, 0);
    this.#w.writeBits(bits + 1, v + 1);
    return this;
  }

  se(v: number): this {
    return this.ue(v > 0 ? 2 * v - 1 : -2 * v);
  }

  /** rbsp_trailing_bits then the bytes, prefixed with the given NAL header (no emulation prevention). */
  finish(nalHeader: number[]): Buffer {
    this.#w.writeBits(1, 1);
    return Buffer.concat([Buffer.from(nalHeader), this.#w.toBuffer()]);
  }
}
