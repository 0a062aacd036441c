/**
 * The compressor worker thread against the real bundled ffmpeg (lavfi input, small and short).
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Worker } from 'node:worker_threads';
import { createServer, type Server, type Socket } from 'node:net';
import { accessSync, constants } from 'node:fs';
import { MessageLog, TINY_PROFILE, isAlive, killIfAlive, lavfiStart, startWorker, waitGone } from './worker-harness.ts';

const pids = new Set<number>();
const workers = new Set<Worker>();

after(async () => {
  for (const w of workers) await w.terminate();
  for (const pid of pids) killIfAlive(pid);
});

/** Registers the worker and its ffmpeg PIDs for cleanup. */
function track(w: Worker): void {
  workers.add(w);
  w.on('message', (m: { type: string; pid?: number }) => {
    if (m.type === 'ffmpeg-started' && m.pid !== undefined) pids.add(m.pid);
  });
}

describe('compressor worker (real ffmpeg)', { timeout: 60_000 }, () => {
  it('h264 profile: description with the profile codec and size, keyframe-first frames as ArrayBuffers, progress', async () => {
    const log = new MessageLog();
    const w = startWorker(log);
    track(w);
    w.postMessage(lavfiStart(TINY_PROFILE));
    const desc = await log.waitFor('description', 15_000);
    assert.equal(desc.desc.video?.codec, 'h264');
    assert.equal(desc.desc.video?.width, 160, 'scale=-2:120 keeps 4:3');
    assert.equal(desc.desc.video?.height, 120);
    await log.waitFor('frame', 10_000, (_m) => log.of('frame').length >= 10);
    const frames = log.of('frame');
    assert.equal(frames[0]!.keyframe, true);
    assert.ok(frames.every((f) => f.payload instanceof ArrayBuffer && f.payload.byteLength > 0));
    assert.ok(frames.every((f, i) => i === 0 || f.dts >= frames[i - 1]!.dts));
    const p = await log.waitFor('progress', 10_000, (m) => m.frames > 0);
    assert.ok(p.fps >= 0 && p.restarts === 0);
    const pid = log.of('ffmpeg-started')[0]!.pid;
    w.postMessage({ type: 'stop' });
    await log.waitFor('stopped', 10_000);
    assert.equal(await waitGone(pid, 5000), true, 'ffmpeg gone after stop');
    const code = await new Promise<number>((resolve) => w.once('exit', resolve));
    assert.equal(code, 0, 'the thread ends by itself after stop');
  });

  it('h265 profile goes through MPEG-TS and arrives as h265 with VPS/SPS/PPS, its first description with the audio', async () => {
    const log = new MessageLog();
    const w = startWorker(log);
    track(w);
    const withAudio = 'testsrc2=size=320x240:rate=10[out0];sine=frequency=440:sample_rate=16000[out1]';
    w.postMessage(lavfiStart({ ...TINY_PROFILE, codec: 'h265', width: 128, height: undefined, audio: 'aac', audioBitrateKbps: 24 }, { inputUrl: withAudio }));
    const desc = await log.waitFor('description', 20_000);
    // MPEG-TS carries the AAC config only in the first audio PES, after the first video one: the
    // stream must not go live (and be DESCRIBEd) without its audio.
    assert.equal(desc.desc.audio?.codec, 'aac', 'audio in the first description');
    assert.equal(desc.desc.video?.codec, 'h265');
    assert.equal(desc.desc.video?.width, 128);
    assert.equal(desc.desc.video?.height, 96);
    assert.ok(desc.desc.video?.vps && desc.desc.video.sps && desc.desc.video.pps);
    await log.waitFor('frame', 10_000, (f) => f.track === 'audio');
    assert.equal(log.of('description').length, 1, 'described once');
    w.postMessage({ type: 'stop' });
    await log.waitFor('stopped', 10_000);
  });

  it('h264_vaapi without a usable GPU render node: unsupported with the reason, no ffmpeg started', async (t) => {
    try {
      accessSync('/dev/dri/renderD128', constants.R_OK | constants.W_OK);
      t.skip('this machine has a VAAPI render node');
      return;
    } catch {
      // no device: the case under test
    }
    const log = new MessageLog();
    const w = startWorker(log);
    track(w);
    w.postMessage(lavfiStart({ ...TINY_PROFILE, codec: 'h264_vaapi' }));
    const u = await log.waitFor('unsupported', 15_000);
    assert.match(u.message, /h264_vaapi: VAAPI device \/dev\/dri\/renderD128 (does not exist|is not)/);
    assert.equal(log.of('ffmpeg-started').length, 0);
    w.postMessage({ type: 'stop' });
    await log.waitFor('stopped', 10_000);
  });

  it('ffmpeg killed: exit reported with its stderr tail, restarted with backoff, frames resume', async () => {
    const log = new MessageLog();
    const w = startWorker(log);
    track(w);
    w.postMessage(lavfiStart(TINY_PROFILE));
    const first = await log.waitFor('ffmpeg-started', 15_000);
    await log.waitFor('frame', 10_000);
    process.kill(first.pid, 'SIGKILL');
    const exited = await log.waitFor('ffmpeg-exited', 5000);
    assert.equal(exited.signal, 'SIGKILL');
    const backoff = await log.waitFor('backoff', 5000);
    assert.equal(backoff.attempt, 1);
    const second = await log.waitFor('ffmpeg-started', 5000, (m) => m.pid !== first.pid);
    const mark = log.messages.length;
    await log.waitFor('description', 10_000, () => true, mark);
    await log.waitFor('frame', 10_000, () => true, mark);
    const p = await log.waitFor('progress', 10_000, () => true, mark);
    assert.equal(p.restarts, 1);
    w.postMessage({ type: 'stop' });
    await log.waitFor('stopped', 10_000);
    assert.equal(await waitGone(second.pid, 5000), true);
  });

  it('no output within stallTimeoutMs: stalled, killed and restarted', async () => {
    // A TCP peer that accepts and never sends: ffmpeg blocks reading its input.
    const sockets = new Set<Socket>();
    const server: Server = createServer((s) => sockets.add(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const log = new MessageLog();
    const w = startWorker(log);
    track(w);
    try {
      w.postMessage(lavfiStart(TINY_PROFILE, { inputUrl: `tcp://127.0.0.1:${port}`, inputArgs: ['-f', 'flv'], stallTimeoutMs: 1000 }));
      const first = await log.waitFor('ffmpeg-started', 15_000);
      await log.waitFor('stalled', 5000);
      await log.waitFor('ffmpeg-exited', 5000);
      await log.waitFor('ffmpeg-started', 5000, (m) => m.pid !== first.pid);
      assert.equal(isAlive(first.pid), false);
      w.postMessage({ type: 'stop' });
      await log.waitFor('stopped', 10_000);
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  });

  it('worker thread terminated without stop: its ffmpeg dies with it (watchdog pipe closes)', async () => {
    const log = new MessageLog();
    const w = startWorker(log);
    track(w);
    w.postMessage(lavfiStart(TINY_PROFILE));
    const started = await log.waitFor('ffmpeg-started', 15_000);
    await log.waitFor('frame', 10_000);
    await w.terminate();
    assert.equal(await waitGone(started.pid, 5000), true, `ffmpeg ${started.pid} survived its worker`);
  });
});
