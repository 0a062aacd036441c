/**
 * Through `cupola serve`: a camera that pushes RTSP (ANNOUNCE/RECORD) instead of RTMP lands in
 * Factory 1 under the same publish policy as RTMP cameras (a camera with a publish key needs
 * `?key=`), and its stream is read back over RTMP and RTSP like any other.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { decoderErrors, killAllFfmpeg, readWithFfmpeg, runFfmpeg, syntheticCameraArgs, waitExit } from '../helpers/ffmpeg.ts';
import { startServer, stopAllServers, waitFor } from '../helpers/server.ts';

after(async () => {
  await killAllFfmpeg();
  await stopAllServers();
});

describe('RTSP-pushing cameras on Factory 1', { timeout: 120_000 }, () => {
  it('accepts a keyed camera with its key, refuses it without, and serves it over RTMP and RTSP', async () => {
    const server = await startServer({ args: ['--no-compress'] });
    const res = await fetch(server.apiUrl('/api/v1/cameras/site1/cam3'), {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ publishKey: 's3cret' }),
    });
    assert.equal(res.status, 200, await res.text());
    const path = 'site1/cam3';

    const refused = runFfmpeg(['-loglevel', 'error', ...syntheticCameraArgs(server.rtspUrl(path), { format: 'rtsp', rtspTransport: 'tcp', gop: 25 })]);
    const exit = await waitExit(refused, 20_000);
    assert.notEqual(exit.code, 0, 'a push without the key must fail');
    assert.match(refused.stderr(), /403|Forbidden/i, refused.stderr());

    const cam = runFfmpeg(['-loglevel', 'error', ...syntheticCameraArgs(`${server.rtspUrl(path)}?key=s3cret`, { format: 'rtsp', rtspTransport: 'tcp', gop: 25 })]);
    const stream = await waitFor(async () => {
      const { items } = (await (await fetch(server.apiUrl('/api/v1/streams?factory=raw'))).json()) as { items: { path: string; publisher: { kind: string } | null; audio?: unknown }[] };
      return items.find((s) => s.path === path && s.publisher?.kind === 'rtsp' && s.audio !== undefined);
    }, 20_000, 'the RTSP-pushed camera live on Factory 1').catch(async (err: unknown) => {
      throw new Error(`${String(err)}\nffmpeg: ${cam.stderr().slice(-1500)}\n${await (await fetch(server.apiUrl('/api/v1/streams'))).text()}\n${server.logs().split('\n').filter((l) => l.includes('RTSP')).slice(-10).join('\n')}`);
    });
    assert.equal(stream.publisher?.kind, 'rtsp');
    // Security 17.5: while the camera is live, a push without the key is refused for the key (403),
    // before anything about the path is revealed (a busy path would answer 400).
    const intruder = runFfmpeg(['-loglevel', 'error', ...syntheticCameraArgs(server.rtspUrl(path), { format: 'rtsp', rtspTransport: 'tcp', gop: 25 })]);
    assert.notEqual((await waitExit(intruder, 20_000)).code, 0);
    assert.match(intruder.stderr(), /403|Forbidden/i, intruder.stderr());
    assert.doesNotMatch(intruder.stderr(), /400|Bad Request/i);
    for (const [url, inputArgs] of [[server.rtmpUrl(path), []], [server.rtspUrl(path), ['-rtsp_transport', 'tcp']]] as const) {
      const probe = await readWithFfmpeg(url, { frames: 30, timeoutMs: 20_000, inputArgs: [...inputArgs] });
      assert.deepEqual([probe.codec, probe.width, probe.height, probe.audioCodec], ['h264', 320, 240, 'aac'], probe.stderr.slice(-1500));
      assert.ok(probe.videoFrames >= 30, `${url}: ${probe.videoFrames} frames`);
      assert.deepEqual(decoderErrors(probe.stderr), [], `decoder errors reading ${url}`);
    }
  });
});
