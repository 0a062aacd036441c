import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decidePull,
  diffPulls,
  freshStreams,
  preempts,
  pullKey,
  wantedPulls,
  type UpstreamSnapshot,
} from '../../../../src/replication/plan.ts';

const slaveA: UpstreamSnapshot = {
  upstreamId: 'a',
  reachable: true,
  streams: [
    { factory: 'raw', path: 's1/cam1', publisherKind: 'rtmp', since: 1000 },
    { factory: 'compressed', path: 's1/cam1', publisherKind: 'compressor', since: 2000 },
    { factory: 'raw', path: 's1/cam2', publisherKind: 'replication', since: 3000 },
  ],
};

test('wantedPulls: both factories of every upstream, replicated copies skipped, first upstream wins a path', () => {
  const slaveB: UpstreamSnapshot = {
    upstreamId: 'b',
    reachable: true,
    streams: [
      { factory: 'raw', path: 's1/cam1', publisherKind: 'rtmp' },
      { factory: 'raw', path: 's2/cam9', publisherKind: 'rtmp' },
    ],
  };
  const w = wantedPulls([slaveA, slaveB]);
  assert.deepEqual([...w.values()], [
    { key: 'raw:s1/cam1', factory: 'raw', path: 's1/cam1', upstreamId: 'a' },
    { key: 'compressed:s1/cam1', factory: 'compressed', path: 's1/cam1', upstreamId: 'a' },
    { key: 'raw:s2/cam9', factory: 'raw', path: 's2/cam9', upstreamId: 'b' },
  ]);
});

test('wantedPulls: an unreachable upstream keeps its last listing; none before the first listing', () => {
  assert.equal(wantedPulls([{ ...slaveA, reachable: false }]).size, 2);
  assert.equal(wantedPulls([{ upstreamId: 'a', reachable: false, streams: null }]).size, 0);
});

test('diffPulls: adds new keys, removes unlisted ones, moves a key between upstreams', () => {
  const wanted = wantedPulls([slaveA]);
  const existing = new Map([
    ['raw:s1/cam1', 'a'],
    ['raw:s1/old', 'a'],
    ['compressed:s1/cam1', 'b'],
  ]);
  const d = diffPulls(wanted, existing);
  assert.deepEqual(d.remove, ['raw:s1/old', 'compressed:s1/cam1']);
  assert.deepEqual(d.add.map((w) => `${w.key}@${w.upstreamId}`), ['compressed:s1/cam1@a']);
  assert.deepEqual(diffPulls(wanted, new Map([['raw:s1/cam1', 'a'], ['compressed:s1/cam1', 'a']])), { add: [], remove: [] });
});

test('freshStreams: new, re-listed after an outage, and republished streams are fresh', () => {
  const k1 = pullKey('raw', 's1/cam1');
  const k2 = pullKey('compressed', 's1/cam1');
  assert.deepEqual(freshStreams(undefined, slaveA), [k1, k2, 'raw:s1/cam2']);
  assert.deepEqual(freshStreams(slaveA, slaveA), []);
  assert.deepEqual(freshStreams({ ...slaveA, reachable: false }, slaveA), [k1, k2, 'raw:s1/cam2']);
  const shifted = (by: number): UpstreamSnapshot => ({
    ...slaveA,
    streams: slaveA.streams!.map((s) => (s.factory === 'raw' ? { ...s, since: s.since! + by } : s)),
  });
  assert.deepEqual(freshStreams(slaveA, shifted(60_000)), [k1, 'raw:s1/cam2']);
  assert.deepEqual(freshStreams(slaveA, shifted(900)), [], 'uptime rounding is not a republish');
  assert.deepEqual(freshStreams(slaveA, { ...slaveA, streams: [{ factory: 'raw', path: 's1/cam1' }] }), [k1], 'since no longer known');
  assert.deepEqual(freshStreams(slaveA, { ...slaveA, reachable: false }), []);
});

test('decidePull: a direct camera or a local compressor owns the path; our own copy does not', () => {
  assert.deepEqual(decidePull(null), { run: true });
  assert.deepEqual(decidePull('replication'), { run: true });
  assert.deepEqual(decidePull('rtmp'), { run: false, reason: 'direct-publisher' });
  assert.deepEqual(decidePull('rtsp'), { run: false, reason: 'direct-publisher' });
  assert.deepEqual(decidePull('compressor'), { run: false, reason: 'path-taken' });
  assert.deepEqual(decidePull('internal'), { run: false, reason: 'path-taken' });
});

test('preempts: only a direct publisher pre-empts, and only a replicated copy', () => {
  assert.equal(preempts('rtmp', 'replication'), true);
  assert.equal(preempts('rtsp', 'replication'), true);
  assert.equal(preempts('rtmp', 'rtmp'), false);
  assert.equal(preempts('replication', 'replication'), false);
  assert.equal(preempts('compressor', 'replication'), false);
});
