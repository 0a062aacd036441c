import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DelayMeter } from '../../../../src/replication/delay-meter.ts';

test('a steady stream adds nothing: the clock offset is removed', () => {
  const m = new DelayMeter(10_000);
  assert.equal(m.meanMs(), null);
  assert.equal(m.lastMs, null);
  for (let i = 0; i < 100; i++) m.add(1_700_000_000_000 + i * 40, 5000 + i * 40);
  assert.equal(m.lastMs, 0);
  assert.equal(m.meanMs(), 0);
});

test('late frames show as added delay over the fastest frame of the window', () => {
  const m = new DelayMeter(10_000);
  const extra = [0, 3, 1, 0, 10, 2];
  extra.forEach((e, i) => m.add(1000 + i * 40 + e, i * 40));
  assert.equal(m.lastMs, 2);
  assert.equal(m.meanMs(), 16 / 6);
});

test('the baseline follows the window: an old fast frame is forgotten after two windows', () => {
  const m = new DelayMeter(1000);
  m.add(0, 0); // offset 0
  for (let t = 40; t < 3000; t += 40) m.add(t + 5, t); // offset 5 from now on
  assert.equal(m.lastMs, 0);
});

test('a timeline jump (new session) restarts the meter instead of reporting a huge delay', () => {
  const m = new DelayMeter(10_000);
  m.add(1000, 0);
  m.add(1040, 40);
  m.add(1080, 90_000_000);
  assert.equal(m.lastMs, 0);
  assert.equal(m.meanMs(), 0);
  m.reset();
  assert.equal(m.meanMs(), null);
});
