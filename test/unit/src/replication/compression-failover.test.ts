import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompressionFailoverPlan, type CameraObservation } from '../../../../src/replication/compression-failover.ts';

const cam = (o: Partial<CameraObservation> = {}): CameraObservation => ({
  path: 's1/cam1',
  rawLive: true,
  upstreamCompressed: true,
  wanted: true,
  ...o,
});

test('starts only after the compressed stream has been missing for afterMs while raw is live', () => {
  const plan = new CompressionFailoverPlan({ afterMs: 10_000 });
  assert.deepEqual(plan.update([cam()], 0), { start: [], stop: [] });
  assert.deepEqual(plan.update([cam({ upstreamCompressed: false })], 1000), { start: [], stop: [] });
  assert.deepEqual(plan.update([cam({ upstreamCompressed: false })], 10_999), { start: [], stop: [] });
  assert.deepEqual(plan.update([cam({ upstreamCompressed: false })], 11_000), { start: ['s1/cam1'], stop: [] });
  assert.deepEqual([...plan.active], ['s1/cam1']);
  // stays on while missing
  assert.deepEqual(plan.update([cam({ upstreamCompressed: false })], 50_000), { start: [], stop: [] });
});

test('the wait restarts when the compressed stream comes back or the raw stream goes before afterMs', () => {
  const plan = new CompressionFailoverPlan({ afterMs: 1000 });
  plan.update([cam({ upstreamCompressed: false })], 0);
  plan.update([cam()], 500);
  assert.deepEqual(plan.update([cam({ upstreamCompressed: false })], 1200).start, []);
  plan.update([cam({ upstreamCompressed: false, rawLive: false })], 1500);
  assert.deepEqual(plan.update([cam({ upstreamCompressed: false })], 2300).start, []);
  assert.deepEqual(plan.update([cam({ upstreamCompressed: false })], 3300).start, ['s1/cam1']);
});

test('stops at once when the slave compressed stream returns or compression is disabled', () => {
  for (const back of [cam(), cam({ upstreamCompressed: false, wanted: false })]) {
    const plan = new CompressionFailoverPlan({ afterMs: 100 });
    plan.update([cam({ upstreamCompressed: false })], 0);
    assert.deepEqual(plan.update([cam({ upstreamCompressed: false })], 100).start, ['s1/cam1']);
    assert.deepEqual(plan.update([back], 150), { start: [], stop: ['s1/cam1'] });
    assert.equal(plan.active.size, 0);
  }
});

test('a raw gap shorter than afterMs keeps the worker; a longer one stops it', () => {
  const plan = new CompressionFailoverPlan({ afterMs: 100 });
  plan.update([cam({ upstreamCompressed: false })], 0);
  plan.update([cam({ upstreamCompressed: false })], 100);
  const gone = cam({ upstreamCompressed: false, rawLive: false });
  assert.deepEqual(plan.update([gone], 200).stop, []);
  assert.deepEqual(plan.update([cam({ upstreamCompressed: false })], 250).stop, []);
  assert.deepEqual(plan.update([gone], 300).stop, []);
  assert.deepEqual(plan.update([gone], 399).stop, []);
  assert.deepEqual(plan.update([gone], 400).stop, ['s1/cam1']);
});

test('unwanted cameras are never started; cameras no longer observed are stopped; clear returns the active ones', () => {
  const plan = new CompressionFailoverPlan({ afterMs: 0 });
  assert.deepEqual(plan.update([cam({ upstreamCompressed: false, wanted: false })], 0).start, []);
  assert.deepEqual(plan.update([cam({ upstreamCompressed: false }), cam({ path: 's1/cam2', upstreamCompressed: false })], 1).start, ['s1/cam1', 's1/cam2']);
  assert.deepEqual(plan.update([cam({ upstreamCompressed: false })], 2).stop, ['s1/cam2']);
  assert.deepEqual(plan.clear(), ['s1/cam1']);
  assert.equal(plan.active.size, 0);
});
