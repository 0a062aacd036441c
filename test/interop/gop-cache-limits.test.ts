/**
 * The GOP cache's limits on a real `cupola serve` with real ffmpeg cameras and readers:
 *  - limits.maxGopCacheBytes bounds what every stream's and output's cache holds together (the
 *    gauge stays under it, the refusals are counted) and readers still play, from the next keyframe;
 *  - limits.gopCacheBytes 0 turns the cache off: nothing held, readers still play.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAllFfmpeg, readWithFfmpeg, runFfmpeg, syntheticCameraArgs } from '../helpers/ffmpeg.ts';
import { startServer, stopAllServers, waitFor, type ServerProcess } from '../helpers/server.ts';
import { parsePrometheusText, valueOf } from '../unit/src/metrics/prom-text.ts';

after(async () => {
  await killAllFfmpeg();
  await stopAllServers();
});

async function serveWith(limits: Record<string, number>): Promise<ServerProcess> {
  const config = join(mkdtempSync(join(tmpdir(), 'cupola-gop-')), 'settings.json');
  writeFileSync(config, JSON.stringify({ limits }));
  return startServer({ args: ['--no-compress', '--config', config] });
}

async function metric(server: ServerProcess, name: string): Promise<number> {
  const exp = parsePrometheusText(await (await fetch(server.apiUrl('/metrics'))).text());
  return valueOf(exp, name) ?? 0;
}

async function live(server: ServerProcess, paths: readonly string[]): Promise<void> {
  await waitFor(async () => {
    const r = await fetch(server.apiUrl('/api/v1/streams')).catch(() => undefined);
    const text = r !== undefined && r.ok ? await r.text() : '';
    return paths.every((p) => text.includes(p));
  }, 20_000, `${paths.join(', ')} live`);
}

test('limits.maxGopCacheBytes bounds all GOP caches together; readers still play, from the next keyframe', async () => {
  const BUDGET = 48 * 1024;
  const server = await serveWith({ maxGopCacheBytes: BUDGET });
  const cams = ['site1/cam1', 'site1/cam2'];
  for (const c of cams) runFfmpeg(['-loglevel', 'error', ...syntheticCameraArgs(server.rtmpUrl(c), { seconds: 120, bitrateK: 400 })]);
  await live(server, cams);
  const readers = await Promise.all([
    readWithFfmpeg(server.rtspUrl('site1/cam1'), { frames: 25, timeoutMs: 30_000, inputArgs: ['-rtsp_transport', 'tcp'] }),
    readWithFfmpeg(server.rtmpUrl('site1/cam2'), { frames: 25, timeoutMs: 30_000 }),
  ]);
  for (const r of readers) assert.ok(r.videoFrames >= 25, `a reader decoded ${r.videoFrames} frames`);
  let peak = 0;
  for (let i = 0; i < 10; i++) {
    peak = Math.max(peak, await metric(server, 'cupola_gop_cache_bytes'));
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.ok(peak > 0, 'the caches hold something');
  assert.ok(peak <= BUDGET, `the caches held ${peak} bytes, over the budget of ${BUDGET}`);
  assert.ok((await metric(server, 'cupola_gop_cache_refusals_total')) > 0, 'two 400 kbit/s cameras with 2 s GOPs do not fit 48 KiB: refusals counted');
  await server.stop();
});

test('limits.gopCacheBytes 0 turns the GOP cache off: nothing is held and readers still play', async () => {
  const server = await serveWith({ gopCacheBytes: 0 });
  runFfmpeg(['-loglevel', 'error', ...syntheticCameraArgs(server.rtmpUrl('site1/cam1'), { seconds: 120 })]);
  await live(server, ['site1/cam1']);
  const r = await readWithFfmpeg(server.rtspUrl('site1/cam1'), { frames: 25, timeoutMs: 30_000, inputArgs: ['-rtsp_transport', 'tcp'] });
  assert.ok(r.videoFrames >= 25, `the reader decoded ${r.videoFrames} frames`);
  assert.equal(await metric(server, 'cupola_gop_cache_bytes'), 0);
  await server.stop();
});
