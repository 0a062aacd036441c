/**
 * The snapshot grabber against the real bundled ffmpeg: a picture from a local file, and a stream
 * that never answers (killed at the timeout).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ffmpegPath, runFfmpeg, waitExit } from '../helpers/ffmpeg.ts';
import { SnapshotGrabError, grabJpegWithFfmpeg } from '../../src/snapshots/ffmpeg-grab.ts';

describe('snapshot grab with the bundled ffmpeg', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cupola-snapshot-'));
  const file = join(dir, 'clip.mp4');
  let silent: Server;
  const sockets = new Set<Socket>();

  before(async () => {
    const run = runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=10', '-t', '0.5', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', file]);
    const { code } = await waitExit(run, 15_000);
    assert.equal(code, 0, run.stderr());
    silent = createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  });

  after(() => {
    for (const s of sockets) s.destroy();
    silent.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('returns a JPEG scaled to the asked width', async () => {
    const jpeg = await grabJpegWithFfmpeg(ffmpegPath)(file, { widthPx: 160, timeoutMs: 10_000 });
    assert.equal(jpeg[0], 0xff);
    assert.equal(jpeg[1], 0xd8);
    assert.equal(jpeg.at(-2), 0xff);
    assert.equal(jpeg.at(-1), 0xd9);
    // SOF0 marker: height then width, big-endian.
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
    assert.ok(sof > 0, 'baseline JPEG frame header');
    assert.equal(jpeg.readUInt16BE(sof + 5), 90);
    assert.equal(jpeg.readUInt16BE(sof + 7), 160);
  });

  it('kills ffmpeg and rejects when the stream never answers', async () => {
    const port = (silent.address() as { port: number }).port;
    const started = Date.now();
    await assert.rejects(
      grabJpegWithFfmpeg(ffmpegPath)(`rtsp://127.0.0.1:${port}/nobody`, { timeoutMs: 800 }),
      (err: unknown) => err instanceof SnapshotGrabError && /no picture within 800 ms/.test(err.message),
    );
    assert.ok(Date.now() - started < 5000);
  });

  it('rejects with ffmpeg\'s reason for a missing input', async () => {
    await assert.rejects(grabJpegWithFfmpeg(ffmpegPath)(join(dir, 'missing.mp4'), { timeoutMs: 5000 }), /exited with code 1: .*No such file/);
  });

  it('honours an abort signal', async () => {
    const port = (silent.address() as { port: number }).port;
    const ac = new AbortController();
    const p = grabJpegWithFfmpeg(ffmpegPath)(`rtsp://127.0.0.1:${port}/nobody`, { timeoutMs: 10_000, signal: ac.signal });
    setTimeout(() => ac.abort(), 200);
    await assert.rejects(p, /aborted/);
  });
});
