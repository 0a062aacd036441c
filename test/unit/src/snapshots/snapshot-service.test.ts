import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SnapshotService } from '../../../../src/snapshots/snapshot-service.ts';
import { snapshotArgs, type GrabOptions } from '../../../../src/snapshots/ffmpeg-grab.ts';

/** A grab function whose calls the test resolves or rejects by hand. */
function fakeGrab() {
  const calls: { url: string; o: GrabOptions; resolve: (b: Buffer) => void; reject: (e: Error) => void }[] = [];
  const grab = (url: string, o: GrabOptions): Promise<Buffer> =>
    new Promise<Buffer>((resolve, reject) => calls.push({ url, o, resolve, reject }));
  return { grab, calls };
}

const jpeg = (n: number): Buffer => Buffer.from([0xff, 0xd8, n, 0xff, 0xd9]);
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const live = (ids: string[]) => (id: string) => (ids.includes(id) ? `rtsp://127.0.0.1:8554/${id}` : undefined);

describe('SnapshotService', () => {
  it('answers not-live for a camera without a stream, without grabbing', async () => {
    const f = fakeGrab();
    const s = new SnapshotService({ urlFor: live([]), grab: f.grab });
    assert.deepEqual(await s.get('site1/cam1'), { kind: 'not-live' });
    assert.equal(f.calls.length, 0);
  });

  it('grabs once for concurrent requests and serves the cached picture while fresh', async () => {
    let now = 1000;
    const f = fakeGrab();
    const s = new SnapshotService({ urlFor: live(['a/b']), grab: f.grab, now: () => now, maxAgeMs: 5000, widthPx: 200, timeoutMs: 1234 });
    const p1 = s.get('a/b');
    const p2 = s.get('a/b');
    await tick();
    assert.equal(f.calls.length, 1);
    assert.equal(f.calls[0]!.url, 'rtsp://127.0.0.1:8554/a/b');
    assert.equal(f.calls[0]!.o.widthPx, 200);
    assert.equal(f.calls[0]!.o.timeoutMs, 1234);
    f.calls[0]!.resolve(jpeg(1));
    for (const r of [await p1, await p2]) {
      assert.equal(r.kind, 'ok');
      assert.deepEqual(r.kind === 'ok' && r.jpeg, jpeg(1));
    }
    now += 4999;
    const r3 = await s.get('a/b');
    assert.equal(r3.kind === 'ok' && r3.stale, false);
    assert.equal(f.calls.length, 1);
  });

  it('serves a stale picture at once and refreshes it in the background', async () => {
    let now = 0;
    const f = fakeGrab();
    const s = new SnapshotService({ urlFor: live(['a/b']), grab: f.grab, now: () => now, maxAgeMs: 1000 });
    const first = s.get('a/b');
    await tick();
    f.calls[0]!.resolve(jpeg(1));
    await first;
    now = 1500;
    const stale = await s.get('a/b');
    assert.ok(stale.kind === 'ok' && stale.stale && stale.jpeg[2] === 1);
    assert.equal(f.calls.length, 2);
    await s.get('a/b'); // still one refresh in flight
    assert.equal(f.calls.length, 2);
    f.calls[1]!.resolve(jpeg(2));
    await tick();
    const fresh = await s.get('a/b');
    assert.ok(fresh.kind === 'ok' && !fresh.stale && fresh.jpeg[2] === 2 && fresh.takenAtMs === 1500);
  });

  it('reports a failure and does not retry before retryAfterMs', async () => {
    let now = 0;
    const f = fakeGrab();
    const s = new SnapshotService({ urlFor: live(['a/b']), grab: f.grab, now: () => now, retryAfterMs: 3000 });
    const p = s.get('a/b');
    await tick();
    f.calls[0]!.reject(new Error('no picture within 8000 ms'));
    const r = await p;
    assert.deepEqual(r, { kind: 'unavailable', reason: 'no picture within 8000 ms', retryAfterMs: 3000 });
    now = 2000;
    const r2 = await s.get('a/b');
    assert.equal(r2.kind === 'unavailable' && r2.retryAfterMs, 1000);
    assert.equal(f.calls.length, 1);
    now = 3000;
    const p3 = s.get('a/b');
    await tick();
    assert.equal(f.calls.length, 2);
    f.calls[1]!.resolve(jpeg(3));
    assert.equal((await p3).kind, 'ok');
    assert.equal(s.stats.failures, 1);
    assert.equal(s.stats.grabs, 2);
  });

  it('runs at most maxConcurrent grabs and queues the rest in order', async () => {
    const ids = ['s/c1', 's/c2', 's/c3', 's/c4', 's/c5'];
    const f = fakeGrab();
    const s = new SnapshotService({ urlFor: live(ids), grab: f.grab, maxConcurrent: 2 });
    const all = ids.map((id) => s.get(id));
    await tick();
    assert.deepEqual(f.calls.map((c) => c.url.slice(-4)), ['s/c1', 's/c2']);
    assert.equal(s.stats.queued, 3);
    f.calls[1]!.resolve(jpeg(2));
    await tick();
    assert.deepEqual(f.calls.map((c) => c.url.slice(-4)), ['s/c1', 's/c2', 's/c3']);
    for (let i = 0; i < 10 && f.calls.length < 5; i++) {
      for (const c of f.calls) c.resolve(jpeg(0));
      await tick();
    }
    for (const c of f.calls) c.resolve(jpeg(0));
    assert.ok((await Promise.all(all)).every((r) => r.kind === 'ok'));
    assert.equal(s.stats.running, 0);
  });

  it('evicts the least recently asked-for camera past maxCameras', async () => {
    const ids = ['s/c1', 's/c2', 's/c3'];
    const f = fakeGrab();
    const s = new SnapshotService({ urlFor: live(ids), grab: f.grab, maxCameras: 2 });
    for (const id of ids) {
      const p = s.get(id);
      await tick();
      f.calls.at(-1)!.resolve(jpeg(0));
      await p;
    }
    assert.equal(s.stats.cached, 2);
    const again = s.get('s/c1'); // evicted: grabs again
    await tick();
    assert.equal(f.calls.length, 4);
    f.calls[3]!.resolve(jpeg(1));
    assert.equal((await again).kind, 'ok');
  });

  it('drops the picture when the camera goes down or its URL changes', async () => {
    let url = 'rtsp://h:1/a/b';
    const f = fakeGrab();
    const s = new SnapshotService({ urlFor: () => url, grab: f.grab });
    const p = s.get('a/b');
    await tick();
    f.calls[0]!.resolve(jpeg(1));
    await p;
    url = 'rtsp://h:2/a/b';
    const p2 = s.get('a/b');
    await tick();
    assert.equal(f.calls.length, 2, 'a new source is grabbed, not served from the old picture');
    f.calls[1]!.resolve(jpeg(2));
    assert.ok((await p2).kind === 'ok');
    s.forget('a/b');
    assert.equal(s.stats.cached, 0);
  });

  it('aborts grabs in flight on close', async () => {
    const f = fakeGrab();
    const s = new SnapshotService({ urlFor: live(['a/b']), grab: f.grab });
    void s.get('a/b');
    await tick();
    s.close();
    assert.equal(f.calls[0]!.o.signal?.aborted, true);
    assert.equal((await s.get('a/b')).kind, 'unavailable');
  });
});

describe('snapshotArgs', () => {
  it('reads RTSP over TCP, video only, one frame, scaled, MJPEG to stdout', () => {
    const args = snapshotArgs('rtsp://127.0.0.1:8554/a/b', { widthPx: 160 });
    assert.deepEqual(args.slice(args.indexOf('-rtsp_transport'), args.indexOf('-rtsp_transport') + 4), [
      '-rtsp_transport', 'tcp', '-allowed_media_types', 'video',
    ]);
    assert.equal(args[args.indexOf('-frames:v') + 1], '1');
    assert.equal(args[args.indexOf('-vf') + 1], 'scale=160:-2');
    assert.deepEqual(args.slice(-5), ['-f', 'image2pipe', '-vcodec', 'mjpeg', '-']);
  });

  it('adds no RTSP options for other URLs', () => {
    assert.ok(!snapshotArgs('rtmp://127.0.0.1/a/b').includes('-rtsp_transport'));
  });
});

describe('snapshotRoute', () => {
  const ctx = (site: string, name: string) => ({ method: 'GET', url: '', query: new URLSearchParams(), params: [site, name], authorization: '', body: undefined });

  it('answers a JPEG, 404 when not live, 503 with Retry-After when no picture yet', async () => {
    const { snapshotRoute, SNAPSHOT_ROUTE } = await import('../../../../src/snapshots/snapshot-route.ts');
    const asked: string[] = [];
    const route = snapshotRoute({
      get: async (id) => {
        asked.push(id);
        if (id === 's/live') return { kind: 'ok', jpeg: jpeg(7), takenAtMs: 0, stale: false };
        if (id === 's/slow') return { kind: 'unavailable', reason: 'no picture within 8000 ms', retryAfterMs: 2500 };
        return { kind: 'not-live' };
      },
    });
    assert.equal(route.pattern, SNAPSHOT_ROUTE);
    assert.equal(route.paramCount, 2);
    const ok = await route.handler(ctx('s', 'live'));
    assert.equal(ok.status, 200);
    assert.equal(ok.contentType, 'image/jpeg');
    assert.deepEqual(ok.body, jpeg(7));
    assert.equal((await route.handler(ctx('s', 'gone'))).status, 404);
    const slow = await route.handler(ctx('s', 'slow'));
    assert.equal(slow.status, 503);
    assert.equal(slow.headers?.['retry-after'], '3');
    assert.deepEqual(asked, ['s/live', 's/gone', 's/slow']);
  });
});

describe('localSnapshotService URLs', () => {
  it("dials the node's own Factory 1 RTSP listener, over loopback for wildcard binds, with read credentials", async () => {
    const { localDialHost, localRawRtspUrl } = await import('../../../../src/snapshots/local-snapshots.ts');
    assert.equal(localDialHost('0.0.0.0'), '127.0.0.1');
    assert.equal(localDialHost('::'), '[::1]');
    assert.equal(localDialHost('10.0.0.5'), '10.0.0.5');
    assert.equal(localDialHost('fd00::5'), '[fd00::5]');
    assert.equal(localRawRtspUrl({ rtspPort: 8554, bindHost: '0.0.0.0' }, 'site1/cam1'), 'rtsp://127.0.0.1:8554/site1/cam1');
    assert.equal(
      localRawRtspUrl({ rtspPort: 18554, bindHost: '127.0.0.1', credentials: { user: 'viewer', pass: 'p@ss:w/rd' } }, 'site 1/cam1'),
      'rtsp://viewer:p%40ss%3Aw%2Frd@127.0.0.1:18554/site%201/cam1',
    );
  });
});
