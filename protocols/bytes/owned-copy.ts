/**
 * A copy of `b` in memory of its own, exactly its size. For small bytes kept for a stream's life
 * (parameter sets, codec configs): `Buffer.from(b)` would slice them out of Node's shared 8 KiB
 * pool, and one such slice keeps the whole 8 KiB alive; a view would keep the message or socket
 * read they came in.
 */
export function ownedCopy(b: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(b.length);
  b.copy(copy);
  return copy;
}
