import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFixture, streamInfo, TOKEN, type Fixture } from './fixture.ts';
import { TestWebSocket } from './ws-client.ts';

describe('API: URL management', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture();
  });
  after(() => f.close());

  it('gives internal and advertised URLs on this node and its peer', async () => {
    const r = await f.request('GET', '/api/v1/cameras/site1/cam1/urls');
    assert.equal(r.status, 200);
    const [self, peer] = r.json.nodes;
    assert.deepEqual(self, {
      node: 'self',
      name: 'slave1',
      role: 'slave',
      rtmpIngest: { internal: 'rtmp://10.0.0.5:1935/site1/cam1', advertised: 'rtmp://cams.example.org:19350/site1/cam1' },
      rtspRaw: { internal: 'rtsp://10.0.0.5:8554/site1/cam1', advertised: 'rtsp://cams.example.org:18554/site1/cam1' },
      rtspCompressed: { internal: 'rtsp://10.0.0.5:8555/site1/cam1', advertised: 'rtsp://cams.example.org:18555/site1/cam1' },
      // WebRTC (WHEP) on the API port (issue 12); no public API port configured: the same one.
      whepRaw: { internal: 'http://10.0.0.5:8080/whep/raw/site1/cam1', advertised: 'http://cams.example.org:8080/whep/raw/site1/cam1' },
      whepCompressed: { internal: 'http://10.0.0.5:8080/whep/compressed/site1/cam1', advertised: 'http://cams.example.org:8080/whep/compressed/site1/cam1' },
      // LL-HLS on the API port (no forwarded API port: the advertised form keeps the internal one).
      hlsRaw: { internal: 'http://10.0.0.5:8080/hls/raw/site1/cam1/index.m3u8', advertised: 'http://cams.example.org:8080/hls/raw/site1/cam1/index.m3u8' },
      hlsCompressed: { internal: 'http://10.0.0.5:8080/hls/compressed/site1/cam1/index.m3u8', advertised: 'http://cams.example.org:8080/hls/compressed/site1/cam1/index.m3u8' },
      live: { raw: false, compressed: false },
    });
    assert.equal(peer.node, 'peer');
    assert.equal(peer.role, 'master');
    assert.deepEqual(peer.rtspRaw, { internal: 'rtsp://10.0.0.6:8554/site1/cam1', advertised: null });
    assert.deepEqual(r.json.best, { raw: null, compressed: null });
    assert.equal((await f.request('GET', '/api/v1/cameras/site1/nope/urls')).status, 404);
  });

  it('best URL follows liveness: the slave first, the master when only it is live', async () => {
    f.urls.setLive('peer', 'compressed', 'site1/cam2', true);
    let r = await f.request('GET', '/api/v1/cameras/site1/cam2/urls');
    assert.equal(r.json.best.compressed.url, 'rtsp://10.0.0.6:8555/site1/cam2');
    f.urls.setLive('self', 'compressed', 'site1/cam2', true);
    r = await f.request('GET', '/api/v1/cameras/site1/cam2/urls');
    assert.deepEqual(r.json.best.compressed, {
      node: 'self', name: 'slave1', role: 'slave', url: 'rtsp://10.0.0.5:8555/site1/cam2', advertised: 'rtsp://cams.example.org:18555/site1/cam2',
      whep: { internal: 'http://10.0.0.5:8080/whep/compressed/site1/cam2', advertised: 'http://cams.example.org:8080/whep/compressed/site1/cam2' },
      hls: { internal: 'http://10.0.0.5:8080/hls/compressed/site1/cam2/index.m3u8', advertised: 'http://cams.example.org:8080/hls/compressed/site1/cam2/index.m3u8' },
    });
    const all = await f.request('GET', '/api/v1/urls');
    assert.equal(all.json.items.length, 5);
    f.urls.setLive('self', 'compressed', 'site1/cam2', false);
    f.urls.setLive('peer', 'compressed', 'site1/cam2', false);
  });

  it('lists streams from the injected view', async () => {
    f.streams.push(streamInfo('raw', 'site1/cam1'), streamInfo('compressed', 'site1/cam1', 200));
    try {
      const r = await f.request('GET', '/api/v1/streams?factory=compressed');
      assert.deepEqual(r.json.items, [streamInfo('compressed', 'site1/cam1', 200)]);
      assert.equal((await f.request('GET', '/api/v1/streams')).json.items.length, 2);
    } finally {
      f.streams.length = 0;
    }
  });
});

describe('API: event WebSocket', () => {
  let f: Fixture;
  before(async () => {
    f = await startFixture();
  });
  after(() => f.close());

  it('refuses a client without the token', async () => {
    await assert.rejects(TestWebSocket.open(f.port, '/api/v1/events'), /401/);
    await assert.rejects(TestWebSocket.open(f.port, '/api/v1/events?token=wrong'), /401/);
  });

  it('sends a snapshot, then camera, stream and URL events in order as a camera publishes, is read and stops', async () => {
    const ws = await TestWebSocket.open(f.port, '/api/v1/events', { Authorization: `Bearer ${TOKEN}` });
    const viaQuery = await TestWebSocket.open(f.port, `/api/v1/events?token=${TOKEN}`);
    try {
      const snap = await ws.next();
      assert.equal(snap['type'], 'snapshot');
      assert.equal((snap['cameras'] as unknown[]).length, 5);
      assert.equal((snap['urls'] as unknown[]).length, 5);
      assert.deepEqual(snap['streams'], []);
      assert.equal((await viaQuery.next())['type'], 'snapshot');

      // A new camera is configured (the auto-registration path does the same through the store).
      assert.equal((await f.request('POST', '/api/v1/cameras', { site: 'site1', name: 'cam6' })).status, 201);
      // It publishes: the composition root marks the stream live and publishes stream.up.
      const info = streamInfo('raw', 'site1/cam6');
      f.streams.push(info);
      f.bus.publish({ type: 'stream.up', stream: info });
      f.urls.setLive('self', 'raw', 'site1/cam6', true);
      // Then it stops.
      f.streams.length = 0;
      f.bus.publish({ type: 'stream.down', factory: 'raw', path: 'site1/cam6' });
      f.urls.setLive('self', 'raw', 'site1/cam6', false);

      const events = [await ws.next(), await ws.next(), await ws.next(), await ws.next(), await ws.next()];
      assert.deepEqual(
        events.map((e) => e['type']),
        ['camera.changed', 'stream.up', 'urls.changed', 'stream.down', 'urls.changed'],
      );
      assert.deepEqual(events[0], { ...events[0], camera: 'site1/cam6', change: 'added' });
      const up = events[2] as { best: { raw: { url: string } | null } };
      assert.equal(up.best.raw?.url, 'rtsp://10.0.0.5:8554/site1/cam6');
      assert.equal((events[4] as { best: { raw: unknown } }).best.raw, null);
      const seqs = events.map((e) => e['seq'] as number);
      assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
      assert.ok(seqs[0]! > (snap['seq'] as number));
      assert.equal((await viaQuery.next())['type'], 'camera.changed');
    } finally {
      ws.close();
      viaQuery.close();
    }
  });

  it('a liveness change that does not change the best URL emits nothing', async () => {
    const ws = await TestWebSocket.open(f.port, '/api/v1/events', { Authorization: `Bearer ${TOKEN}` });
    try {
      await ws.next(); // snapshot
      f.urls.setLive('self', 'raw', 'site1/cam1', true);
      assert.equal((await ws.next())['type'], 'urls.changed');
      f.urls.setLive('peer', 'raw', 'site1/cam1', true); // the slave stays best
      f.bus.publish({ type: 'compression.state', camera: 'site1/cam1', state: 'running', profile: 'default' });
      const next = await ws.next();
      assert.equal(next['type'], 'compression.state');
    } finally {
      ws.close();
    }
  });
});
