/**
 * NAL unit length-prefix helpers for FLV video payloads. FLV carries access units as NAL units
 * each preceded by a big-endian length of `lengthSizeMinusOne + 1` bytes (from the decoder
 * configuration record); the internal Frame always uses 4-byte lengths.
 */

/**
 * Returns the NAL unit count of a length-prefixed access unit, or -1 when a length runs past the
 * end (a corrupt frame). Zero-length units are allowed (some encoders pad with them).
 */
export function countLengthPrefixed(data: Buffer, lengthSize: number): number {
  let off = 0;
  let count = 0;
  while (off < data.length) {
    if (off + lengthSize > data.length) return -1;
    const len = data.readUIntBE(off, lengthSize);
    off += lengthSize + len;
    if (off > data.length) return -1;
    count++;
  }
  return count;
}

/**
 * Rewrites 1- or 2-byte NAL unit lengths as 4-byte lengths (one allocation). Returns null when the
 * data is corrupt. 4-byte input is returned as is (same Buffer, no copy).
 */
export function toFourByteLengths(data: Buffer, lengthSize: number): Buffer | null {
  if (lengthSize === 4) return countLengthPrefixed(data, 4) < 0 ? null : data;
  const count = countLengthPrefixed(data, lengthSize);
  if (count < 0) return null;
  const out = Buffer.allocUnsafe(data.length + count * (4 - lengthSize));
  let src = 0;
  let dst = 0;
  while (src < data.length) {
    const len = data.readUIntBE(src, lengthSize);
    src += lengthSize;
    out.writeUInt32BE(len, dst);
    dst += 4;
    dst += data.copy(out, dst, src, src + len);
    src += len;
  }
  return out;
}

/** Calls `visit` with the first byte (NAL header) of every non-empty unit of a 4-byte-prefixed AU. */
export function forEachNaluHeader(data: Buffer, visit: (firstByte: number, nalu: Buffer) => void): void {
  let off = 0;
  while (off + 4 <= data.length) {
    const len = data.readUInt32BE(off);
    off += 4;
    if (off + len > data.length) return;
    if (len > 0) visit(data[off]!, data.subarray(off, off + len));
    off += len;
  }
}
