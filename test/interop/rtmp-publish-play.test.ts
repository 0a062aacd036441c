/**
 * RTMP interop with the real ffmpeg against `cupola serve` (slave, no compression): ffmpeg publishes
 * a synthetic camera; ffmpeg and our RtmpClient read it back. Covers codec/resolution/frame count,
 * 20 readers, a refused second publisher, publish keys, and readers surviving a republish.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decoderErrors, killAllFfmpeg, readWithFfmpeg, runFfmpeg, syntheticCameraArgs, waitExit, type FfmpegRun } from '../helpers/ffmpeg.ts';
import { startServer, stopAllServers, waitFor, type ServerProcess } from '../helpers/server.ts';
import { RtmpClient } from '../../src/rtmp/client/rtmp-client.ts';
import type { Frame, StreamDescription } from '../../protocols/media/frame.ts';

let server: ServerProcess;

/** Our RTMP client as a reader that records frames. */
function reader(url: string) {
  const frames: Frame[] = [];
  let description: StreamDescription | undefined;
  let closed: Error | null | undefined;
  const client = RtmpClient.play(url, {
    onDescription: (d) => (description = d),
    onFrame: (f) => frames.push(f),
    onClose: (e) => (closed = e),
  });
  return {
    client,
    frames,
    get description() {
      return description;
    },
    get closed() {
      return closed;
    },
    videoFrames: () => frames.filter((f) => f.track === 'video'),
  };
}

function publish(path: string, seconds = 60, size?: string): FfmpegRun {
  return runFfmpeg(['-loglevel', 'error', ...syntheticCameraArgs(server.rtmpUrl(path), { seconds, ...(size === undefined ? {} : { size }) })]);
}

async function waitLive(path: string): Promise<void> {
  await waitFor(async () => {
    const r = await fetch(server.apiUrl('/api/v1/streams')).catch(() => undefined);
    if (r === undefined || !r.ok) return false;
    return (await r.text()).includes(path);
  }, 15_000, `stream ${path} live`);
  // Metadata + sequence headers arrive right after publish; a first GOP takes up to 2 s at GOP 50.
  const probe = reader(server.rtmpUrl(path));
  try {
    await waitFor(() => probe.videoFrames().length > 0, 15_000, `first frame of ${path}`);
  } finally {
    probe.client.close();
  }
}

before(async () => {
  // These tests publish made-up paths (site1/interop*) after others gave cameras publish keys, which
  // turns the default auto-registration off (security 17.6): keep it on explicitly.
  const config = join(mkdtempSync(join(tmpdir(), 'cupola-interop-')), 'settings.json');
  writeFileSync(config, JSON.stringify({ cameras: { autoRegister: true } }));
  server = await startServer({ args: ['--no-compress', '--config', config] });
});

after(async () => {
  await killAllFfmpeg();
  await stopAllServers();
});

test('ffmpeg publishes 1280x720 25 fps H.264 + AAC (GOP 50), ffmpeg reads back: codec, resolution, frame count, clean decode', async () => {
  const pub = publish('site1/interop1', 20, '1280x720');
  try {
    await waitLive('site1/interop1');
    const r = await readWithFfmpeg(server.rtmpUrl('site1/interop1'), { frames: 50, timeoutMs: 20_000, extraArgs: ['-map', '0:a:0'] });
    assert.equal(r.codec, 'h264', r.stderr.slice(-2000));
    assert.equal(r.width, 1280);
    assert.equal(r.height, 720);
    assert.equal(r.audioCodec, 'aac');
    assert.ok(r.videoFrames >= 50, `frames ${r.videoFrames}`);
    assert.deepEqual(decoderErrors(r.stderr), [], 'decoder errors');
  } finally {
    await pub.stop();
  }
});

test('20 readers (ffmpeg and our client) get the stream, starting at a keyframe', async () => {
  const pub = publish('site1/interop2', 30);
  const ffReaders: FfmpegRun[] = [];
  const clients: ReturnType<typeof reader>[] = [];
  try {
    await waitLive('site1/interop2');
    for (let i = 0; i < 10; i++) {
      ffReaders.push(runFfmpeg(['-loglevel', 'info', '-i', server.rtmpUrl('site1/interop2'), '-map', '0:v', '-c', 'copy', '-frames:v', '60', '-f', 'null', '-']));
      clients.push(reader(server.rtmpUrl('site1/interop2')));
    }
    await waitFor(() => clients.every((c) => c.videoFrames().length >= 60), 20_000, 'every client reader got 60 frames');
    for (const c of clients) {
      assert.equal(c.description?.video?.width, 320);
      assert.equal(c.videoFrames()[0]?.keyframe, true, 'first video frame is a keyframe');
      const dts = c.videoFrames().map((f) => f.dts);
      for (let i = 1; i < dts.length; i++) assert.ok(dts[i]! > dts[i - 1]!, 'dts increases');
    }
    for (const f of ffReaders) {
      const { code } = await waitExit(f, 20_000);
      assert.equal(code, 0, f.stderr().slice(-1500));
      assert.match(f.stderr(), /Video: h264/);
    }
  } finally {
    for (const c of clients) c.client.close();
    await Promise.all(ffReaders.map((f) => f.stop()));
    await pub.stop();
  }
});

test('a second publisher on a live path is refused; the first keeps flowing', async () => {
  const pub = publish('site1/interop3', 30);
  try {
    await waitLive('site1/interop3');
    const watcher = reader(server.rtmpUrl('site1/interop3'));
    const second = publish('site1/interop3', 30);
    const { code } = await waitExit(second, 15_000);
    assert.notEqual(code, 0, 'second publisher exits with an error');
    const before = watcher.videoFrames().length;
    await waitFor(() => watcher.videoFrames().length >= before + 25, 10_000, 'first publisher still flowing');
    watcher.client.close();
    assert.match(server.logs(), /RTMP publish refused.*path-busy/);
  } finally {
    await pub.stop();
  }
});

test('publish keys: a wrong key is refused, the right one accepted', async () => {
  const res = await fetch(server.apiUrl('/api/v1/cameras'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'site1/keyed', enabled: true, publishKey: 'SECRET' }),
  });
  assert.equal(res.status, 201, await res.text());
  const wrong = publish('site1/keyed?key=WRONG', 10);
  assert.notEqual((await waitExit(wrong, 15_000)).code, 0);
  const none = publish('site1/keyed', 10);
  assert.notEqual((await waitExit(none, 15_000)).code, 0);
  assert.match(server.logs(), /RTMP publish refused.*bad-key/);
  const right = publish('site1/keyed?key=SECRET', 20);
  try {
    await waitLive('site1/keyed');
  } finally {
    await right.stop();
  }
});

test('a live keyed camera: a second publisher without the key gets the key error, not path-busy, and no address (security 17.5)', async () => {
  const res = await fetch(server.apiUrl('/api/v1/cameras'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'site1/keyed2', enabled: true, publishKey: 'SECRET2' }),
  });
  assert.equal(res.status, 201, await res.text());
  const owner = publish('site1/keyed2?key=SECRET2', 60);
  try {
    await waitLive('site1/keyed2');
    const intruder = runFfmpeg(['-loglevel', 'info', ...syntheticCameraArgs(server.rtmpUrl('site1/keyed2'), { seconds: 10 })]);
    assert.notEqual((await waitExit(intruder, 15_000)).code, 0, 'the intruder is refused');
    const said = intruder.stderr();
    assert.match(said, /publish key/i, `ffmpeg shows the server's reason: ${said.slice(-800)}`);
    assert.doesNotMatch(said, /already being published|path-busy/i, 'an unauthorised client learns nothing about the current publisher');
    assert.doesNotMatch(said, /127\.0\.0\.1:\d+ /, 'no publisher address');
    // An authorised second publisher gets path-busy, still without the first publisher's address.
    const second = runFfmpeg(['-loglevel', 'info', ...syntheticCameraArgs(server.rtmpUrl('site1/keyed2?key=SECRET2'), { seconds: 10 })]);
    assert.notEqual((await waitExit(second, 15_000)).code, 0);
    assert.match(second.stderr(), /already being published/, second.stderr().slice(-800));
    assert.doesNotMatch(second.stderr(), /published by/);
  } finally {
    await owner.stop();
  }
});

test('publisher disconnect and republish: readers recover without reconnecting', async () => {
  let pub = publish('site1/interop4', 60);
  await waitLive('site1/interop4');
  const watcher = reader(server.rtmpUrl('site1/interop4'));
  try {
    await waitFor(() => watcher.videoFrames().length >= 30, 15_000, 'frames before the drop');
    await pub.stop(); // SIGKILL: the connection just dies
    const countAtDrop = watcher.videoFrames().length;
    pub = publish('site1/interop4', 60);
    await waitFor(() => watcher.videoFrames().length >= countAtDrop + 60, 20_000, 'frames after republish');
    assert.equal(watcher.closed, undefined, 'the reader stayed connected');
    const dts = watcher.videoFrames().map((f) => f.dts);
    for (let i = 1; i < dts.length; i++) assert.ok(dts[i]! > dts[i - 1]!, `dts increases across the republish (${dts[i - 1]} -> ${dts[i]})`);
  } finally {
    watcher.client.close();
    await pub.stop();
  }
});
