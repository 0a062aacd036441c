import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HlsService, type HlsMetrics } from '../../../../src/hls/hls-service.ts';
import { HLS_OUTPUT_KEY } from '../../../../src/hls/hls-muxer.ts';
import { StreamRegistry } from '../../../../src/streams/registry.ts';
import type { FactoryName } from '../../../../src/streams/types.ts';
import { au, H264_IDR, H264_NON_IDR, H264_PPS, H264_SPS } from '../../protocols/flv/fixtures.ts';

const SETTINGS = { partMs: 200, segmentMs: 1000, windowSegments: 3, idleStopMs: 5000 };

function setup() {
  let now = 0;
  const registry = new StreamRegistry('raw');
  const pub = registry.publish('site1/cam1', { kind: 'rtmp', remote: 'test' });
  pub.setDescription({ video: { codec: 'h264', sps: H264_SPS, pps: H264_PPS, width: 64, height: 48 } });
  const counts = { running: 0, parts: 0, segments: 0 };
  const metrics: HlsMetrics = {
    muxerStarted: () => counts.running++,
    muxerStopped: () => counts.running--,
    partMade: () => counts.parts++,
    segmentMade: () => counts.segments++,
    request: () => {},
  };
  const service = new HlsService({ registries: { raw: registry }, settings: SETTINGS, now: () => now, metrics });
  let i = 0;
  const frames = (n: number) => {
    for (let k = 0; k < n; k++, i++) pub.pushFrame({ track: 'video', dts: i * 40, pts: i * 40, keyframe: i % 25 === 0, payload: au(i % 25 === 0 ? H264_IDR : H264_NON_IDR) });
  };
  return { registry, pub, service, counts, frames, advance: (ms: number) => (now += ms), close: () => { service.close(); registry.close(); } };
}

test('no muxer (no subscriber, no CPU) until the first request; then one per stream whatever the requests', () => {
  const s = setup();
  try {
    s.frames(30);
    const stream = s.registry.get('site1/cam1')!;
    assert.equal(stream.subscriberCount, 0);
    const a = s.service.muxer('raw', 'site1/cam1');
    const b = s.service.muxer('raw', 'site1/cam1');
    assert.ok('muxer' in a && 'muxer' in b);
    assert.equal(a.muxer, b.muxer, 'muxed once per stream');
    assert.equal(stream.subscriberCount, 1);
    assert.equal(s.service.running, 1);
    assert.equal(s.counts.running, 1);
    s.frames(60);
    assert.ok(s.counts.parts >= 10 && s.counts.segments >= 2, JSON.stringify(s.counts));
  } finally {
    s.close();
  }
});

test('the muxer starts at the GOP cache keyframe: the first part exists after the replay', () => {
  const s = setup();
  try {
    s.frames(25 + 12); // a keyframe at frame 25, then 11 more frames cached
    const found = s.service.muxer('raw', 'site1/cam1');
    assert.ok('muxer' in found);
    const seg = found.muxer.segmenter!;
    assert.equal(seg.openParts.length, 2, 'the cached 480 ms of GOP made two parts at once');
    assert.equal(seg.openParts[0]!.independent, true);
  } finally {
    s.close();
  }
});

test('an idle muxer stops after idleStopMs without requests; a request keeps it up', () => {
  const s = setup();
  try {
    s.frames(5);
    const first = s.service.muxer('raw', 'site1/cam1');
    assert.ok('muxer' in first);
    s.advance(4000);
    s.service.muxer('raw', 'site1/cam1');
    s.advance(4000);
    s.service.sweep();
    assert.equal(s.service.running, 1, 'requested 4 s ago: still up');
    s.advance(1000);
    s.service.sweep();
    assert.equal(s.service.running, 0);
    assert.equal(s.counts.running, 0);
    assert.equal(first.muxer.closed, true);
    const stream = s.registry.get('site1/cam1')!;
    assert.equal(stream.subscriberCount, 0, 'unsubscribed: no CPU for a camera nobody watches');
    const again = s.service.muxer('raw', 'site1/cam1');
    assert.ok('muxer' in again && again.muxer !== first.muxer, 'a new request starts a new muxer');
    assert.equal(stream.output(HLS_OUTPUT_KEY, () => { throw new Error('should exist'); }), again.muxer);
  } finally {
    s.close();
  }
});

test('lookups: unknown factory, not live', () => {
  const s = setup();
  try {
    assert.deepEqual(s.service.muxer('compressed' as FactoryName, 'site1/cam1'), { error: 'unknown-factory' });
    assert.deepEqual(s.service.muxer('raw', 'site1/cam9'), { error: 'not-live' });
    assert.equal(s.service.hasFactory('raw'), true);
    assert.equal(s.service.hasFactory('compressed'), false);
    assert.equal(s.service.hasFactory('x'), false);
  } finally {
    s.close();
  }
});

test('a waiting request is answered when its part appears, and false when the stream ends', async () => {
  const s = setup();
  try {
    s.frames(1);
    const found = s.service.muxer('raw', 'site1/cam1');
    assert.ok('muxer' in found);
    const m = found.muxer;
    const waiting = m.waitFor(0, 1, 10_000);
    s.frames(5);
    assert.equal(m.has(0, 1), false);
    s.frames(5);
    assert.equal(await waiting, true);
    const never = m.waitFor(2, 0, 10_000);
    s.pub.close();
    s.registry.close();
    assert.equal(await never, false);
  } finally {
    s.close();
  }
});
