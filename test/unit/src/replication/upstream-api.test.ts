import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_UPSTREAM_STREAMS, parseNodeInfo, parseStreamListing } from '../../../../src/replication/upstream-api.ts';

test('stream listing: the API StreamInfo shape, under `items` (Cupola), `streams`, or as an array', () => {
  const items = [
    { factory: 'raw', path: 's1/cam1', publisher: { kind: 'rtmp', remote: '10.0.0.5:5000' }, uptimeSeconds: 12.5, bitrateBps: 1 },
    { factory: 'compressed', path: 's1/cam1', publisher: { kind: 'compressor', remote: 'worker' }, uptimeSeconds: 3 },
  ];
  const expected = [
    { factory: 'raw', path: 's1/cam1', publisherKind: 'rtmp', since: 100_000 - 12_500, bitrateBps: 1 },
    { factory: 'compressed', path: 's1/cam1', publisherKind: 'compressor', since: 97_000 },
  ];
  assert.deepEqual(parseStreamListing(items, 100_000), expected);
  assert.deepEqual(parseStreamListing({ streams: items }, 100_000), expected);
  assert.deepEqual(parseStreamListing({ items }, 100_000), expected);
});

test('stream listing: malformed or not-live entries are skipped, the count is capped', () => {
  const list = parseStreamListing(
    [
      null,
      'x',
      { factory: 'other', path: 'a/b' },
      { factory: 'raw' },
      { factory: 'raw', path: '' },
      { factory: 'raw', path: 'x'.repeat(300) },
      { factory: 'raw', path: 'a/down', live: false },
      { factory: 'raw', path: 'a/nopub', publisher: null },
      { factory: 'raw', path: 'a/odd', publisher: { kind: 'martian' }, uptimeSeconds: -1 },
    ],
    0,
  );
  assert.deepEqual(list, [{ factory: 'raw', path: 'a/odd', publisherKind: undefined, since: undefined }]);
  const many = Array.from({ length: MAX_UPSTREAM_STREAMS + 5 }, (_, i) => ({ factory: 'raw', path: `s/c${i}` }));
  assert.equal(parseStreamListing(many, 0).length, MAX_UPSTREAM_STREAMS);
  assert.throws(() => parseStreamListing({ nope: 1 }, 0), /not a stream listing/);
  assert.throws(() => parseStreamListing('[]', 0), /not a stream listing/);
});

test('node info: ports in either naming, invalid ones ignored', () => {
  assert.deepEqual(parseNodeInfo({ name: 'slave1', role: 'slave', ports: { rtmp: 1935, rtspRaw: 8554, rtspCompressed: 8555, api: 8080 } }), {
    name: 'slave1',
    role: 'slave',
    // A node that announces ports but no TLS ones offers no TLS (null overrides configured TLS ports).
    ports: { rtmp: 1935, rtspRaw: 8554, rtspCompressed: 8555, rtmps: null, rtspsRaw: null, rtspsCompressed: null },
  });
  assert.deepEqual(parseNodeInfo({ ports: { rtmp: 40000, rtsp: 40001, compressedRtsp: 40002 } }).ports, { rtmp: 40000, rtspRaw: 40001, rtspCompressed: 40002, rtmps: null, rtspsRaw: null, rtspsCompressed: null });
  assert.deepEqual(parseNodeInfo({ ports: { rtmp: 0, rtsp: 70000, compressedRtsp: '1' } }).ports, { rtmps: null, rtspsRaw: null, rtspsCompressed: null });
  // TLS ports in either naming (GET /api/v1/node, the listening line); null = off.
  assert.deepEqual(parseNodeInfo({ ports: { rtmp: 1, rtmps: 2, rtspsRaw: 3, rtspsCompressed: null } }).ports, { rtmp: 1, rtmps: 2, rtspsRaw: 3, rtspsCompressed: null });
  assert.deepEqual(parseNodeInfo({ ports: { rtsps: 4, compressedRtsps: 5 } }).ports, { rtmps: null, rtspsRaw: 4, rtspsCompressed: 5 });
  assert.deepEqual(parseNodeInfo({ name: 'n' }), { name: 'n', ports: {} });
  assert.throws(() => parseNodeInfo([]), /not a node description/);
});
