/**
 * `cupola probe URL` as a user runs it (the bin, a separate process) against a running slave with a
 * camera publishing: the RTMP and RTSP reports name the codecs, resolution and frame rate, and an
 * unreachable URL exits 1 with the reason.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { killAllFfmpeg, runFfmpeg, syntheticCameraArgs } from '../helpers/ffmpeg.ts';
import { repoRoot, startServer, stopAllServers, waitFor } from '../helpers/server.ts';

const run = promisify(execFile);
const bin = join(repoRoot, 'bin/cupola.js');

interface Report {
  protocol: string;
  tracks: { kind: string; codec: string; width?: number; height?: number; fps: number; frames: number; sampleRate?: number }[];
}

after(async () => {
  await killAllFfmpeg();
  await stopAllServers();
});

describe('cupola probe (CLI process)', { timeout: 90_000 }, () => {
  it('reports tracks of an rtmp:// and an rtsp:// stream, and fails clearly on a dead URL', async () => {
    const slave = await startServer({ role: 'slave', args: ['--no-compress'] });
    runFfmpeg(['-loglevel', 'error', ...syntheticCameraArgs(slave.rtmpUrl('site1/cam1'), { size: '320x240', fps: 25, gop: 25 })]);
    await waitFor(async () => {
      const r = await fetch(slave.apiUrl('/api/v1/streams'));
      return ((await r.json()) as { items: { publisher: unknown }[] }).items.some((s) => s.publisher !== null);
    }, 30_000, 'the camera live');
    for (const url of [slave.rtmpUrl('site1/cam1'), slave.rtspUrl('site1/cam1')]) {
      const { stdout } = await run(process.execPath, [bin, 'probe', '--json', '--seconds', '2', url], { timeout: 30_000 });
      const report = JSON.parse(stdout) as Report;
      assert.equal(report.protocol, url.slice(0, 4));
      const video = report.tracks.find((t) => t.kind === 'video');
      const audio = report.tracks.find((t) => t.kind === 'audio');
      assert.deepEqual([video?.codec, video?.width, video?.height], ['h264', 320, 240], stdout);
      assert.ok(video !== undefined && Math.abs(video.fps - 25) < 2, `fps ${video?.fps}`);
      assert.deepEqual([audio?.codec, audio?.sampleRate], ['aac', 44100], stdout);
    }
    const dead = await run(process.execPath, [bin, 'probe', '--timeout', '1500', `rtsp://127.0.0.1:${slave.ports.rtsp}/site9/none`], { timeout: 30_000 }).then(
      () => null,
      (err: { code?: number; stderr?: string }) => err,
    );
    assert.ok(dead !== null, 'probe of a missing stream must fail');
    assert.equal(dead.code, 1);
    assert.match(dead.stderr ?? '', /404|not found/i);
  });
});
