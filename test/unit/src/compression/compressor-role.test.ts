/**
 * The compressor role against a fake slave API (node:http on port 0). Workers are scripted fakes
 * here, except in the last case where real ffmpeg pushes to an RTSP listener.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCompressorRole, camerasToCompress, streamBitrates, type CompressorRole } from '../../../../src/compression/compressor-role.ts';
import { parseStreamListing } from '../../../../src/replication/upstream-api.ts';
import { DEFAULT_BACKOFF, type StartMessage } from '../../../../workers/messages.ts';
import { FakeWorker } from './fake-worker.ts';
import { TINY_PROFILE, killIfAlive, waitGone } from '../../workers/worker-harness.ts';
import { waitFor } from '../../../helpers/server.ts';
import { runFfmpeg, killAllFfmpeg, waitExit } from '../../../helpers/ffmpeg.ts';

interface FakeSlave {
  readonly url: string;
  streams: Array<{ factory: string; path: string }>;
  up: boolean;
  /** What GET /api/v1/node announces; a number answers that HTTP status instead. */
  node: { rtsp: number; compressedRtsp: number } | number;
  requests: number;
  close(): Promise<void>;
}

async function fakeSlave(): Promise<FakeSlave> {
  const state = { streams: [] as Array<{ factory: string; path: string }>, up: true, node: { rtsp: 18554, compressedRtsp: 18555 } as FakeSlave['node'], requests: 0 };
  const server: Server = createServer((req, res) => {
    state.requests++;
    if (!state.up) {
      res.writeHead(503).end();
      return;
    }
    if (req.url === '/api/v1/node') {
      if (typeof state.node === 'number') res.writeHead(state.node).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ name: 's', role: 'slave', ports: state.node }));
    } else if (req.url === '/api/v1/streams') {
      const items = state.streams.map((s) => ({ ...s, publisher: { kind: 'rtmp', remote: 'x' }, uptimeSeconds: 1 }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items }));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  });
}

const roles = new Set<CompressorRole>();
const slaves = new Set<FakeSlave>();
after(async () => {
  for (const r of roles) await r.close();
  for (const s of slaves) await s.close();
  await killAllFfmpeg();
});

const fastBackoff = { ...DEFAULT_BACKOFF, initialMs: 20, maxMs: 100 };

describe('compressor role', { timeout: 60_000 }, () => {
  it('camerasToCompress keeps raw streams only', () => {
    const got = camerasToCompress([
      { factory: 'raw', path: 'a/1', publisherKind: 'rtmp', since: undefined },
      { factory: 'compressed', path: 'a/1', publisherKind: 'rtsp', since: undefined },
    ]);
    assert.deepEqual([...got], ['a/1']);
  });

  it('streamBitrates (of a parsed listing): raw and compressed bitrate per path; malformed entries skipped', () => {
    const got = streamBitrates(parseStreamListing([
      { factory: 'raw', path: 'a/1', bitrateBps: 4_000_000 },
      { factory: 'compressed', path: 'a/1', bitrateBps: 800_000 },
      { factory: 'raw', path: 'a/2', bitrateBps: 'fast' },
      { factory: 'other', path: 'a/3', bitrateBps: 1 },
      null,
    ], 0));
    assert.deepEqual([...got], [['a/1', { raw: 4_000_000, compressed: 800_000 }]]);
    assert.equal(streamBitrates([]).size, 0);
  });

  it('follows the slave: starts a worker per raw camera with its RTSP URLs, stops it when the camera goes', async () => {
    const slave = await fakeSlave();
    slaves.add(slave);
    slave.streams = [
      { factory: 'raw', path: 'site1/cam1' },
      { factory: 'compressed', path: 'site1/cam1' },
      { factory: 'raw', path: 'site1/cam2' },
    ];
    const workers: FakeWorker[] = [];
    const role = startCompressorRole({
      upstream: slave.url,
      pollIntervalMs: 50,
      followEvents: false,
      backoff: fastBackoff,
      createWorker: () => {
        const w = new FakeWorker();
        workers.push(w);
        return w;
      },
    });
    roles.add(role);
    await waitFor(() => workers.length === 2, 5000, 'two workers');
    const starts = workers.map((w) => w.received[0] as StartMessage);
    const cam1 = starts.find((s) => s.cameraPath === 'site1/cam1')!;
    assert.equal(cam1.inputUrl, 'rtsp://127.0.0.1:18554/site1/cam1', 'raw RTSP port from /api/v1/node');
    assert.deepEqual(cam1.output, { kind: 'push', url: 'rtsp://127.0.0.1:18555/site1/cam1' });
    assert.equal(cam1.profile.id, 'default');
    assert.equal(role.upstreamReachable, true);

    // The slave goes away: nothing is stopped, polls go on.
    slave.up = false;
    await waitFor(() => !role.upstreamReachable, 5000, 'unreachable');
    assert.equal(role.list().length, 2);
    assert.ok(workers.every((w) => !w.exited));

    // Back, without cam2: only cam2 stops.
    slave.up = true;
    slave.streams = [{ factory: 'raw', path: 'site1/cam1' }];
    await waitFor(() => role.list().length === 1, 5000, 'cam2 stopped');
    assert.equal(role.list()[0]!.path, 'site1/cam1');
    const cam2Worker = workers[starts.findIndex((s) => s.cameraPath === 'site1/cam2')]!;
    assert.equal(cam2Worker.exited, true);
    assert.deepEqual(cam2Worker.received.map((m) => m.type), ['start', 'stop']);
    await role.close();
    assert.ok(workers.every((w) => w.exited));
    assert.equal(workers.length, 2, 'no extra workers');
  });

  it('sends the push and read credentials in the ffmpeg URLs (percent-encoded); at most maxWorkers run, the rest are queued (security 17.1, 17.10)', async () => {
    const slave = await fakeSlave();
    slaves.add(slave);
    slave.streams = [{ factory: 'raw', path: 'site1/cam1' }, { factory: 'raw', path: 'site1/cam2' }, { factory: 'raw', path: 'site1/cam3' }];
    const workers: FakeWorker[] = [];
    const role = startCompressorRole({
      upstream: slave.url,
      pollIntervalMs: 30,
      followEvents: false,
      backoff: fastBackoff,
      maxWorkers: 2,
      pushCredentials: { user: 'compressor', pass: 'tok/en@1' },
      readCredentials: { user: 'viewer', pass: 'p w' },
      createWorker: () => {
        const w = new FakeWorker();
        workers.push(w);
        return w;
      },
    });
    roles.add(role);
    await waitFor(() => role.list().length === 3, 5000, 'three cameras known');
    assert.equal(workers.length, 2, 'two workers at most');
    const start = workers[0]!.received[0] as StartMessage;
    assert.equal(start.inputUrl, `rtsp://viewer:p%20w@127.0.0.1:18554/${start.cameraPath}`);
    assert.deepEqual(start.output, { kind: 'push', url: `rtsp://compressor:tok%2Fen%401@127.0.0.1:18555/${start.cameraPath}` });
    const queued = role.list().filter((c) => c.state === 'queued');
    assert.equal(queued.length, 1);
    // A running camera goes: the queued one takes its slot.
    const leaving = start.cameraPath;
    slave.streams = slave.streams.filter((x) => x.path !== leaving);
    await waitFor(() => workers.length === 3, 5000, 'the queued camera started');
    assert.equal((workers[2]!.received[0] as StartMessage).cameraPath, queued[0]!.path);
    assert.equal(role.list().filter((c) => c.state === 'queued').length, 0);
    await role.close();
  });

  it('a profile change restarts only that camera (after its old worker stopped); an unchanged one nothing', async () => {
    const slave = await fakeSlave();
    slaves.add(slave);
    slave.streams = [{ factory: 'raw', path: 'site1/cam1' }, { factory: 'raw', path: 'site1/cam2' }];
    const workers: FakeWorker[] = [];
    const role = startCompressorRole({
      upstream: slave.url,
      pollIntervalMs: 20,
      followEvents: false,
      backoff: fastBackoff,
      profileFor: () => TINY_PROFILE,
      createWorker: () => {
        const w = new FakeWorker();
        workers.push(w);
        return w;
      },
    });
    roles.add(role);
    await waitFor(() => workers.length === 2, 5000, 'two workers');
    const byPath = (p: string) => workers.filter((w) => (w.received[0] as StartMessage).cameraPath === p);
    await role.updateProfile('site1/cam1', { ...TINY_PROFILE });
    assert.equal(workers.length, 2, 'same profile: no restart');
    await role.updateProfile('site1/cam1', { ...TINY_PROFILE, id: 'smaller', height: 96 });
    const cam1 = byPath('site1/cam1');
    assert.equal(cam1.length, 2);
    assert.deepEqual(cam1[0]!.received.map((m) => m.type), ['start', 'stop']);
    assert.equal((cam1[1]!.received[0] as StartMessage).profile.height, 96);
    assert.equal(byPath('site1/cam2').length, 1, 'cam2 untouched');
    assert.equal(byPath('site1/cam2')[0]!.exited, false);
    // Polls keep going and start nothing more.
    const requests = slave.requests;
    await waitFor(() => slave.requests > requests + 3, 5000, 'more polls');
    assert.equal(workers.length, 3);
    await role.updateProfile('site1/cam2', undefined);
    assert.equal(byPath('site1/cam2')[0]!.exited, true, 'no profile: stopped');
    await role.close();
  });

  it('starts no camera before the slave announced its ports (never the defaults), then uses them', async () => {
    const slave = await fakeSlave();
    slaves.add(slave);
    slave.streams = [{ factory: 'raw', path: 'site1/cam1' }];
    slave.node = 503; // node info fails (an overloaded slave), the listing answers
    const workers: FakeWorker[] = [];
    const role = startCompressorRole({
      upstream: slave.url,
      pollIntervalMs: 20,
      followEvents: false,
      backoff: fastBackoff,
      createWorker: () => {
        const w = new FakeWorker();
        workers.push(w);
        return w;
      },
    });
    roles.add(role);
    await waitFor(() => slave.requests >= 6, 5000, 'several polls');
    assert.equal(workers.length, 0, 'no camera started on guessed ports');
    assert.equal(role.upstreamReachable, false);
    slave.node = { rtsp: 28554, compressedRtsp: 28555 };
    await waitFor(() => workers.length === 1, 5000, 'the camera started');
    assert.equal((workers[0]!.received[0] as StartMessage).inputUrl, 'rtsp://127.0.0.1:28554/site1/cam1');
    await role.close();
  });

  it('an API without /api/v1/node (404) gets the configured ports', async () => {
    const slave = await fakeSlave();
    slaves.add(slave);
    slave.streams = [{ factory: 'raw', path: 'site1/cam1' }];
    slave.node = 404;
    const workers: FakeWorker[] = [];
    const role = startCompressorRole({
      upstream: slave.url,
      ports: { rtspRaw: 38554, rtspCompressed: 38555 },
      pollIntervalMs: 20,
      followEvents: false,
      backoff: fastBackoff,
      createWorker: () => {
        const w = new FakeWorker();
        workers.push(w);
        return w;
      },
    });
    roles.add(role);
    await waitFor(() => workers.length === 1, 5000, 'the camera started');
    const start = workers[0]!.received[0] as StartMessage;
    assert.equal(start.inputUrl, 'rtsp://127.0.0.1:38554/site1/cam1');
    assert.deepEqual(start.output, { kind: 'push', url: 'rtsp://127.0.0.1:38555/site1/cam1' });
    await role.close();
  });

  it('keeps the last announced ports while the slave is down; a slave back on other ports restarts its cameras there', async () => {
    const slave = await fakeSlave();
    slaves.add(slave);
    slave.streams = [{ factory: 'raw', path: 'site1/cam1' }];
    const workers: FakeWorker[] = [];
    const role = startCompressorRole({
      upstream: slave.url,
      pollIntervalMs: 20,
      followEvents: false,
      backoff: fastBackoff,
      createWorker: () => {
        const w = new FakeWorker();
        workers.push(w);
        return w;
      },
    });
    roles.add(role);
    await waitFor(() => workers.length === 1, 5000, 'the camera started');
    slave.up = false;
    await waitFor(() => !role.upstreamReachable, 5000, 'unreachable');
    const during = slave.requests;
    await waitFor(() => slave.requests >= during + 4, 5000, 'polls while down');
    assert.equal(workers.length, 1, 'nothing restarted while the slave is down');
    assert.equal(workers[0]!.exited, false);

    slave.node = { rtsp: 48554, compressedRtsp: 48555 };
    slave.up = true;
    await waitFor(() => workers.length === 2, 5000, 'the camera restarted on the new ports');
    assert.equal(workers[0]!.exited, true);
    const start = workers[1]!.received[0] as StartMessage;
    assert.equal(start.inputUrl, 'rtsp://127.0.0.1:48554/site1/cam1');
    assert.deepEqual(start.output, { kind: 'push', url: 'rtsp://127.0.0.1:48555/site1/cam1' });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(workers.length, 2, 'same ports again: no further restart');
    await role.close();
  });

  it('real ffmpeg: reads the camera, pushes RTSP ANNOUNCE/RECORD with the profile codec and size', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cupola-compressor-'));
    // A free port chosen by the OS for ffmpeg's RTSP listener (ffmpeg cannot listen on port 0).
    const probe = createTcpServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const slave = await fakeSlave();
    slaves.add(slave);
    slave.streams = [{ factory: 'raw', path: 'site1/cam1' }];
    try {
      const source = join(dir, 'camera.flv');
      const make = runFfmpeg(['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=10', '-t', '6', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-y', source]);
      await waitExit(make, 20_000);
      const listener = runFfmpeg(['-loglevel', 'info', '-rtsp_flags', 'listen', '-i', `rtsp://127.0.0.1:${port}/site1/cam1`, '-frames:v', '5', '-f', 'null', '-']);
      // No wait for the listener to bind: a push that comes too early fails and is retried with backoff.
      const pids: number[] = [];
      const role = startCompressorRole({
        upstream: slave.url,
        pollIntervalMs: 200,
        followEvents: false,
        backoff: fastBackoff,
        profileFor: () => TINY_PROFILE,
        rawRtspUrl: () => source,
        compressedRtspUrl: (p) => `rtsp://127.0.0.1:${port}/${p}`,
        listener: { onStatus: (s) => s.pid !== null && pids.push(s.pid) },
      });
      roles.add(role);
      await waitExit(listener, 20_000);
      const info = listener.stderr();
      assert.match(info, /Video: h264[^\n]*160x120/, info.slice(-1500));
      await role.close();
      for (const pid of pids) assert.equal(await waitGone(pid, 5000), true);
      pids.forEach(killIfAlive);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
