/**
 * Issue 16.6: frames sent to readers are counted for every protocol. One RTSP reader, then one
 * RTMP reader, of a live camera: `cupola_factory_frames_total{direction="out"}` and the stream's
 * `framesOut` grow by at least the frames each one decoded, and bytes out grow with them.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { killAllFfmpeg, readWithFfmpeg, runFfmpeg, syntheticCameraArgs } from '../helpers/ffmpeg.ts';
import { startServer, stopAllServers, waitFor, type ServerProcess } from '../helpers/server.ts';
import { parsePrometheusText } from '../unit/src/metrics/prom-text.ts';

const CAM = 'site1/cam1';

async function counters(server: ServerProcess): Promise<{ frames: number; bytes: number; streamFrames: number }> {
  const text = await (await fetch(server.apiUrl('/metrics'), { signal: AbortSignal.timeout(3000) })).text();
  const samples = parsePrometheusText(text).samples;
  const one = (name: string): number =>
    samples.find((s) => s.name === name && s.labels.factory === 'raw' && s.labels.direction === 'out')?.value ?? 0;
  const res = await fetch(server.apiUrl('/api/v1/streams?factory=raw'), { signal: AbortSignal.timeout(3000) });
  const item = ((await res.json()) as { items: { path: string; framesOut: number }[] }).items.find((i) => i.path === CAM);
  return { frames: one('cupola_factory_frames_total'), bytes: one('cupola_factory_bytes_total'), streamFrames: item?.framesOut ?? 0 };
}

describe('frames out', { timeout: 120_000 }, () => {
  after(async () => {
    await killAllFfmpeg();
    await stopAllServers();
  });

  it('counts the frames sent to RTSP readers and to RTMP readers', async () => {
    const server = await startServer({ args: ['--no-compress'] });
    runFfmpeg(syntheticCameraArgs(server.rtmpUrl(CAM), { size: '320x240', fps: 15, gop: 15, audio: false }));
    await waitFor(async () => (await counters(server)).streamFrames >= 0 && (await fetch(server.apiUrl('/api/v1/streams?factory=raw'))).json().then((b) => (b as { items: unknown[] }).items.length > 0), 30_000, 'the camera live');

    const FRAMES = 30;
    for (const [protocol, url, inputArgs] of [
      ['rtsp', server.rtspUrl(CAM), ['-rtsp_transport', 'tcp']],
      ['rtmp', server.rtmpUrl(CAM), []],
    ] as const) {
      const before = await counters(server);
      const read = await readWithFfmpeg(url, { frames: FRAMES, timeoutMs: 30_000, inputArgs: [...inputArgs] });
      assert.ok(read.videoFrames >= FRAMES, `${protocol}: the reader decoded ${read.videoFrames} frames`);
      const after = await counters(server);
      assert.ok(after.bytes > before.bytes, `${protocol}: bytes out grew`);
      assert.ok(after.frames - before.frames >= FRAMES, `${protocol}: frames out grew by ${after.frames - before.frames}, the reader decoded ${read.videoFrames}`);
      assert.ok(after.streamFrames - before.streamFrames >= FRAMES, `${protocol}: the stream's framesOut grew by ${after.streamFrames - before.streamFrames}`);
    }
  });
});
