/**
 * A slave whose Factory 1 requires RTSP read credentials (factories.raw.auth.read): outside readers
 * need them (401 without), while the node's own clients — the compression worker's ffmpeg and the
 * thumbnail grabber — read with them, and the password never shows in the API. RTMP play needs
 * them too, as `?user=&pass=` (security 17.9).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAllFfmpeg, readWithFfmpeg, runFfmpeg, syntheticCameraArgs } from '../helpers/ffmpeg.ts';
import { startServer, stopAllServers, waitFor } from '../helpers/server.ts';

const CAM = 'site1/cam4';
const PASS = 'Pw-4-readers';

after(async () => {
  await killAllFfmpeg();
  await stopAllServers();
});

describe('Factory 1 with RTSP read credentials', { timeout: 120_000 }, () => {
  it('refuses anonymous readers; compression and thumbnails still read it; no password in the API', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cupola-auth-'));
    const config = join(dir, 'settings.json');
    writeFileSync(config, JSON.stringify({ factories: { raw: { auth: { read: { user: 'viewer', pass: PASS } } } } }));
    const slave = await startServer({ role: 'slave', args: ['--config', config] });
    const patch = await fetch(slave.apiUrl('/api/v1/profiles/default'), {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ height: 144, bitrateKbps: 150, maxrateKbps: 200, bufsizeKbps: 300, preset: 'ultrafast', gopFrames: 25 }),
    });
    assert.equal(patch.status, 200);
    runFfmpeg(['-loglevel', 'error', ...syntheticCameraArgs(slave.rtmpUrl(CAM), { size: '320x240', gop: 25 })]);

    await waitFor(async () => {
      const { items } = (await (await fetch(slave.apiUrl('/api/v1/streams?factory=compressed'))).json()) as { items: { path: string; video?: { height?: number } }[] };
      return items.some((s) => s.path === CAM && s.video?.height === 144);
    }, 60_000, 'the camera compressed into Factory 2 through the authenticated Factory 1');

    const anonymous = await readWithFfmpeg(slave.rtspUrl(CAM), { frames: 5, timeoutMs: 15_000, inputArgs: ['-rtsp_transport', 'tcp'] });
    assert.equal(anonymous.videoFrames, 0);
    assert.match(anonymous.stderr, /401|Unauthorized/i);
    const authed = await readWithFfmpeg(slave.rtspUrl(CAM).replace('rtsp://', `rtsp://viewer:${PASS}@`), { frames: 5, timeoutMs: 15_000, inputArgs: ['-rtsp_transport', 'tcp'] });
    assert.ok(authed.videoFrames >= 5, authed.stderr.slice(-1500));

    // RTMP play honours the same read credentials (security 17.9): refused without, plays with
    // ?user=&pass= in the stream name; a wrong password is refused too.
    const rtmpAnonymous = await readWithFfmpeg(slave.rtmpUrl(CAM), { frames: 5, timeoutMs: 15_000 });
    assert.equal(rtmpAnonymous.videoFrames, 0, 'RTMP without credentials must not play');
    assert.match(rtmpAnonymous.stderr, /Unauthorized|Play\.Failed/i, rtmpAnonymous.stderr.slice(-800));
    const rtmpWrong = await readWithFfmpeg(`${slave.rtmpUrl(CAM)}?user=viewer&pass=wrong`, { frames: 5, timeoutMs: 15_000 });
    assert.equal(rtmpWrong.videoFrames, 0, 'RTMP with a wrong password must not play');
    const rtmpAuthed = await readWithFfmpeg(`${slave.rtmpUrl(CAM)}?user=viewer&pass=${encodeURIComponent(PASS)}`, { frames: 5, timeoutMs: 15_000 });
    assert.ok(rtmpAuthed.videoFrames >= 5, rtmpAuthed.stderr.slice(-1500));
    assert.match(slave.logs(), /RTMP play refused: missing or wrong read credentials/);

    const thumb = await waitFor(async () => {
      const r = await fetch(slave.apiUrl(`/api/v1/cameras/${CAM}/snapshot.jpg`));
      return r.status === 200 ? Buffer.from(await r.arrayBuffer()) : undefined;
    }, 30_000, 'a thumbnail');
    assert.deepEqual([...thumb.subarray(0, 2)], [0xff, 0xd8], 'a JPEG');

    const compression = await (await fetch(slave.apiUrl('/api/v1/compression'))).text();
    assert.ok(compression.includes(CAM));
    assert.ok(!compression.includes(PASS), 'the read password leaked into /api/v1/compression');
    assert.ok(!slave.logs().includes(PASS), 'the read password leaked into the logs (RTMP play queries included)');
  });
});
