/**
 * Master replication end to end, with separate `cupola serve` processes and the bundled ffmpeg:
 * a slave (Factory 1 fed by an RTMP camera; Factory 2 fed by a stand-in compressor, an ffmpeg that
 * re-pushes the raw stream with RTSP RECORD as the 3-machine layout's compressor does) and a
 * master following it. Checks, in order:
 *   1. both slave factories are readable on the master over RTSP and RTMP, frame for frame;
 *   2. compression failover: the slave's compressed feed stops, the master compresses the camera
 *      itself after --failover-after, URLs switch and events fire; the feed returns, the master stops;
 *   3. a camera publishing directly to the master takes the path over; the copy comes back after;
 *   4. SIGKILL of the slave: backoff states and events; the restarted slave's stream is live on the
 *      master again within 2 s; an RTMP reader of the master keeps its connection throughout and
 *      sees timestamps that never go backwards.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RtmpClient } from '../../src/rtmp/client/rtmp-client.ts';
import { killAllFfmpeg, readWithFfmpeg, runFfmpeg, syntheticCameraArgs, type FfmpegRun } from '../helpers/ffmpeg.ts';
import { startServer, stopAllServers, waitFor, type ServerProcess } from '../helpers/server.ts';
import { TestWebSocket } from '../unit/src/api/ws-client.ts';

const CAM = 'site1/cam1';
const FAILOVER_MS = 2000;

interface StreamItem {
  factory: string;
  path: string;
  publisher: { kind: string } | null;
  framesIn: number;
  video?: { codec: string; width?: number; height?: number };
}
interface PullItem {
  factory: string;
  path: string;
  state: string;
  frames: number;
  reconnects: number;
  since: string;
}
interface Replication {
  items: PullItem[];
  upstreams: { id: string; reachable: boolean }[];
  failovers: string[];
}

async function getJson<T>(server: ServerProcess, path: string): Promise<T> {
  const res = await fetch(server.apiUrl(path), { signal: AbortSignal.timeout(3000) });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

async function stream(server: ServerProcess, factory: string, path = CAM): Promise<StreamItem | undefined> {
  const { items } = await getJson<{ items: StreamItem[] }>(server, `/api/v1/streams?factory=${factory}`);
  return items.find((s) => s.path === path && s.publisher !== null);
}

async function pull(master: ServerProcess, factory: string, path = CAM): Promise<PullItem | undefined> {
  return (await getJson<Replication>(master, '/api/v1/replication')).items.find((p) => p.factory === factory && p.path === path);
}

/** Parsed events the socket received so far (not consumed). */
function events(ws: TestWebSocket): Record<string, unknown>[] {
  return ws.messages.map((m) => JSON.parse(m) as Record<string, unknown>);
}

function camera(slave: ServerProcess): FfmpegRun {
  return runFfmpeg(['-loglevel', 'error', ...syntheticCameraArgs(slave.rtmpUrl(CAM), { size: '320x240', fps: 25, gop: 25, bitrateK: 500 })]);
}

/** The slave's Factory 2 push credentials (remote pushes need some: security 17.1). */
const PUSH = { user: 'compressor', pass: 'push-secret-17' };
const slaveConfig = join(mkdtempSync(join(tmpdir(), 'cupola-repl-')), 'settings.json');
writeFileSync(slaveConfig, JSON.stringify({ factories: { compressed: { auth: { publish: PUSH } } } }));

/** The 3-machine layout's compressor, stood in by ffmpeg: Factory 1 over RTSP in, Factory 2 over RTSP RECORD out (with the push credentials). */
function compressor(slave: ServerProcess): FfmpegRun {
  return runFfmpeg([
    '-loglevel', 'error',
    '-rtsp_transport', 'tcp', '-i', slave.rtspUrl(CAM),
    '-c', 'copy', '-f', 'rtsp', '-rtsp_transport', 'tcp', slave.rtspUrl(CAM, 'compressed').replace('rtsp://', `rtsp://${PUSH.user}:${PUSH.pass}@`),
  ]);
}

/**
 * A plain TCP forwarder standing for the slave's stable address: the master follows the slave API
 * through it, so a restarted slave may come back on new OS-chosen ports (its media ports are learnt
 * again from its /api/v1/node). While no slave is set, connections are closed at once.
 */
async function apiForwarder(): Promise<{ port: number; target: number | null; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const fwd = { port: 0, target: null as number | null, close: async () => {} };
  const server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    if (fwd.target === null) {
      client.destroy();
      return;
    }
    const upstream = connect(fwd.target, '127.0.0.1');
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fwd.port = (server.address() as AddressInfo).port;
  fwd.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return fwd;
}

describe('master replication (slave + master processes, real ffmpeg)', { timeout: 240_000 }, () => {
  let slave: ServerProcess;
  let master: ServerProcess;
  let cam: FfmpegRun;
  let comp: FfmpegRun;
  let ws: TestWebSocket;
  let fwd: Awaited<ReturnType<typeof apiForwarder>>;

  let toMaster: Awaited<ReturnType<typeof apiForwarder>>;
  const slaveArgs = (): string[] => ['--no-compress', '--config', slaveConfig, '--peer', `http://127.0.0.1:${toMaster.port}`];

  before(async () => {
    // The slave knows its master as its peer (URL management); the master follows the slave.
    toMaster = await apiForwarder();
    slave = await startServer({ role: 'slave', args: slaveArgs() });
    fwd = await apiForwarder();
    fwd.target = slave.ports.api;
    master = await startServer({
      role: 'master',
      args: ['--upstream', `http://127.0.0.1:${fwd.port}`, '--failover-after', String(FAILOVER_MS)],
    });
    toMaster.target = master.ports.api;
    // A small takeover profile keeps the master's own encoder cheap on 2 cores.
    const res = await fetch(master.apiUrl('/api/v1/profiles/default'), {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ height: 144, bitrateKbps: 150, maxrateKbps: 200, bufsizeKbps: 300, preset: 'ultrafast', gopFrames: 25 }),
    });
    assert.equal(res.status, 200, await res.text());
    ws = await TestWebSocket.open(master.ports.api, '/api/v1/events');
    cam = camera(slave);
    await waitFor(() => stream(slave, 'raw'), 30_000, 'the camera live on the slave', 200);
    comp = compressor(slave);
  });

  after(async () => {
    ws?.close();
    await killAllFfmpeg();
    await stopAllServers();
    await fwd?.close();
    await toMaster?.close();
  });

  it('serves both slave factories on the master over RTSP and RTMP, frame for frame', async () => {
    await waitFor(async () => (await pull(master, 'raw'))?.state === 'live', 30_000, 'raw pull live on the master', 200);
    await waitFor(async () => (await pull(master, 'compressed'))?.state === 'live', 30_000, 'compressed pull live on the master', 200);
    const [rtspRaw, rtmpRaw, rtspCompressed] = await Promise.all([
      readWithFfmpeg(master.rtspUrl(CAM), { frames: 40, timeoutMs: 30_000, inputArgs: ['-rtsp_transport', 'tcp'] }),
      readWithFfmpeg(master.rtmpUrl(CAM), { frames: 40, timeoutMs: 30_000 }),
      readWithFfmpeg(master.rtspUrl(CAM, 'compressed'), { frames: 40, timeoutMs: 30_000, inputArgs: ['-rtsp_transport', 'tcp'] }),
    ]);
    for (const [name, r] of [['rtsp raw', rtspRaw], ['rtmp raw', rtmpRaw], ['rtsp compressed', rtspCompressed]] as const) {
      assert.equal(r.codec, 'h264', `${name}: codec\n${r.stderr.slice(-1500)}`);
      assert.deepEqual([r.width, r.height], [320, 240], `${name}: resolution`);
      assert.ok(r.videoFrames >= 40, `${name}: ${r.videoFrames} frames`);
    }
    assert.equal(rtspRaw.audioCodec, 'aac');
    assert.equal(rtmpRaw.audioCodec, 'aac');

    // Over one window, the master receives every frame the slave's Factory 1 receives.
    const sample = async (): Promise<[number, number]> => {
      const [s, p] = await Promise.all([stream(slave, 'raw'), pull(master, 'raw')]);
      return [s!.framesIn, p!.frames];
    };
    // Both counters are read a few ms apart; at ~68 frames/s (video + audio) that is a frame or two,
    // more when the machine is loaded. A master that loses frames misses in every window, a skewed
    // read only in one: up to three windows, one must agree within 4 frames.
    const windows: string[] = [];
    let agreed = false;
    for (let attempt = 0; attempt < 3 && !agreed; attempt++) {
      const [s0, m0] = await sample();
      await new Promise((r) => setTimeout(r, 3000));
      const [s1, m1] = await sample();
      const slaveFrames = s1 - s0;
      const masterFrames = m1 - m0;
      assert.ok(slaveFrames > 60, `slave received ${slaveFrames} frames in 3 s`);
      windows.push(`slave ${slaveFrames} vs master ${masterFrames}`);
      agreed = Math.abs(slaveFrames - masterFrames) <= 4;
    }
    assert.ok(agreed, `frames over the same window: ${windows.join('; ')}`);
    const slaveRaw = await stream(slave, 'raw');
    const masterRaw = await stream(master, 'raw');
    assert.equal(masterRaw?.publisher?.kind, 'replication');
    assert.deepEqual(masterRaw?.video, slaveRaw?.video);
    // The slave sees its master's copies (its peer) as live.
    await waitFor(async () => {
      const u = await getJson<{ nodes: { node: string; live: { raw: boolean; compressed: boolean } }[] }>(slave, `/api/v1/cameras/${CAM}/urls`);
      const peer = u.nodes.find((n) => n.node === 'peer');
      return peer?.live.raw === true && peer.live.compressed === true;
    }, 10_000, "the master's copies live in the slave's URL management");
    // Prometheus sees the same state.
    const metrics = await (await fetch(master.apiUrl('/metrics'))).text();
    for (const factory of ['raw', 'compressed']) {
      assert.match(metrics, new RegExp(`cupola_replication_state\\{[^}]*factory="${factory}"[^}]*path="${CAM}"[^}]*state="live"[^}]*\\} 1`), factory);
    }
    assert.match(metrics, new RegExp(`cupola_replication_bytes_total\\{[^}]*path="${CAM}"[^}]*\\} [1-9]`));
  });

  it('takes over compression when the slave compressed feed is lost, and hands it back', async () => {
    const before = ws.messages.length;
    await comp.stop();
    const lostAt = Date.now();
    await waitFor(async () => (await getJson<Replication>(master, '/api/v1/replication')).failovers.includes(CAM), FAILOVER_MS + 20_000, 'the master to take over compression');
    assert.ok(Date.now() - lostAt >= FAILOVER_MS - 200, 'takeover waited for --failover-after');
    const own = await waitFor(async () => {
      const s = await stream(master, 'compressed');
      return s?.publisher?.kind === 'compressor' && s.video?.height === 144 ? s : undefined;
    }, 40_000, "the master's own compressed stream at the takeover profile");
    assert.equal(own.video?.codec, 'h264');
    const read = await readWithFfmpeg(master.rtspUrl(CAM, 'compressed'), { frames: 20, timeoutMs: 30_000, inputArgs: ['-rtsp_transport', 'tcp'] });
    assert.deepEqual([read.codec, read.height], ['h264', 144], read.stderr.slice(-1500));
    const { best } = await getJson<{ best: { compressed: { node: string; url: string } | null } }>(master, `/api/v1/cameras/${CAM}/urls`);
    assert.equal(best.compressed?.node, 'self');
    assert.equal(best.compressed?.url, master.rtspUrl(CAM, 'compressed'));
    // The slave's own URL management sends the digital twin to the master's compressed stream.
    await waitFor(async () => {
      const u = await getJson<{ best: { compressed: { node: string; url: string } | null } }>(slave, `/api/v1/cameras/${CAM}/urls`);
      return u.best.compressed?.node === 'peer' && u.best.compressed.url === master.rtspUrl(CAM, 'compressed');
    }, 15_000, "the slave's best compressed URL on the master").catch(async (err: unknown) => {
      const peerLog = slave.logs().split('\n').filter((l) => l.includes('"component":"peer"')).slice(-8);
      throw new Error(`${String(err)}\nslave urls: ${JSON.stringify(await getJson(slave, `/api/v1/cameras/${CAM}/urls`))}\n${peerLog.join('\n')}`);
    });
    const during = events(ws).slice(before);
    assert.ok(during.some((e) => e.type === 'compression.state' && e.camera === CAM), 'compression.state event');
    assert.ok(
      during.some((e) => e.type === 'urls.changed' && e.camera === CAM && (e.best as { compressed?: { node: string } } | null)?.compressed?.node === 'self'),
      'urls.changed to the master compressed URL',
    );

    const handBack = ws.messages.length;
    comp = compressor(slave);
    await waitFor(async () => (await getJson<Replication>(master, '/api/v1/replication')).failovers.length === 0, 30_000, 'the master to stop its worker');
    await waitFor(async () => (await stream(master, 'compressed'))?.publisher?.kind === 'replication', 30_000, 'the compressed copy replicated again');
    const urls = await getJson<{ best: { compressed: { node: string } | null } }>(master, `/api/v1/cameras/${CAM}/urls`);
    assert.equal(urls.best.compressed?.node, 'peer');
    await waitFor(async () => {
      const u = await getJson<{ best: { compressed: { node: string } | null } }>(slave, `/api/v1/cameras/${CAM}/urls`);
      return u.best.compressed?.node === 'self';
    }, 10_000, "the slave's best compressed URL back on itself");
    assert.ok(
      events(ws).slice(handBack).some((e) => e.type === 'urls.changed' && (e.best as { compressed?: { node: string } } | null)?.compressed?.node === 'peer'),
      'urls.changed back to the slave compressed URL',
    );
  });

  it('lets a camera publish directly to the master over the replicated copy, then switches back', async () => {
    const direct = runFfmpeg(['-loglevel', 'error', ...syntheticCameraArgs(master.rtmpUrl(CAM), { size: '160x120', fps: 25, gop: 25, audio: false })]);
    const s = await waitFor(async () => {
      const x = await stream(master, 'raw');
      return x?.publisher?.kind === 'rtmp' ? x : undefined;
    }, 30_000, 'the direct publisher on the master');
    await waitFor(async () => (await stream(master, 'raw'))?.video?.width === 160, 10_000, 'the direct stream description');
    assert.equal((await pull(master, 'raw'))?.state, 'stopped', 'the pull pauses while a camera publishes directly');
    const read = await readWithFfmpeg(master.rtspUrl(CAM), { frames: 10, timeoutMs: 20_000, inputArgs: ['-rtsp_transport', 'tcp'] });
    assert.deepEqual([read.width, read.height], [160, 120], `direct stream served: ${s.path}`);
    await direct.stop();
    await waitFor(async () => (await pull(master, 'raw'))?.state === 'live', 30_000, 'the pull resumed');
    await waitFor(async () => {
      const x = await stream(master, 'raw');
      return x?.publisher?.kind === 'replication' && x.video?.width === 320;
    }, 30_000, 'the replicated copy back');
  });

  it('survives a SIGKILL of the slave: backoff, live again within 2 s of its return, readers kept', async (t) => {
    const dts: number[] = [];
    let closed: Error | null | undefined;
    const reader = RtmpClient.play(master.rtmpUrl(CAM), {
      onFrame: (f) => {
        if (f.track === 'video') dts.push(f.dts);
      },
      onClose: (err) => {
        closed = err;
      },
    });
    try {
      await waitFor(() => dts.length > 10, 20_000, 'frames at the master reader');
      const mark = ws.messages.length;
      // The slave dies under a live camera. (Stopping the camera first let the slave unlist the stream
      // and the master drop its pull before the kill, on a loaded machine: no backoff to see.)
      fwd.target = null;
      await slave.kill();
      const killedAt = Date.now();
      await comp.stop();
      await cam.stop();
      // The master's event stream has every state change; polling the state could step over a
      // short backoff (a stable pull retries its first failure at once).
      const seen = new Set<string>();
      await waitFor(async () => {
        const st = (await pull(master, 'raw'))?.state;
        if (st !== undefined) seen.add(st);
        return events(ws).slice(mark).some((e) => e.type === 'replication.state' && e.factory === 'raw' && e.state === 'backoff');
      }, 20_000, () => `a replication.state backoff event of the raw pull (states polled: ${[...seen].join(', ') || 'none'})`);
      const framesBefore = dts.length;

      slave = await startServer({ role: 'slave', args: slaveArgs(), dataDir: slave.dataDir });
      fwd.target = slave.ports.api;
      cam = camera(slave);
      let backAt = 0;
      let liveAt = 0;
      await waitFor(async () => {
        const [s, p] = await Promise.all([backAt === 0 ? stream(slave, 'raw') : Promise.resolve(true), pull(master, 'raw')]);
        const t = Date.now();
        if (backAt === 0 && s) backAt = t;
        // A pull live since the kill (the same pull reconnected, or a new one once the slave listed the camera again).
        if (liveAt === 0 && p?.state === 'live' && Date.parse(p.since) > killedAt) liveAt = t;
        return liveAt > 0 && backAt > 0;
      }, 40_000, 'the slave stream back and the master live again', 50).catch(async (err: unknown) => {
        const upstreamLog = master.logs().split('\n').filter((l) => l.includes('"upstream') && !l.includes('"replication')).slice(-20);
        throw new Error(`${String(err)}\nmaster raw pull: ${JSON.stringify(await pull(master, 'raw'))}\n${upstreamLog.join('\n')}`);
      });
      t.diagnostic(`master live again ${liveAt - backAt} ms after the slave listed the stream`);
      assert.ok(liveAt - backAt < 2000, `master live ${liveAt - backAt} ms after the slave stream returned`);
      await waitFor(() => dts.length > framesBefore + 25, 20_000, 'frames again at the master reader');
      // URL management follows the restarted slave's ports (learnt from its API).
      const urls = await getJson<{ nodes: { node: string; rtspRaw: { internal: string } }[] }>(master, `/api/v1/cameras/${CAM}/urls`);
      assert.equal(urls.nodes.find((n) => n.node === 'peer')?.rtspRaw.internal, slave.rtspUrl(CAM));
      assert.equal(closed, undefined, `the master reader kept its connection (${String(closed)})`);
      for (let i = 1; i < dts.length; i++) assert.ok(dts[i]! >= dts[i - 1]!, `timestamp went back at frame ${i}: ${dts[i - 1]} -> ${dts[i]}`);
    } finally {
      reader.close();
    }
  });
});
