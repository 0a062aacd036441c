/**
 * Compression with real `cupola serve` processes (the in-process checks are in
 * compression-slave.test.ts):
 *   - a slave compresses two cameras into Factory 2; each camera's API entry and GET /api/v1/streams
 *     carry its compression status (input/output bitrate ratio); a profile change through the API
 *     restarts only that camera's ffmpeg; SIGKILL of the slave leaves no ffmpeg behind;
 *   - the 3-machine layout: a `--no-compress` slave and a `--role compressor` process that fills the
 *     slave's Factory 2 with RTSP ANNOUNCE/RECORD, follows the camera going away, and exposes its own
 *     health and metrics.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { killAllFfmpeg, readWithFfmpeg, runFfmpeg, syntheticCameraArgs, waitExit } from '../helpers/ffmpeg.ts';
import { startServer, stopAllServers, waitFor, type ServerProcess } from '../helpers/server.ts';
import { isAlive as alive } from '../unit/workers/worker-harness.ts';
import { TestWebSocket } from '../unit/src/api/ws-client.ts';

const CAM = 'site1/cam2';
const CAM3 = 'site1/cam3';
const SMALL_PROFILE = { height: 144, bitrateKbps: 150, maxrateKbps: 200, bufsizeKbps: 300, preset: 'ultrafast', gopFrames: 25 };

interface CompressionItem {
  path: string;
  state: string;
  pid: number | null;
  profileId: string;
  restarts: number;
  inputBitrateBps: number;
  outputBitrateBps: number;
  bitrateRatio: number | null;
}

/** Nodes started with an API token, and their token (the helpers below send it). */
const tokens = new Map<number, string>();
const authHeaders = (url: string): Record<string, string> => {
  const token = tokens.get(Number(new URL(url).port));
  return token === undefined ? {} : { authorization: `Bearer ${token}` };
};

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, { ...init, headers: { ...authHeaders(url), ...(init?.headers as Record<string, string> | undefined) }, signal: AbortSignal.timeout(3000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function smallDefaultProfile(node: ServerProcess): Promise<void> {
  await json(node.apiUrl('/api/v1/profiles/default'), { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(SMALL_PROFILE) });
}

interface StreamItem {
  path: string;
  publisher: { kind: string } | null;
  video?: { height?: number };
  compression?: CompressionItem;
}

async function liveStream(node: ServerProcess, factory: string, path = CAM): Promise<StreamItem | undefined> {
  const { items } = await json<{ items: StreamItem[] }>(node.apiUrl(`/api/v1/streams?factory=${factory}`));
  return items.find((s) => s.path === path && s.publisher !== null);
}

async function compressionItem(node: ServerProcess, path: string): Promise<CompressionItem | undefined> {
  const { items } = await json<{ items: CompressionItem[] }>(node.apiUrl('/api/v1/compression'));
  return items.find((c) => c.path === path);
}

const JSON_HEADERS = { 'content-type': 'application/json' };

const stray: number[] = [];
after(async () => {
  await killAllFfmpeg();
  await stopAllServers();
  for (const pid of stray) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

describe('compression with cupola serve processes', { timeout: 180_000 }, () => {
  it('slave: cameras compressed into Factory 2, status in the camera entry, a profile change restarts only that camera, no ffmpeg survives SIGKILL', async () => {
    const slave = await startServer({ role: 'slave' });
    await smallDefaultProfile(slave);
    const ws = await TestWebSocket.open(slave.ports.api, '/api/v1/events');
    for (const cam of [CAM, CAM3]) runFfmpeg(['-loglevel', 'error', ...syntheticCameraArgs(slave.rtmpUrl(cam), { size: '320x240', gop: 25 })]);
    const running = async (path: string): Promise<CompressionItem | undefined> => {
      const c = await compressionItem(slave, path);
      return c?.state === 'running' && c.pid !== null ? c : undefined;
    };
    const item = await waitFor(() => running(CAM), 40_000, 'the camera compressed on the slave');
    const pid = item.pid!;
    stray.push(pid);
    assert.ok(alive(pid), `ffmpeg ${pid} runs`);
    const cam3Before = await waitFor(() => running(CAM3), 40_000, 'the second camera compressed');
    stray.push(cam3Before.pid!);
    await waitFor(async () => (await liveStream(slave, 'compressed'))?.video?.height === 144, 30_000, 'Factory 2 at the profile height');
    const read = await readWithFfmpeg(slave.rtspUrl(CAM, 'compressed'), { frames: 10, timeoutMs: 20_000, inputArgs: ['-rtsp_transport', 'tcp'] });
    assert.deepEqual([read.codec, read.height], ['h264', 144], read.stderr.slice(-1500));

    // The camera's API entry: its document plus a read-only `compression` with the measured ratio.
    type Entry = { id: string; profile?: string; revision: number; compression: CompressionItem | null };
    const entry = await waitFor(async () => {
      const e = await json<Entry>(slave.apiUrl(`/api/v1/cameras/${CAM}`));
      return e.compression !== null && (e.compression.bitrateRatio ?? 0) > 0 ? e : undefined;
    }, 20_000, 'the camera entry with its compression ratio');
    assert.equal(entry.id, CAM);
    assert.equal(entry.compression!.state, 'running');
    assert.ok(entry.compression!.inputBitrateBps > entry.compression!.outputBitrateBps, JSON.stringify(entry.compression));
    assert.ok(entry.compression!.bitrateRatio! < 1);
    assert.equal((await json<Entry>(slave.apiUrl('/api/v1/cameras/site1/cam5'))).compression, null, 'a camera not live: null');
    // What was read can be written back: `compression` is not part of the stored document.
    const put = await json<Record<string, unknown>>(slave.apiUrl(`/api/v1/cameras/${CAM}`), { method: 'PUT', headers: JSON_HEADERS, body: JSON.stringify(entry) });
    assert.equal('compression' in put, false);
    assert.equal(put['revision'], entry.revision + 1);
    const listed = await liveStream(slave, 'compressed');
    assert.equal(listed?.compression?.path, CAM, 'GET /api/v1/streams carries the compression status');

    // Progress reaches the metrics, per camera.
    const metrics = await (await fetch(slave.apiUrl('/metrics'))).text();
    const sample = (name: string, extra = ''): number => {
      const m = new RegExp(`^${name}\\{[^}]*camera="${CAM}"${extra}[^}]*\\} (\\S+)$`, 'm').exec(metrics);
      assert.ok(m !== null, `${name} for ${CAM} in /metrics`);
      return Number(m[1]);
    };
    assert.ok(sample('cupola_compression_fps') > 0);
    assert.ok(sample('cupola_compression_speed') > 0);
    assert.ok(sample('cupola_compression_output_bitrate_bits_per_second') > 0);
    assert.equal(sample('cupola_compression_state', ',state="running"'), 1);
    assert.equal(sample('cupola_compression_restarts_total'), 0);
    assert.ok(sample('cupola_compression_frames_dropped_total') >= 0);
    assert.ok(sample('cupola_compression_frames_duplicated_total') >= 0);

    // A profile change through the API restarts only that camera's ffmpeg.
    await json(slave.apiUrl('/api/v1/profiles'), { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ ...SMALL_PROFILE, id: 'tiny', codec: 'h264', height: 96, bitrateKbps: 100, maxrateKbps: 150, bufsizeKbps: 200 }) });
    await json(slave.apiUrl(`/api/v1/cameras/${CAM3}`), { method: 'PATCH', headers: JSON_HEADERS, body: JSON.stringify({ profile: 'tiny' }) });
    const cam3After = await waitFor(async () => {
      const c = await running(CAM3);
      return c !== undefined && c.profileId === 'tiny' && c.pid !== cam3Before.pid ? c : undefined;
    }, 30_000, 'cam3 restarted with profile tiny');
    stray.push(cam3After.pid!);
    assert.equal(await waitFor(() => !alive(cam3Before.pid!), 10_000, 'the old cam3 ffmpeg gone'), true);
    await waitFor(async () => (await liveStream(slave, 'compressed', CAM3))?.video?.height === 96, 30_000, 'cam3 on Factory 2 at 96 lines');
    const events = ws.messages.map((m) => JSON.parse(m) as { type?: string; camera?: string; state?: string; profile?: string });
    const states = (cam: string): string[] => events.filter((e) => e.type === 'compression.state' && e.camera === cam).map((e) => `${e.state}:${e.profile}`);
    assert.ok(states(CAM).includes('running:default'), `cam2 events ${states(CAM).join(' ')}`);
    assert.ok(states(CAM3).includes('running:tiny'), `cam3 events ${states(CAM3).join(' ')}`);
    assert.equal(states(CAM).filter((x) => x === 'stopped:default').length, 0, 'no stop event for cam2');
    ws.close();
    const cam2Now = await compressionItem(slave, CAM);
    assert.deepEqual([cam2Now?.pid, cam2Now?.state], [pid, 'running'], 'cam2 untouched by the PUT and by cam3\'s profile change');

    await slave.kill();
    // ffmpeg notices through its stdin pipe closing (and the worker's watchdog): bounded wait.
    for (const p of [pid, cam3After.pid!]) await waitFor(() => !alive(p), 10_000, `ffmpeg ${p} to exit after the slave was SIGKILLed`);
  });

  it('compressor role: fills a separate slave Factory 2 over RTSP RECORD (with the API token) and follows the camera; anonymous pushes are refused', async () => {
    const TOKEN = 'slave-api-token-17';
    const slave = await startServer({ role: 'slave', args: ['--no-compress', '--api-token', TOKEN] });
    tokens.set(slave.ports.api, TOKEN);
    await smallDefaultProfile(slave);
    // The camera has a publish key (security 17.1: the key was only checked on Factory 1).
    await json(slave.apiUrl(`/api/v1/cameras/${CAM}`), { method: 'PATCH', headers: JSON_HEADERS, body: JSON.stringify({ publishKey: 'cam-key' }) });
    // The compressor knows the slave's API token (--upstream-token, i.e. node.upstreams[].apiToken)
    // and pushes to the slave's Factory 2 with it, as user `compressor`.
    const compressor = await startServer({ role: 'compressor', args: ['--upstream', `http://127.0.0.1:${slave.ports.api}`, '--upstream-token', TOKEN] });
    await smallDefaultProfile(compressor);
    const camera = runFfmpeg(['-loglevel', 'error', ...syntheticCameraArgs(slave.rtmpUrl(`${CAM}?key=cam-key`), { size: '320x240', gop: 25 })]);

    // Anyone else pushing to Factory 2 is refused: no credentials (401), or the token for a path
    // outside the catalog (403); neither ever shows up on Factory 2.
    const push = async (url: string): Promise<string> => {
      const run = runFfmpeg(['-loglevel', 'error', ...syntheticCameraArgs(url, { format: 'rtsp', rtspTransport: 'tcp', seconds: 10 })]);
      const exit = await waitExit(run, 20_000);
      assert.notEqual(exit.code, 0, `${url} must be refused: ${run.stderr().slice(-500)}`);
      return run.stderr();
    };
    assert.match(await push(slave.rtspUrl(CAM, 'compressed')), /401|Unauthorized/i);
    assert.match(await push(slave.rtspUrl('evil/injected', 'compressed')), /401|Unauthorized/i);
    assert.match(await push(slave.rtspUrl('evil/injected', 'compressed').replace('rtsp://', `rtsp://compressor:${TOKEN}@`)), /403|Forbidden/i);
    const { items: afterAttacks } = await json<{ items: StreamItem[] }>(slave.apiUrl('/api/v1/streams?factory=compressed'));
    assert.equal(afterAttacks.some((x) => x.path === 'evil/injected' || x.publisher?.kind === 'rtsp' && x.video?.height !== 144), false, JSON.stringify(afterAttacks));
    const cams = await json<{ items: { id: string }[] }>(slave.apiUrl('/api/v1/cameras'));
    assert.equal(cams.items.some((c) => c.id === 'evil/injected'), false, 'nothing registered through Factory 2');

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
