/**
 * Listeners across a crash, with real `cupola serve` processes and the bundled ffmpeg:
 *   1. a slave (OS-chosen ports, then fixed ports), a master following its API directly, a camera;
 *      kill -9 of the slave while the master's connections to it are open, restart at once on the
 *      ports it had: it binds (the old connections are still in TIME-WAIT), serves within 2 s, and
 *      the master replicates again within 2 s of the camera being back;
 *   2. while the slave is down, the master keeps the slave's last announced ports: a decoy listening
 *      on the ports the master's settings give for that upstream gets no connection at all;
 *   3. a second node on a fixed API port that is taken does not bind beside the first;
 *   4. a listener whose port is taken: the node serves on the others, /readyz names it, it binds
 *      once the port frees.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeFreePort } from '../../src/api/uws-listen.ts';
import { killAllFfmpeg, runFfmpeg, syntheticCameraArgs, type FfmpegRun } from '../helpers/ffmpeg.ts';
import { startServer, stopAllServers, waitFor, type ServerProcess } from '../helpers/server.ts';
import { noTcpTable, timeWaitCount } from '../helpers/tcp-state.ts';

const CAM = 'site1/cam1';

interface Replication {
  items: { factory: string; path: string; state: string; url: string | null; since: string; reconnects: number }[];
  upstreams: { id: string; reachable: boolean; ports: { rtmp: number; rtspRaw: number; rtspCompressed: number } }[];
}

async function getJson<T>(server: ServerProcess, path: string): Promise<T> {
  const res = await fetch(server.apiUrl(path), { signal: AbortSignal.timeout(3000) });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

async function rawPull(master: ServerProcess): Promise<Replication['items'][number] | undefined> {
  return (await getJson<Replication>(master, '/api/v1/replication')).items.find((p) => p.factory === 'raw' && p.path === CAM);
}

async function liveOn(server: ServerProcess): Promise<boolean> {
  const { items } = await getJson<{ items: { path: string; publisher: unknown }[] }>(server, '/api/v1/streams?factory=raw');
  return items.some((s) => s.path === CAM && s.publisher !== null);
}

function camera(slave: ServerProcess): FfmpegRun {
  return runFfmpeg(['-loglevel', 'error', ...syntheticCameraArgs(slave.rtmpUrl(CAM), { size: '160x120', fps: 15, gop: 15, audio: false, bitrateK: 150 })]);
}

/** TCP listeners that count the connections they get (and close them at once). */
async function decoy(count: number): Promise<{ ports: number[]; connections: () => number; close(): Promise<void> }> {
  let connections = 0;
  const servers: Server[] = [];
  for (let i = 0; i < count; i++) {
    const s = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    servers.push(s);
  }
  return {
    ports: servers.map((s) => (s.address() as AddressInfo).port),
    connections: () => connections,
    close: () => Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))).then(() => {}),
  };
}

/** A settings file in a fresh directory. */
function settingsFile(settings: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'cupola-settings-')), 'settings.json');
  writeFileSync(path, JSON.stringify(settings));
  return path;
}

const portArgs = (p: { rtmp: number; rtsp: number; compressedRtsp: number; api: number }): string[] => [
  '--rtmp-port', String(p.rtmp), '--rtsp-port', String(p.rtsp), '--compressed-rtsp-port', String(p.compressedRtsp), '--api-port', String(p.api),
];

// The skip is on each test (node:test's summary counts skipped tests, not suites).
describe('listeners across a slave crash (slave + master processes, real ffmpeg)', { timeout: 300_000 }, () => {
  const decoys: Awaited<ReturnType<typeof decoy>>[] = [];
  after(async () => {
    await killAllFfmpeg();
    await stopAllServers();
    for (const d of decoys) await d.close();
  });

  for (const mode of ['OS-chosen ports (0)', 'fixed ports'] as const) {
    it(`kill -9 and an immediate restart on the same ${mode}: serving within 2 s, replicated again; the master never dials default ports`, { skip: noTcpTable }, async (t) => {
      const fixed = mode === 'fixed ports'
        ? { rtmp: await probeFreePort('127.0.0.1'), rtsp: await probeFreePort('127.0.0.1'), compressedRtsp: await probeFreePort('127.0.0.1'), api: await probeFreePort('127.0.0.1') }
        : undefined;
      let slave = await startServer({ role: 'slave', args: ['--no-compress', ...(fixed ? portArgs(fixed) : [])] });
      const first = slave.ports;
      if (fixed) assert.deepEqual([first.rtmp, first.rtsp, first.compressedRtsp, first.api], [fixed.rtmp, fixed.rtsp, fixed.compressedRtsp, fixed.api]);
      // The master's settings give this upstream "default" media ports on which a decoy listens:
      // the ports it falls back to when it does not know the slave's.
      const d = await decoy(3);
      decoys.push(d);
      const master = await startServer({
        role: 'master',
        args: [
          '--no-compress',
          '--config',
          settingsFile({
            node: { upstreams: [{ id: 'slave', host: '127.0.0.1', apiUrl: `http://127.0.0.1:${first.api}`, role: 'slave', ports: { rtmp: d.ports[0], rtspRaw: d.ports[1], rtspCompressed: d.ports[2] } }] },
            replication: { backoffInitialMs: 100, backoffMaxMs: 400 },
          }),
        ],
      });
      let cam = camera(slave);
      await waitFor(async () => (await rawPull(master))?.state === 'live', 40_000, 'the raw pull live on the master', 200);
      const before = await getJson<Replication>(master, '/api/v1/replication');
      // The slave serves no TLS here: its TLS ports are announced as null (not offered).
      const slavePorts = { rtmp: first.rtmp, rtspRaw: first.rtsp, rtspCompressed: first.compressedRtsp, rtmps: null, rtspsRaw: null, rtspsCompressed: null };
      assert.deepEqual(before.upstreams[0]?.ports, slavePorts);
      assert.equal(before.items.find((p) => p.factory === 'raw')?.url, `rtmp://127.0.0.1:${first.rtmp}/${CAM}`);

      // The camera still publishing: the master keeps the pull and retries it.
      await slave.kill();
      const killedAt = Date.now();
      await cam.stop();
      // While the slave is down the master retries (backoff 100..400 ms) on the slave's last ports.
      const reconnectsAtKill = (await rawPull(master))?.reconnects ?? 0;
      const down = await waitFor(async () => {
        const r = await getJson<Replication>(master, '/api/v1/replication');
        const retries = (r.items.find((p) => p.factory === 'raw')?.reconnects ?? 0) - reconnectsAtKill;
        return r.upstreams[0]?.reachable === false && retries >= 3 ? r : undefined;
      }, 20_000, 'the slave seen unreachable and several pull retries', 100).catch(async (err: unknown) => {
        const log = master.logs().split('\n').filter((l) => l.includes('upstream') || l.includes('"component":"replication"')).slice(-15);
        throw new Error(`${String(err)}\nreconnects at kill ${reconnectsAtKill}; replication: ${JSON.stringify(await getJson(master, '/api/v1/replication'))}\n${log.join('\n')}`);
      });
      assert.equal(d.connections(), 0, 'the decoy on the default ports got no connection');
      assert.deepEqual(down.upstreams[0]?.ports, slavePorts, 'the last known ports, not the configured/default ones');
      const pull = down.items.find((p) => p.factory === 'raw');
      assert.ok(pull?.url === null || pull?.url === `rtmp://127.0.0.1:${first.rtmp}/${CAM}`, `pull url while down: ${pull?.url}`);

      // The master's connections to the slave's API were closed by the kill: its end of them (the
      // slave's API port) is in TIME-WAIT, the case where an API bound without SO_REUSEADDR cannot rebind.
      const timeWaits = await timeWaitCount(first.api);
      t.diagnostic(`${timeWaits} connection(s) in TIME-WAIT on the API port ${Date.now() - killedAt} ms after the kill`);
      assert.ok(timeWaits > 0, 'TIME-WAIT on the API port at the restart (else this test proves nothing)');
      const restartAt = Date.now();
      slave = await startServer({ role: 'slave', args: ['--no-compress', ...portArgs(first)], dataDir: slave.dataDir });
      const listeningAt = Date.now();
      assert.deepEqual(slave.ports.down, [], 'every listener bound');
      assert.deepEqual([slave.ports.rtmp, slave.ports.rtsp, slave.ports.compressedRtsp, slave.ports.api], [first.rtmp, first.rtsp, first.compressedRtsp, first.api]);
      await waitFor(async () => (await fetch(slave.apiUrl('/readyz'), { signal: AbortSignal.timeout(1000) })).status === 200, 2000, 'the restarted slave ready', 50);
      const readyAt = Date.now();
      t.diagnostic(`restart: process up in ${listeningAt - restartAt} ms, ready ${readyAt - listeningAt} ms after announcing its ports`);
      assert.ok(readyAt - listeningAt < 2000);

      cam = camera(slave);
      let listedAt = 0;
      let liveAt = 0;
      await waitFor(async () => {
        const [listed, p] = await Promise.all([listedAt === 0 ? liveOn(slave) : Promise.resolve(true), rawPull(master)]);
        const now = Date.now();
        if (listedAt === 0 && listed) listedAt = now;
        if (liveAt === 0 && p?.state === 'live' && Date.parse(p.since) > killedAt) liveAt = now;
        return listedAt > 0 && liveAt > 0;
      }, 40_000, 'the camera back on the slave and replicated by the master', 50);
      t.diagnostic(`camera listed ${listedAt - listeningAt} ms after the restart; master live ${liveAt - listedAt} ms after that`);
      assert.ok(liveAt - listedAt < 2000, `master live ${liveAt - listedAt} ms after the slave listed the camera`);
      assert.equal(d.connections(), 0, 'the decoy never got a connection');
      await cam.stop();
      await slave.stop();
      await master.stop();
    });
  }
});

describe('listeners that cannot bind (processes)', { timeout: 120_000 }, () => {
  after(() => stopAllServers());

  it('a second node on a taken fixed API port does not bind beside the first', async () => {
    const a = await startServer({ role: 'slave', args: ['--no-compress', '--api-port', String(await probeFreePort('127.0.0.1'))] });
    const b = await startServer({ role: 'slave', args: ['--no-compress', '--api-port', String(a.ports.api)] });
    assert.deepEqual(b.ports.down, ['api'], 'the second node reports its API down (and retries it) instead of sharing the port');
    assert.match(b.logs(), /"listener":"api"/);
    // Every request on the port reaches the first node (with SO_REUSEPORT the kernel would spread them).
    for (let i = 0; i < 20; i++) {
      const node = await getJson<{ ports: { rtmp: number } }>(a, '/api/v1/node');
      assert.equal(node.ports.rtmp, a.ports.rtmp, `request ${i} answered by the first node`);
    }
    await b.stop();
    await a.stop();
  });

  it('a taken RTMP port: the other listeners serve, /readyz names it, it binds once the port is free', async () => {
    const holder = createServer((s) => s.destroy());
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const taken = (holder.address() as AddressInfo).port;
    let held = true;
    try {
      const node = await startServer({
        role: 'slave',
        args: ['--no-compress', '--rtmp-port', String(taken), '--config', settingsFile({ listeners: { retryInitialMs: 100, retryMaxMs: 300 } })],
      });
      assert.deepEqual(node.ports.down, ['rtmp']);
      assert.equal(node.ports.rtmp, taken, 'the configured port is announced');
      const r = await fetch(node.apiUrl('/readyz'));
      assert.equal(r.status, 503);
      const body = (await r.json()) as { status: string; checks: Record<string, string> };
      assert.equal(body.checks.store, 'ok');
      assert.match(body.checks.listeners ?? '', /^failed: down: rtmp \(.*EADDRINUSE.*retrying in \d+ ms\)$/);
      // The RTSP listeners serve meanwhile.
      for (const port of [node.ports.rtsp, node.ports.compressedRtsp]) {
        const c = connect(port, '127.0.0.1');
        c.write('OPTIONS rtsp://127.0.0.1/ RTSP/1.0\r\nCSeq: 1\r\n\r\n');
        const reply = await new Promise<string>((resolve, reject) => c.once('data', (b) => resolve(b.toString())).once('error', reject));
        c.destroy();
        assert.match(reply, /^RTSP\/1\.0 200/);
      }
      await new Promise<void>((resolve) => holder.close(() => resolve()));
      held = false;
      await waitFor(async () => (await fetch(node.apiUrl('/readyz'))).status === 200, 10_000, 'ready once the port is free', 100);
      const publisher = runFfmpeg(['-loglevel', 'error', ...syntheticCameraArgs(node.rtmpUrl(CAM), { size: '160x120', fps: 15, gop: 15, audio: false, seconds: 20 })]);
      await waitFor(() => liveOn(node), 30_000, 'a camera publishing to the late RTMP listener', 200);
      await publisher.stop();
      assert.match(node.logs(), /"msg":"listener bound"[^\n]*"listener":"rtmp"/);
      assert.equal(await node.stop(), 0);
    } finally {
      if (held) holder.close();
    }
  });
});
