/**
 * Compression end to end inside one process, with the real listeners the slave runs: cameras publish
 * RTMP (bundled ffmpeg) into Factory 1, the CompressionManager compresses each from Factory 1's
 * RTSP URL, Factory 2 serves the result over RTSP to an ffmpeg reader. Then the 3-machine layout: a
 * compressor role reads Factory 1 and pushes into Factory 2 with RTSP ANNOUNCE/RECORD, and
 * reconnects when that slave dies and comes back. (The same checks against `cupola serve`
 * processes, SIGKILL included, are in compression-processes.test.ts.)
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { StreamRegistry } from '../../src/streams/registry.ts';
import { startRtmpListener, type RtmpListener } from '../../src/rtmp/server/rtmp-listener.ts';
import { startRtspListener, type RtspListener } from '../../src/rtsp/server/rtsp-listener.ts';
import { CompressionManager } from '../../src/compression/compression-manager.ts';
import { startCompressorRole } from '../../src/compression/compressor-role.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { DEFAULT_BACKOFF, type CompressionProfile } from '../../workers/messages.ts';
import { runFfmpeg, killAllFfmpeg, syntheticCameraArgs, readWithFfmpeg, type FfmpegRun } from '../helpers/ffmpeg.ts';
import { waitFor } from '../helpers/server.ts';
import { killIfAlive, waitGone } from '../unit/workers/worker-harness.ts';

const PROFILE: CompressionProfile = {
  id: 'e2e',
  codec: 'h264',
  bitrateKbps: 150,
  maxrateKbps: 200,
  bufsizeKbps: 300,
  height: 144,
  gopFrames: 25,
  preset: 'ultrafast',
  tune: 'zerolatency',
  audio: 'aac',
  audioBitrateKbps: 32,
};
const CAMERAS = ['site1/cam1', 'site1/cam2', 'site1/cam3'];

interface Slave {
  raw: StreamRegistry;
  compressed: StreamRegistry;
  rtmp: RtmpListener;
  rtspRaw: RtspListener;
  rtspCompressed: RtspListener;
  close(): Promise<void>;
}

/** A slave's listeners; `ports` rebinds the ones of a slave that went away (0 = OS-chosen). */
async function startSlave(ports: { rtmp: number; raw: number; compressed: number } = { rtmp: 0, raw: 0, compressed: 0 }): Promise<Slave> {
  const raw = new StreamRegistry('raw', { unpublishedGraceMs: 500 });
  const compressed = new StreamRegistry('compressed', { unpublishedGraceMs: 500 });
  const rtmp = await startRtmpListener({ port: ports.rtmp, host: '127.0.0.1' }, { registry: raw, log: silentLogger });
  const rtspRaw = await startRtspListener({ port: ports.raw, host: '127.0.0.1', udp: false }, { registry: raw, log: silentLogger });
  const rtspCompressed = await startRtspListener({ port: ports.compressed, host: '127.0.0.1', udp: false, allowPublish: true }, { registry: compressed, log: silentLogger });
  return {
    raw, compressed, rtmp, rtspRaw, rtspCompressed,
    async close() {
      await rtmp.close();
      await rtspRaw.close();
      await rtspCompressed.close();
      raw.close();
      compressed.close();
    },
  };
}

/**
 * The slave's API as far as the compressor role needs it: GET /api/v1/node and /api/v1/streams
 * (with the bitrates the slave measures), for whichever slave `current()` returns.
 */
async function startSlaveApi(current: () => Slave, port = 0): Promise<{ port: number; close(): Promise<void> }> {
  const api: Server = createServer((req, res) => {
    const slave = current();
    if (req.url === '/api/v1/node') {
      res.end(JSON.stringify({ name: 'slave', role: 'slave', ports: { rtsp: slave.rtspRaw.port, compressedRtsp: slave.rtspCompressed.port } }));
    } else if (req.url === '/api/v1/streams') {
      const items = [...slave.raw.live(), ...slave.compressed.live()].map((s) => ({ factory: s.factory, path: s.path, publisher: s.publisher, bitrateBps: s.bitrateBps() }));
      res.end(JSON.stringify({ items }));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => api.listen(port, '127.0.0.1', r));
  let closed = false;
  return {
    port: (api.address() as { port: number }).port,
    close: () => new Promise<void>((r) => {
      if (closed) return r();
      closed = true;
      api.closeAllConnections();
      api.close(() => r());
    }),
  };
}

const cleanups: Array<() => Promise<void> | void> = [];
const pids = new Set<number>();
after(async () => {
  for (const c of cleanups.reverse()) await c();
  await killAllFfmpeg();
  for (const p of pids) killIfAlive(p);
});

function publishCamera(slave: Slave, path: string): FfmpegRun {
  return runFfmpeg(['-loglevel', 'error', ...syntheticCameraArgs(`rtmp://127.0.0.1:${slave.rtmp.port}/${path}`, { size: '320x240', fps: 25, bitrateK: 600 })]);
}

describe('compression end to end (in-process slave, real ffmpeg)', { timeout: 180_000 }, () => {
  it('slave: 3 cameras compressed to Factory 2, readable over RTSP; encoder restart; camera stop', async () => {
    const slave = await startSlave();
    cleanups.push(() => slave.close());
    const removed: string[] = [];
    const manager = new CompressionManager({
      raw: slave.raw,
      compressed: slave.compressed,
      profileFor: () => PROFILE,
      maxWorkers: CAMERAS.length, // all at once, whatever the CPU count (the cap has its own tests)
      inputUrlFor: (p) => `rtsp://127.0.0.1:${slave.rtspRaw.port}/${p}`,
      backoff: { ...DEFAULT_BACKOFF, initialMs: 200, maxMs: 1000 },
      listener: { onStatus: (s) => s.pid !== null && pids.add(s.pid), onRemoved: (p) => removed.push(p) },
    });
    cleanups.push(() => manager.close());
    // Each compressed stream goes live once, already described with both tracks (a reader that
    // DESCRIBEs at once must get the audio too).
    const announced = new Map<string, string>();
    slave.compressed.on('stream.up', (s) => {
      if (!announced.has(s.path)) announced.set(s.path, `${s.description?.video?.codec} ${s.description?.audio?.codec}`);
    });
    manager.start();
    const cams = new Map(CAMERAS.map((p) => [p, publishCamera(slave, p)]));

    await waitFor(() => CAMERAS.every((p) => slave.compressed.get(p)?.live === true), 60_000, 'three compressed streams');
    for (const p of CAMERAS) {
      const v = slave.compressed.get(p)!.description!.video!;
      assert.equal(`${v.codec} ${v.width}x${v.height}`, 'h264 192x144', p);
      assert.equal(slave.compressed.get(p)!.description!.audio?.codec, 'aac', `${p} audio`);
      assert.equal(announced.get(p), 'h264 aac', `${p} described when it went live`);
    }

    // Readable over RTSP like any other stream.
    const probe = await readWithFfmpeg(`rtsp://127.0.0.1:${slave.rtspCompressed.port}/site1/cam2`, { frames: 25, timeoutMs: 20_000, inputArgs: ['-rtsp_transport', 'tcp'] });
    assert.equal(probe.codec, 'h264', probe.stderr.slice(-1500));
    assert.equal(`${probe.width}x${probe.height}`, '192x144');
    assert.ok(probe.videoFrames >= 25, `read ${probe.videoFrames} frames`);

    // Bitrate near the target (video + audio), measured over 3 s of media time (robust to a busy CI
    // machine, unlike a wall-clock rate); and well below the raw input.
    const meters = CAMERAS.map((p) => {
      const m = { bytes: 0, first: Number.NaN, last: Number.NaN };
      const unsubscribe = slave.compressed.get(p)!.subscribe({
        onDescription: () => {},
        onFrame: (f) => {
          if (Number.isNaN(m.first)) m.first = f.dts;
          m.last = f.dts;
          m.bytes += f.payload.length;
        },
        onEnd: () => {},
      });
      return { p, m, unsubscribe };
    });
    await waitFor(() => meters.every(({ m }) => m.last - m.first >= 3000), 20_000, '3 s of compressed media');
    for (const { p, m, unsubscribe } of meters) {
      unsubscribe();
      const kbps = (m.bytes * 8) / (m.last - m.first);
      const target = PROFILE.bitrateKbps + PROFILE.audioBitrateKbps!;
      assert.ok(Math.abs(kbps - target) / target < 0.35, `${p}: ${kbps.toFixed(0)} kbit/s, target ${target}`);
      const ratio = manager.status(p)!.bitrateRatio;
      assert.ok(ratio !== null && ratio < 0.6, `${p}: output/input ratio ${ratio}`);
    }

    // Kill one camera's encoder: restarted, compressed frames resume.
    const before = manager.status('site1/cam1')!;
    process.kill(before.pid!, 'SIGKILL');
    await waitFor(() => {
      const s = manager.status('site1/cam1')!;
      return s.pid !== null && s.pid !== before.pid && s.state === 'running' && s.restarts >= 1;
    }, 20_000, 'cam1 encoder restarted');
    const framesAt = slave.compressed.get('site1/cam1')!.stats.framesIn;
    await waitFor(() => slave.compressed.get('site1/cam1')!.stats.framesIn > framesAt + 25, 10_000, 'cam1 frames resume');

    // A camera stops: its worker and ffmpeg are gone.
    const cam3Pid = manager.status('site1/cam3')!.pid!;
    await cams.get('site1/cam3')!.stop();
    await waitFor(() => removed.includes('site1/cam3'), 20_000, 'cam3 compression stopped');
    assert.equal(manager.status('site1/cam3'), undefined);
    assert.equal(await waitGone(cam3Pid, 5000), true, 'cam3 ffmpeg gone');
    assert.notEqual(slave.compressed.get('site1/cam3')?.live, true);

    const left = manager.pids();
    await manager.close();
    for (const p of left) assert.equal(await waitGone(p, 5000), true, `ffmpeg ${p} gone after close`);
  });

  it('compressor role: reads Factory 1 over RTSP and fills Factory 2 with RTSP ANNOUNCE/RECORD', async () => {
    const slave = await startSlave();
    cleanups.push(() => slave.close());
    const api = await startSlaveApi(() => slave);
    cleanups.push(() => api.close());
    const role = startCompressorRole({
      upstream: `http://127.0.0.1:${api.port}`,
      profileFor: () => PROFILE,
      pollIntervalMs: 500,
      followEvents: false,
      backoff: { ...DEFAULT_BACKOFF, initialMs: 200, maxMs: 1000 },
      listener: { onStatus: (s) => s.pid !== null && pids.add(s.pid) },
    });
    cleanups.push(() => role.close());
    const cam = publishCamera(slave, 'site2/camA');
    await waitFor(() => slave.compressed.get('site2/camA')?.live === true, 60_000, 'compressed stream pushed by the role');
    const s = slave.compressed.get('site2/camA')!;
    assert.equal(s.publisher?.kind, 'rtsp');
    assert.equal(`${s.description?.video?.codec} ${s.description?.video?.width}x${s.description?.video?.height}`, 'h264 192x144');
    const probe = await readWithFfmpeg(`rtsp://127.0.0.1:${slave.rtspCompressed.port}/site2/camA`, { frames: 10, timeoutMs: 20_000, inputArgs: ['-rtsp_transport', 'tcp'] });
    assert.equal(`${probe.codec} ${probe.width}x${probe.height}`, 'h264 192x144', probe.stderr.slice(-1500));
    // The camera goes: the role stops its ffmpeg.
    const rolePids = role.list().flatMap((x) => (x.pid === null ? [] : [x.pid]));
    await cam.stop();
    await waitFor(() => role.list().length === 0, 20_000, 'role stopped the camera');
    for (const p of rolePids) assert.equal(await waitGone(p, 5000), true);
    await role.close();
  });

  it('compressor role: the slave dies and comes back: its API and Factory 2 are reconnected with backoff', async () => {
    let slave = await startSlave();
    cleanups.push(() => slave.close());
    let api = await startSlaveApi(() => slave);
    cleanups.push(() => api.close());
    const apiPort = api.port;
    const role = startCompressorRole({
      upstream: `http://127.0.0.1:${apiPort}`,
      profileFor: () => PROFILE,
      pollIntervalMs: 300,
      followEvents: false,
      backoff: { ...DEFAULT_BACKOFF, initialMs: 200, maxMs: 1000 },
      listener: { onStatus: (s) => s.pid !== null && pids.add(s.pid) },
    });
    cleanups.push(() => role.close());
    const path = 'site3/camB';
    let cam = publishCamera(slave, path);
    await waitFor(() => slave.compressed.get(path)?.live === true, 60_000, 'compressed stream pushed to the first slave');
    const firstPid = role.list()[0]!.pid!;

    // The slave goes away entirely: API and listeners closed (connections refused).
    const ports = { rtmp: slave.rtmp.port, raw: slave.rtspRaw.port, compressed: slave.rtspCompressed.port };
    await cam.stop();
    await api.close();
    await slave.close();
    await waitFor(() => !role.upstreamReachable, 10_000, 'the role to notice the slave is gone');
    await waitFor(() => role.list()[0]?.pid !== firstPid, 10_000, 'the push ffmpeg to exit with its Factory 2');
    assert.equal(role.list().length, 1, 'an unreachable slave stops nothing');

    // It comes back on the same ports; the camera publishes again.
    slave = await startSlave(ports);
    api = await startSlaveApi(() => slave, apiPort);
    cam = publishCamera(slave, path);
    await waitFor(() => slave.compressed.get(path)?.live === true, 60_000, 'compressed stream pushed again to the slave that came back');
    assert.equal(role.upstreamReachable, true);
    const s = slave.compressed.get(path)!;
    assert.equal(`${s.publisher?.kind} ${s.description?.video?.codec} ${s.description?.video?.height}`, 'rtsp h264 144');
    await waitFor(() => (role.list()[0]?.bitrateRatio ?? 0) > 0, 15_000, 'the ratio from the slave listing');
    await cam.stop();
    await role.close();
  });
});
