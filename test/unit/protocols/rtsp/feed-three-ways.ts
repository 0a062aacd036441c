/**
 * Runs a push parser over the same bytes three ways (whole, split at every offset, one byte at a
 * time) and checks that every way yields the same items and leaves the input untouched.
 */
import assert from 'node:assert/strict';

export interface PushParser {
  push(chunk: Buffer): void;
}

/** `make(sink)` builds a fresh parser that reports items to sink; returns the items of one whole feed. */
export function feedThreeWays<T>(input: Buffer, make: (sink: (item: T) => void) => PushParser, normalize: (item: T) => unknown = (x) => x): T[] {
  const snapshot = Buffer.from(input);
  const run = (chunks: Buffer[]): T[] => {
    const items: T[] = [];
    const parser = make((item) => items.push(item));
    for (const c of chunks) parser.push(c);
    return items;
  };
  const whole = run([input]);
  const expected = whole.map(normalize);
  for (let cut = 1; cut < input.length; cut++) {
    const got = run([input.subarray(0, cut), input.subarray(cut)]).map(normalize);
    assert.deepEqual(got, expected, `split at ${cut}`);
  }
  const bytes: Buffer[] = [];
  for (let i = 0; i < input.length; i++) bytes.push(input.subarray(i, i + 1));
  assert.deepEqual(run(bytes).map(normalize), expected, 'one byte at a time');
  assert.deepEqual(input, snapshot, 'input buffer was modified');
  return whole;
}

/** Asserts that every way of feeding `input` throws a ProtocolError with `code`. */
export function assertThrowsThreeWays(input: Buffer, make: () => PushParser, code: string): void {
  const snapshot = Buffer.from(input);
  const ways: [string, Buffer[]][] = [['whole', [input]]];
  if (input.length > 1) ways.push(['halves', [input.subarray(0, input.length >> 1), input.subarray(input.length >> 1)]]);
  if (input.length <= 4096) {
    const bytes: Buffer[] = [];
    for (let i = 0; i < input.length; i++) bytes.push(input.subarray(i, i + 1));
    ways.push(['bytes', bytes]);
  }
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
