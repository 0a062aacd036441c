/**
 * Test helper for push parsers: every case is fed whole, split at every offset, and one byte at
 * a time, and the input Buffers must come out unmodified (STYLE.md §5).
 */
import assert from 'node:assert/strict';

export interface Feeding {
  readonly label: string;
  readonly pieces: readonly Buffer[];
}

/** The three ways of cutting `input` (every split offset counts as its own feeding). */
export function* feedings(input: Buffer): Generator<Feeding> {
  yield { label: 'whole', pieces: [input] };
  for (let i = 1; i < input.length; i++) {
    yield { label: `split at ${i}`, pieces: [input.subarray(0, i), input.subarray(i)] };
  }
  const bytes: Buffer[] = [];
  for (let i = 0; i < input.length; i++) bytes.push(input.subarray(i, i + 1));
  yield { label: 'byte at a time', pieces: bytes };
}

/**
 * Runs `run` for each feeding of a copy of `input`, checks the result with `check` and that the
 * fed bytes were not modified. `run` returns whatever the parser produced.
 */
export function forEachFeeding<T>(
  input: Buffer,
  run: (pieces: readonly Buffer[]) => T,
  check: (result: T, label: string) => void,
): void {
  for (const f of feedings(Buffer.from(input))) {
    const before = Buffer.concat(f.pieces);
    const result = run(f.pieces);
    assert.deepEqual(Buffer.concat(f.pieces), before, `${f.label}: input modified`);
    check(result, f.label);
  }
}
