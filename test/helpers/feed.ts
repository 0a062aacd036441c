/**
 * Feeding push parsers the way TCP may cut their input: whole, split at every offset, one byte at a
 * time (the three ways), or in random pieces; and checking the fed Buffers come out unmodified
 * (STYLE.md §5).
 */
import assert from 'node:assert/strict';

export interface Feeding {
  readonly label: string;
  readonly pieces: readonly Buffer[];
}

export interface PushParser {
  push(chunk: Buffer): void;
}

/** `input` as one-byte pieces (views, not copies). */
export function byteAtATime(input: Buffer): Buffer[] {
  const bytes: Buffer[] = [];
  for (let i = 0; i < input.length; i++) bytes.push(input.subarray(i, i + 1));
  return bytes;
}

/** The three ways of cutting `input` (every split offset counts as its own feeding). */
export function* feedings(input: Buffer): Generator<Feeding> {
  yield { label: 'whole', pieces: [input] };
  for (let i = 1; i < input.length; i++) {
    yield { label: `split at ${i}`, pieces: [input.subarray(0, i), input.subarray(i)] };
  }
  yield { label: 'byte at a time', pieces: byteAtATime(input) };
}

/** Cuts `input` into random pieces of 1..`maxPiece` bytes (TCP segmentation), drawn from `rnd`. */
export function randomSegments(input: Buffer, rnd: () => number, maxPiece = 64): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < input.length; ) {
    const n = 1 + Math.floor(rnd() * maxPiece);
    out.push(input.subarray(off, off + n));
    off += n;
  }
  return out;
}

/**
 * Runs `run` for each feeding of a copy of `input`, checks the result with `check` and that the
 * fed bytes were not modified. `run` returns whatever the parser produced.
 */
export function forEachFeeding<T>(input: Buffer, run: (pieces: readonly Buffer[]) => T, check: (result: T, label: string) => void): void {
  for (const f of feedings(Buffer.from(input))) {
    const before = Buffer.concat(f.pieces);
    const result = run(f.pieces);
    assert.deepEqual(Buffer.concat(f.pieces), before, `${f.label}: input modified`);
    check(result, f.label);
  }
}

/**
 * `make(sink)` builds a fresh parser that reports items to sink. Every feeding must yield the items
 * of the whole feed (compared after `normalize`) and leave `input` untouched; returns those items.
 */
export function feedThreeWays<T>(input: Buffer, make: (sink: (item: T) => void) => PushParser, normalize: (item: T) => unknown = (x) => x): T[] {
  const snapshot = Buffer.from(input);
  const run = (chunks: readonly Buffer[]): T[] => {
    const items: T[] = [];
    const parser = make((item) => items.push(item));
    for (const c of chunks) parser.push(c);
    return items;
  };
  const whole = run([input]);
  const expected = whole.map(normalize);
  for (const f of feedings(input)) {
    if (f.label !== 'whole') assert.deepEqual(run(f.pieces).map(normalize), expected, f.label);
  }
  assert.deepEqual(input, snapshot, 'input buffer was modified');
  return whole;
}

/** Asserts that feeding `input` whole, in halves and (up to 4 KiB) a byte at a time throws a ProtocolError with `code`. */
export function assertThrowsThreeWays(input: Buffer, make: () => PushParser, code: string): void {
  const snapshot = Buffer.from(input);
  const ways: [string, Buffer[]][] = [['whole', [input]]];
  if (input.length > 1) ways.push(['halves', [input.subarray(0, input.length >> 1), input.subarray(input.length >> 1)]]);
  if (input.length <= 4096) ways.push(['bytes', byteAtATime(input)]);
  for (const [name, chunks] of ways) {
    const parser = make();
    assert.throws(
      () => {
        for (const c of chunks) parser.push(c);
      },
      (err: unknown) => (err as { code?: string }).code === code,
      `${name}: expected ${code}`,
    );
  }
  assert.deepEqual(input, snapshot, 'input buffer was modified');
}
