/**
 * Who may add cameras and start encoders, through `cupola serve` and the bundled ffmpeg:
 *   - security 17.6: the quickstart (nothing secured) still takes a publish to site1/cam1 and
 *     auto-registers a new camera, saying so at start-up; once a camera has a publish key, unknown
 *     cameras are refused (over RTMP and over RTSP RECORD on Factory 1); an explicit
 *     `cameras.autoRegister: true` warns at start-up and stops at `cameras.autoRegisterMax`;
 *   - security 17.10: with auto-registration off, publishes to made-up paths start no ffmpeg; with
 *     `compression.maxWorkers: 1` a second catalog camera waits `queued` (API and metrics) and
 *     starts when the first camera leaves.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAllFfmpeg, runFfmpeg, syntheticCameraArgs, waitExit, type FfmpegRun } from '../helpers/ffmpeg.ts';
import { startServer, stopAllServers, waitFor, type ServerProcess } from '../helpers/server.ts';

after(async () => {
  await killAllFfmpeg();
  await stopAllServers();
});

const JSON_HEADERS = { 'content-type': 'application/json' };
const SMALL_PROFILE = { height: 144, bitrateKbps: 150, maxrateKbps: 200, bufsizeKbps: 300, preset: 'ultrafast', gopFrames: 25 };

function settingsFile(settings: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'cupola-policy-')), 'settings.json');
  writeFileSync(file, JSON.stringify(settings));
  return file;
}

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(3000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

const cameraIds = async (node: ServerProcess): Promise<string[]> => (await json<{ items: { id: string }[] }>(node.apiUrl('/api/v1/cameras'))).items.map((c) => c.id);
const liveRaw = async (node: ServerProcess, path: string): Promise<boolean> =>
  (await json<{ items: { path: string; publisher: unknown }[] }>(node.apiUrl('/api/v1/streams?factory=raw'))).items.some((s) => s.path === path && s.publisher !== null);

/** The ffmpeg processes the server spawned (its direct children). */
function ffmpegChildren(pid: number): number[] {
  let out = '';
  try {
    out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(pid)], { encoding: 'utf8' });
  } catch {
    return []; // ps exits 1 when there are no children
  }
  return out.split('\n').filter((l) => /ffmpeg/.test(l)).map((l) => Number(l.trim().split(/\s+/)[0]));
}

function publishRtmp(node: ServerProcess, path: string, seconds?: number): FfmpegRun {
  return runFfmpeg(['-loglevel', 'error', ...syntheticCameraArgs(node.rtmpUrl(path), { size: '320x240', gop: 25, ...(seconds !== undefined ? { seconds } : {}) })]);
}

async function refused(run: FfmpegRun): Promise<string> {
  const exit = await waitExit(run, 20_000);
  assert.notEqual(exit.code, 0, `must be refused: ${run.stderr().slice(-500)}`);
  return run.stderr();
}

describe('auto-registration and compression admission', { timeout: 240_000 }, () => {
  it('quickstart: site1/cam1 and a new camera are accepted; a publish key turns auto-registration off for RTMP and RTSP RECORD', async () => {
    const node = await startServer({ args: ['--no-compress'] });
    assert.match(node.logs(), /auto-registration is on because nothing is secured yet/);
    const cam1 = publishRtmp(node, 'site1/cam1');
    await waitFor(() => liveRaw(node, 'site1/cam1'), 20_000, 'site1/cam1 live out of the box');
    const fresh = publishRtmp(node, 'SITE1/cam3new');
    await waitFor(async () => (await cameraIds(node)).includes('SITE1/cam3new'), 20_000, 'the new camera auto-registered');
    assert.match(node.logs(), /camera auto-registered/);
    await fresh.stop();

    // Securing one camera turns the default off, at once (no restart).
    await json(node.apiUrl('/api/v1/cameras/site1/cam2'), { method: 'PATCH', headers: JSON_HEADERS, body: JSON.stringify({ publishKey: 'k2' }) });
    await refused(publishRtmp(node, 'SITE1/cam4new', 10));
    await refused(runFfmpeg(['-loglevel', 'error', ...syntheticCameraArgs(node.rtspUrl('evil/injected'), { format: 'rtsp', rtspTransport: 'tcp', seconds: 10 })]));
    assert.match(node.logs(), /RTMP publish refused.*unknown-camera/);
    assert.match(node.logs(), /RTSP publish refused.*unknown-camera/);
    const ids = await cameraIds(node);
    assert.equal(ids.includes('SITE1/cam4new') || ids.includes('evil/injected'), false, ids.join(' '));
    assert.equal(await liveRaw(node, 'site1/cam1'), true, 'the catalog camera keeps flowing');
    await cam1.stop();
  });

  it('explicit autoRegister: true warns at start-up and stops at autoRegisterMax', async () => {
    const node = await startServer({ args: ['--no-compress', '--config', settingsFile({ cameras: { autoRegister: true, autoRegisterMax: 1 } })] });
    assert.match(node.logs(), /cameras\.autoRegister is on: any publisher may add cameras/);
    const first = publishRtmp(node, 'lab/one');
    await waitFor(async () => (await cameraIds(node)).includes('lab/one'), 20_000, 'the first new camera registered');
    const said = await refused(runFfmpeg(['-loglevel', 'info', ...syntheticCameraArgs(node.rtmpUrl('lab/two'), { seconds: 10 })]));
    assert.match(said, /autoRegisterMax/, said.slice(-800));
    assert.match(node.logs(), /RTMP publish refused.*register-limit/);
    assert.equal((await cameraIds(node)).includes('lab/two'), false);
    await first.stop();
  });

  it('compression: made-up paths start no ffmpeg when auto-registration is off; over maxWorkers a camera is queued', async () => {
    const node = await startServer({ args: ['--config', settingsFile({ cameras: { autoRegister: false }, compression: { maxWorkers: 1 } })] });
    await json(node.apiUrl('/api/v1/profiles/default'), { method: 'PATCH', headers: JSON_HEADERS, body: JSON.stringify(SMALL_PROFILE) });
    assert.doesNotMatch(node.logs(), /auto-registration is on/);
    for (const path of ['evil/a1', 'evil/a2', 'made/up']) await refused(publishRtmp(node, path, 10));
    assert.deepEqual(ffmpegChildren(node.pid), [], 'no encoder for a refused publisher');
    assert.deepEqual((await json<{ items: unknown[] }>(node.apiUrl('/api/v1/compression'))).items, []);

    // Catalog cameras are compressed, one at a time: the second waits queued.
    type Item = { path: string; state: string; pid: number | null };
    const comp = async (): Promise<Item[]> => (await json<{ items: Item[] }>(node.apiUrl('/api/v1/compression'))).items;
    const cam1 = publishRtmp(node, 'site1/cam1');
    await waitFor(async () => (await comp()).some((c) => c.path === 'site1/cam1' && c.state === 'running'), 40_000, 'cam1 compressed');
    const cam2 = publishRtmp(node, 'site1/cam2');
    await waitFor(async () => (await comp()).some((c) => c.path === 'site1/cam2' && c.state === 'queued'), 20_000, 'cam2 queued');
    assert.equal(ffmpegChildren(node.pid).length, 1, 'one encoder at most');
    const metrics = await (await fetch(node.apiUrl('/metrics'))).text();
    assert.match(metrics, /^cupola_compression_queued 1$/m);
    assert.match(metrics, /^cupola_compression_state\{camera="site1\/cam2",state="queued"\} 1$/m);
    await cam1.stop();
    await waitFor(async () => (await comp()).some((c) => c.path === 'site1/cam2' && c.state === 'running'), 40_000, 'cam2 takes the freed slot');
    await cam2.stop();
  });
});
