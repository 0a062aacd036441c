/**
 * ISO BMFF boxes (ISO/IEC 14496-12), sized first and then written into one buffer: a box is its
 * type and its body, a list of Buffers (fields) and child boxes. Large payloads (an mdat's samples)
 * are referenced, not copied, until the one final write.
 */

export interface Box {
  readonly type: string;
  readonly body: readonly (Box | Buffer)[];
  /** Header (8) plus the body, computed once. */
  readonly size: number;
}

function partSize(p: Box | Buffer): number {
  return Buffer.isBuffer(p) ? p.length : p.size;
}

export function box(type: string, body: readonly (Box | Buffer)[] = []): Box {
  let size = 8;
  for (const p of body) size += partSize(p);
  return { type, body, size };
}

/** A FullBox: version (8 bits) and flags (24 bits) before the body. */
export function fullBox(type: string, version: number, flags: number, body: readonly (Box | Buffer)[] = []): Box {
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32BE(((version & 0xff) << 24 | (flags & 0xffffff)) >>> 0, 0);
  return box(type, [head, ...body]);
}

/** Writes `b` at `offset`; returns the offset after it. */
export function writeBox(out: Buffer, offset: number, b: Box): number {
  out.writeUInt32BE(b.size, offset);
  out.write(b.type, offset + 4, 4, 'latin1');
  let off = offset + 8;
  for (const p of b.body) off = Buffer.isBuffer(p) ? off + p.copy(out, off) : writeBox(out, off, p);
  return off;
}

/** The boxes, one after the other, in one allocation. */
export function encodeBoxes(boxes: readonly Box[]): Buffer {
  let size = 0;
  for (const b of boxes) size += b.size;
  const out = Buffer.allocUnsafe(size);
  let off = 0;
  for (const b of boxes) off = writeBox(out, off, b);
  return out;
}

/** Big-endian field helpers: `u32(1, 2)` is 8 bytes. */
export function u8(...values: number[]): Buffer {
  return Buffer.from(values.map((v) => v & 0xff));
}
export function u16(...values: number[]): Buffer {
  const b = Buffer.allocUnsafe(values.length * 2);
  values.forEach((v, i) => b.writeUInt16BE(v & 0xffff, i * 2));
  return b;
}
export function u32(...values: number[]): Buffer {
  const b = Buffer.allocUnsafe(values.length * 4);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
}
export function u64(value: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(value))), 0);
  return b;
}
export function zeros(n: number): Buffer {
  return Buffer.alloc(n);
}
