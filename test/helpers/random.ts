/**
 * Seeded randomness for tests: the same seed gives the same run, so a failure can be replayed.
 * One generator (mulberry32) for every test that needs one.
 */

/** mulberry32: small, seedable, reproducible; returns floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One of `items`, chosen by `rnd`. */
export function pick<T>(items: readonly T[], rnd: () => number): T {
  return items[Math.floor(rnd() * items.length)]!;
}

/** A seeded byte source with the shape of node:crypto's randomBytes (for handshakes, nonces). */
export function seededBytes(seed: number): (n: number) => Buffer {
  const rnd = prng(seed);
  return (n) => {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(rnd() * 256);
    return b;
  };
}
