/**
 * Through `cupola serve`: an RTMP-published camera read back over RTSP (Factory 1) with ffmpeg
 * over TCP and UDP; ffmpeg pushing `-f rtsp` (TCP and UDP) into Factory 2, read back over RTSP
 * (RTMP play serves Factory 1 only).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decoderErrors, killAllFfmpeg, readWithFfmpeg, runFfmpeg, syntheticCameraArgs } from '../helpers/ffmpeg.ts';
import { startServer, stopAllServers, waitFor, type ServerProcess } from '../helpers/server.ts';

async function readClean(url: string, inputArgs: string[], frames = 40): Promise<void> {
  const probe = await readWithFfmpeg(url, { frames, timeoutMs: 20_000, inputArgs });
  assert.equal(probe.codec, 'h264', probe.stderr.slice(-2000));
  assert.equal(probe.width, 320);
  assert.equal(probe.height, 240);
  assert.equal(probe.audioCodec, 'aac');
  assert.ok(probe.videoFrames >= frames, `${url} ${inputArgs.join(' ')}: ${probe.videoFrames} frames`);
  assert.deepEqual(decoderErrors(probe.stderr), [], `decoder errors reading ${url} ${inputArgs.join(' ')}`);
}

const PUSH_TOKEN = 'push-token-17';

describe('RTSP through cupola serve', { timeout: 180_000 }, () => {
  let server: ServerProcess;
  before(async () => {
    // Factory 2 takes remote pushes only with credentials (security 17.1): here the API token, as
    // the compressor role sends it (user `compressor`).
    server = await startServer({ args: ['--no-compress', '--api-token', PUSH_TOKEN] });
  });
  after(async () => {
    await killAllFfmpeg();
    await server?.stop();
    await stopAllServers();
  });

  it('RTMP-published camera read over RTSP (tcp and udp)', async () => {
    const path = 'site1/cam1';
    runFfmpeg(syntheticCameraArgs(server.rtmpUrl(path), { seconds: 60, gop: 25 }));
    for (const transport of ['tcp', 'udp']) {
      await waitFor(async () => (await readWithFfmpeg(server.rtspUrl(path), { frames: 1, timeoutMs: 5000, inputArgs: ['-rtsp_transport', 'tcp'] })).videoFrames >= 1, 20_000, 'RTSP stream up');
      await readClean(server.rtspUrl(path), ['-rtsp_transport', transport]);
    }
  });

  for (const [push, path] of [['tcp', 'site1/cam2'], ['udp', 'site1/cam3']] as const) {
    it(`ffmpeg pushes -f rtsp over ${push} into Factory 2 (with the push credentials); read back over RTSP (tcp and udp)`, async () => {
      runFfmpeg(syntheticCameraArgs(server.rtspUrl(path, 'compressed').replace('rtsp://', `rtsp://compressor:${PUSH_TOKEN}@`), { format: 'rtsp', rtspTransport: push, seconds: 60, gop: 25 }));
      await waitFor(async () => (await readWithFfmpeg(server.rtspUrl(path, 'compressed'), { frames: 1, timeoutMs: 5000, inputArgs: ['-rtsp_transport', 'tcp'] })).videoFrames >= 1, 20_000, 'pushed stream up');
      await readClean(server.rtspUrl(path, 'compressed'), ['-rtsp_transport', 'tcp']);
      await readClean(server.rtspUrl(path, 'compressed'), ['-rtsp_transport', 'udp']);
    });
  }
});
