import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelayMs, DEFAULT_BACKOFF } from '../../../../src/replication/backoff.ts';

test('defaults: 0.5 s doubling to a 10 s cap, no jitter when random() is 0', () => {
  const zero = (): number => 0;
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 100].map((a) => backoffDelayMs(a, zero)),
    [500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000],
  );
});

test('jitter takes off at most 20 % by default and never exceeds the cap', () => {
  for (const r of [0, 0.25, 0.5, 0.999]) {
    for (let attempt = 1; attempt <= 12; attempt++) {
      const capped = Math.min(500 * 2 ** (attempt - 1), 10_000);
      const d = backoffDelayMs(attempt, () => r);
      assert.ok(d <= capped && d >= capped * 0.8 - 1, `attempt ${attempt} r ${r}: ${d}`);
    }
  }
  assert.equal(backoffDelayMs(1, () => 0.999), 400);
});

test('attempt 0 or below is treated as the first retry; huge attempts do not overflow', () => {
  assert.equal(backoffDelayMs(0, () => 0), 500);
  assert.equal(backoffDelayMs(-3, () => 0), 500);
  assert.equal(backoffDelayMs(1e9, () => 0), 10_000);
});

test('custom settings and out-of-range random values are clamped', () => {
  const s = { ...DEFAULT_BACKOFF, initialMs: 100, maxMs: 1000, jitter: 1 };
  assert.equal(backoffDelayMs(1, () => 0, s), 100);
  assert.equal(backoffDelayMs(5, () => 0, s), 1000);
  assert.equal(backoffDelayMs(5, () => 2, s), 0);
  assert.equal(backoffDelayMs(5, () => -1, s), 1000);
});
