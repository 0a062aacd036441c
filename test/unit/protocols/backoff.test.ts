/**
 * The one backoff: both uses — ffmpeg/hook restarts (jitter spread both ways, BackoffOptions) and
 * reconnects (pulls, listener binds: RECONNECT_BACKOFF, jitter only below the delay).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, backoffDelayMs, RECONNECT_BACKOFF } from '../../../protocols/backoff.ts';
import type { BackoffOptions } from '../../../workers/messages.ts';

const opts: BackoffOptions = { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.2, resetAfterMs: 10_000 };
const mid = () => 0.5; // no jitter effect

describe('backoff: restarts (jitter spread)', () => {
  it('doubles from initialMs and is capped at maxMs', () => {
    const b = new Backoff(opts, mid);
    const got = Array.from({ length: 9 }, () => b.next());
    assert.deepEqual(got, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    assert.equal(b.attempt, 9);
  });

  it('jitter spreads by +-jitter and never exceeds maxMs', () => {
    assert.equal(backoffDelayMs(0, opts, () => 0), 400);
    assert.equal(backoffDelayMs(0, opts, () => 0.999999), 600);
    assert.equal(backoffDelayMs(20, opts, () => 0.999999), 30_000);
    assert.equal(backoffDelayMs(20, opts, () => 0), 24_000);
  });

  it('stays finite for huge attempt counts', () => {
    assert.equal(backoffDelayMs(100_000, opts, mid), 30_000);
  });

  it('reset starts over', () => {
    const b = new Backoff(opts, mid);
    b.next();
    b.next();
    b.reset();
    assert.equal(b.attempt, 0);
    assert.equal(b.next(), 500);
  });

  it('zero jitter is deterministic whatever the random source', () => {
    const b = new Backoff({ ...opts, jitter: 0 }, () => 0.123);
    assert.deepEqual([b.next(), b.next()], [500, 1000]);
  });
});

describe('backoff: reconnects (RECONNECT_BACKOFF, jitter below)', () => {
  // Retry n (0-based) is the n+1-th failure in a row: pulls and listener binds pass failures - 1.
  const delay = (failures: number, random: () => number, s = RECONNECT_BACKOFF): number => backoffDelayMs(failures - 1, s, random);

  it('defaults: 0.5 s doubling to a 10 s cap, no jitter when random() is 0', () => {
    const zero = (): number => 0;
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 100].map((a) => delay(a, zero)),
      [500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000],
    );
  });

  it('jitter takes off at most 20 % by default and never exceeds the cap', () => {
    for (const r of [0, 0.25, 0.5, 0.999]) {
      for (let attempt = 1; attempt <= 12; attempt++) {
        const capped = Math.min(500 * 2 ** (attempt - 1), 10_000);
        const d = delay(attempt, () => r);
        assert.ok(d <= capped && d >= capped * 0.8 - 1, `attempt ${attempt} r ${r}: ${d}`);
      }
    }
    assert.equal(delay(1, () => 0.999), 400);
  });

  it('a retry below 0 is treated as the first retry; huge attempts do not overflow', () => {
    assert.equal(delay(0, () => 0), 500);
    assert.equal(delay(-3, () => 0), 500);
    assert.equal(delay(1e9, () => 0), 10_000);
  });

  it('custom settings and out-of-range random values are clamped', () => {
    const s = { ...RECONNECT_BACKOFF, initialMs: 100, maxMs: 1000, jitter: 1 };
    assert.equal(delay(1, () => 0, s), 100);
    assert.equal(delay(5, () => 0, s), 1000);
    assert.equal(delay(5, () => 2, s), 0);
    assert.equal(delay(5, () => -1, s), 1000);
  });

  it('the same schedule with jitter spread may wait longer than the capped delay; below never does', () => {
    const spread = { ...RECONNECT_BACKOFF, jitterMode: 'spread' as const };
    assert.equal(delay(1, () => 0.999999, spread), 600);
    assert.equal(delay(1, () => 0.999999), 400);
  });
});
