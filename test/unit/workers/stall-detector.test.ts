import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StallDetector } from '../../../workers/stall-detector.ts';

describe('StallDetector', () => {
  it('stalls after timeoutMs without activity', () => {
    let now = 1000;
    const d = new StallDetector(5000, () => now);
    now = 5999;
    assert.equal(d.stalled(), false);
    assert.equal(d.msUntilStall(), 1);
    now = 6000;
    assert.equal(d.stalled(), true);
    assert.equal(d.msUntilStall(), 0);
  });

  it('activity pushes the deadline', () => {
    let now = 0;
    const d = new StallDetector(1000, () => now);
    for (let i = 0; i < 10; i++) {
      now += 900;
      assert.equal(d.stalled(), false);
      d.activity();
    }
    now += 1000;
    assert.equal(d.stalled(), true);
  });

  it('reset starts a new period', () => {
    let now = 0;
    const d = new StallDetector(1000, () => now);
    now = 5000;
    assert.equal(d.stalled(), true);
    d.reset();
    assert.equal(d.stalled(), false);
    assert.equal(d.idleMs(), 0);
  });

  it('rejects a non-positive timeout', () => {
    assert.throws(() => new StallDetector(0, () => 0), RangeError);
  });
});
