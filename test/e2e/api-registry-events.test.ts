/**
 * The control plane over a real stream registry (in-process): a camera publishes, is read and stops;
 * the WebSocket sees the event sequence, /api/v1/streams shows it, and /metrics counts exactly the
 * bytes that were pushed, also after the Stream object is gone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectRegistryEvents } from '../../src/core/registry-events.ts';
import { registryStreamsView } from '../../src/core/streams-view.ts';
import { registryStreamSampler } from '../../src/metrics/registry-sampler.ts';
import { StreamRegistry } from '../../src/streams/registry.ts';
import type { FrameSink } from '../../src/streams/types.ts';
import { startFixture, TOKEN, type Fixture } from '../unit/src/api/fixture.ts';
import { TestWebSocket } from '../unit/src/api/ws-client.ts';
import { parsePrometheusText, valueOf } from '../unit/src/metrics/prom-text.ts';

const DESC = { video: { codec: 'h264' as const, width: 640, height: 360, fps: 25 } };

function frame(i: number, size: number) {
  return { track: 'video' as const, dts: i * 40, pts: i * 40, keyframe: i % 25 === 0, payload: Buffer.alloc(size, i & 0xff) };
}

describe('control plane over a real stream registry', () => {
  let f: Fixture;
  let registry: StreamRegistry;
  let disconnect: () => void;
  before(async () => {
    registry = new StreamRegistry('raw');
    f = await startFixture({ token: TOKEN }, { streams: registryStreamsView([registry]) });
    f.metrics.setSamplers({ streams: registryStreamSampler([registry]) });
    disconnect = connectRegistryEvents(registry, { bus: f.bus, urls: f.urls, metrics: f.metrics });
  });
  after(async () => {
    disconnect();
    registry.close();
    await f.close();
  });

  async function scrape() {
    const r = await f.request('GET', '/metrics', undefined, null);
    assert.equal(r.status, 200);
    return parsePrometheusText(r.text);
  }

  it('publish, read, stop: events in order, streams listed, bytes counted exactly', async () => {
    const ws = await TestWebSocket.open(f.port, '/api/v1/events', { Authorization: `Bearer ${TOKEN}` });
    try {
      assert.equal((await ws.next())['type'], 'snapshot');
      const pub = registry.publish('site1/cam1', { kind: 'rtmp', remote: '127.0.0.1:50000' });
      pub.setDescription(DESC);
      const sink: FrameSink = { onDescription() {}, onFrame() {}, onEnd() {} };
      const unsubscribe = pub.stream.subscribe(sink);
      const unreader = pub.stream.addReader('rtsp', '127.0.0.1:50001');
      let sent = 0;
      for (let i = 0; i < 50; i++) {
        const size = 100 + i * 7;
        pub.pushFrame(frame(i, size));
        sent += size;
      }
      const listed = await f.request('GET', '/api/v1/streams');
      assert.equal(listed.json.items.length, 1);
      assert.deepEqual(listed.json.items[0].video, DESC.video);
      assert.deepEqual(listed.json.items[0].readers, { rtsp: 1 });
      assert.equal(listed.json.items[0].bytesIn, sent);

      let exp = await scrape();
      assert.equal(valueOf(exp, 'cupola_streams_live', { factory: 'raw' }), 1);
      assert.equal(valueOf(exp, 'cupola_readers', { factory: 'raw', protocol: 'rtsp' }), 1);
      assert.equal(valueOf(exp, 'cupola_stream_received_bytes_total', { factory: 'raw', path: 'site1/cam1' }), sent);
      assert.equal(valueOf(exp, 'cupola_stream_received_frames_total', { factory: 'raw', path: 'site1/cam1' }), 50);

      // More bytes after the scrape, then the reader leaves and the camera stops: the Stream is dropped.
      for (let i = 50; i < 60; i++) {
        pub.pushFrame(frame(i, 1000));
        sent += 1000;
      }
      unreader();
      unsubscribe();
      pub.close();
      assert.equal(registry.get('site1/cam1'), undefined);

      const got: Record<string, unknown>[] = [];
      for (let i = 0; i < 6; i++) got.push(await ws.next());
      assert.deepEqual(got.map((e) => e['type']), ['stream.up', 'urls.changed', 'reader.connect', 'reader.disconnect', 'stream.down', 'urls.changed']);
      assert.deepEqual(
        { factory: got[2]!['factory'], path: got[2]!['path'], protocol: got[2]!['protocol'], remote: got[2]!['remote'] },
        { factory: 'raw', path: 'site1/cam1', protocol: 'rtsp', remote: '127.0.0.1:50001' },
      );

      exp = await scrape();
      assert.equal(valueOf(exp, 'cupola_streams_live', { factory: 'raw' }), 0);
      assert.equal(valueOf(exp, 'cupola_stream_received_bytes_total', { factory: 'raw', path: 'site1/cam1' }), sent);

      // It publishes again (a new Stream object): the counter keeps growing from where it was.
      const again = registry.publish('site1/cam1', { kind: 'rtmp', remote: '127.0.0.1:50001' });
      again.setDescription(DESC);
      again.pushFrame(frame(0, 500));
      sent += 500;
      exp = await scrape();
      assert.equal(valueOf(exp, 'cupola_stream_received_bytes_total', { factory: 'raw', path: 'site1/cam1' }), sent);
      assert.equal(valueOf(exp, 'cupola_factory_bytes_total', { factory: 'raw', direction: 'in' }), sent);
      again.close();
    } finally {
      ws.close();
    }
  });
});
