import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AckTracker } from '../../../../../protocols/rtmp/session/ack-tracker.ts';
import { splitQuery, streamPath } from '../../../../../protocols/rtmp/session/stream-name.ts';

test('stream names with queries', () => {
  assert.deepEqual(splitQuery('cam1?key=SECRET'), { name: 'cam1', query: { key: 'SECRET' } });
  assert.deepEqual(splitQuery('/site1/'), { name: 'site1', query: {} });
  assert.deepEqual(splitQuery('cam1?key=a&key=b&x=%20y'), { name: 'cam1', query: { key: 'a', x: ' y' } });
  assert.deepEqual(splitQuery('cam1?'), { name: 'cam1', query: {} });
  assert.equal(streamPath('site1', 'cam1'), 'site1/cam1');
});

test('acknowledgements: none before a window, then one per window, modulo 2^32', () => {
  const a = new AckTracker();
  assert.equal(a.onBytes(10_000), null);
  a.setWindow(1000);
  assert.equal(a.onBytes(1), 10_001);
  assert.equal(a.onBytes(999), null);
  assert.equal(a.onBytes(1), 11_001);
  const w = new AckTracker();
  w.setWindow(100);
  assert.equal(w.onBytes(0xffffffff - 10), 0xffffffff - 10);
  assert.equal(w.onBytes(50), null);
  assert.equal(w.onBytes(50), 89); // wrapped sequence number, window counted across the wrap
});
