/**
 * Compression with real `cupola serve` processes (the in-process checks are in
 * compression-slave.test.ts):
 *   - a slave compresses a camera into Factory 2; SIGKILL of the slave leaves no ffmpeg behind;
 *   - the 3-machine layout: a `--no-compress` slave and a `--role compressor` process that fills the
 *     slave's Factory 2 with RTSP ANNOUNCE/RECORD, follows the camera going away, and exposes its own
 *     health and metrics.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { killAllFfmpeg, readWithFfmpeg, runFfmpeg, syntheticCameraArgs } from '../helpers/ffmpeg.ts';
import { startServer, stopAllServers, waitFor, type ServerProcess } from '../helpers/server.ts';

const CAM = 'site1/cam2';
const SMALL_PROFILE = { height: 144, bitrateKbps: 150, maxrateKbps: 200, bufsizeKbps: 300, preset: 'ultrafast', gopFrames: 25 };

interface CompressionItem {
  path: string;
  state: string;
  pid: number | null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(3000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function smallDefaultProfile(node: ServerProcess): Promise<void> {
  await json(node.apiUrl('/api/v1/profiles/default'), { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(SMALL_PROFILE) });
}

async function liveStream(node: ServerProcess, factory: string): Promise<{ publisher: { kind: string } | null; video?: { height?: number } } | undefined> {
  const { items } = await json<{ items: { path: string; publisher: { kind: string } | null; video?: { height?: number } }[] }>(
    node.apiUrl(`/api/v1/streams?factory=${factory}`),
  );
  return items.find((s) => s.path === CAM && s.publisher !== null);
}

const stray: number[] = [];
after(async () => {
  await killAllFfmpeg();
  await stopAllServers();
  for (const pid of stray) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

describe('compression with cupola serve processes', { timeout: 180_000 }, () => {
  it('slave: compresses a camera into Factory 2; no ffmpeg survives a SIGKILL of the slave', async () => {
    const slave = await startServer({ role: 'slave' });
    await smallDefaultProfile(slave);
    runFfmpeg(['-loglevel', 'error', ...syntheticCameraArgs(slave.rtmpUrl(CAM), { size: '320x240', gop: 25 })]);
    const item = await waitFor(async () => {
      const { items } = await json<{ items: CompressionItem[] }>(slave.apiUrl('/api/v1/compression'));
      return items.find((c) => c.path === CAM && c.state === 'running' && c.pid !== null);
    }, 40_000, 'the camera compressed on the slave');
    const pid = item.pid!;
    stray.push(pid);
    assert.ok(alive(pid), `ffmpeg ${pid} runs`);
    await waitFor(async () => (await liveStream(slave, 'compressed'))?.video?.height === 144, 30_000, 'Factory 2 at the profile height');
    const read = await readWithFfmpeg(slave.rtspUrl(CAM, 'compressed'), { frames: 10, timeoutMs: 20_000, inputArgs: ['-rtsp_transport', 'tcp'] });
    assert.deepEqual([read.codec, read.height], ['h264', 144], read.stderr.slice(-1500));

    await slave.kill();
    // ffmpeg notices through its stdin pipe closing (and the worker's watchdog): bounded wait.
    await waitFor(() => !alive(pid), 10_000, `ffmpeg ${pid} to exit after the slave was SIGKILLed`);
  });

  it('compressor role: fills a separate slave Factory 2 over RTSP RECORD and follows the camera', async () => {
    const slave = await startServer({ role: 'slave', args: ['--no-compress'] });
    await smallDefaultProfile(slave);
    const compressor = await startServer({ role: 'compressor', args: ['--upstream', `http://127.0.0.1:${slave.ports.api}`] });
    await smallDefaultProfile(compressor);
    const camera = runFfmpeg(['-loglevel', 'error', ...syntheticCameraArgs(slave.rtmpUrl(CAM), { size: '320x240', gop: 25 })]);

    const s = await waitFor(async () => {
      const x = await liveStream(slave, 'compressed');
      return x?.video?.height === 144 ? x : undefined;
    }, 60_000, "the compressor's output on the slave Factory 2");
    assert.equal(s.publisher?.kind, 'rtsp', 'pushed with RTSP ANNOUNCE/RECORD');
    const read = await readWithFfmpeg(slave.rtspUrl(CAM, 'compressed'), { frames: 10, timeoutMs: 20_000, inputArgs: ['-rtsp_transport', 'tcp'] });
    assert.deepEqual([read.codec, read.height], ['h264', 144], read.stderr.slice(-1500));

    // Its own health, readiness (the slave is reachable) and metrics.
    assert.equal((await fetch(compressor.apiUrl('/healthz'))).status, 200);
    assert.equal((await fetch(compressor.apiUrl('/readyz'))).status, 200);
    const metrics = await (await fetch(compressor.apiUrl('/metrics'))).text();
    assert.match(metrics, new RegExp(`cupola_compression_\\w+\\{[^}]*camera="${CAM}"`));
    const seen: string[] = [];
    const running = await waitFor(async () => {
      const { items } = await json<{ items: CompressionItem[] }>(compressor.apiUrl('/api/v1/compression'));
      const c = items.find((x) => x.path === CAM);
      seen.push(`${c?.state}/${c?.pid}`);
      return c?.state === 'running' && c.pid !== null ? c : undefined;
    }, 20_000, 'the compressor status running with its ffmpeg PID').catch((err: unknown) => {
      throw new Error(`${String(err)}; statuses seen: ${seen.join(' ')}`);
    });
    const pid = running.pid!;
    stray.push(pid);

    // The camera stops: the compressor stops its ffmpeg, the slave Factory 2 empties.
    await camera.stop();
    await waitFor(() => !alive(pid), 30_000, `the compressor's ffmpeg ${pid} to stop with the camera`);
    await waitFor(async () => (await liveStream(slave, 'compressed')) === undefined, 30_000, 'the compressed stream gone from the slave');
  });
});
