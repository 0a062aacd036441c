import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, backoffDelayMs } from '../../../workers/backoff.ts';
import type { BackoffOptions } from '../../../workers/messages.ts';

const opts: BackoffOptions = { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.2, resetAfterMs: 10_000 };
const mid = () => 0.5; // no jitter effect

describe('backoff', () => {
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
