/**
 * The RTMP listener in-process on 127.0.0.1 port 0, with our own RtmpClient as publisher and
 * players: H.264/AAC and H.265 (Enhanced RTMP and legacy codec id 12) round trips through the
 * shared play output, joiners starting at the cached keyframe, refusals, and stream end.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { ClientHandshake } from '../../../../../protocols/rtmp/handshake/client-handshake.ts';
import { StreamRegistry } from '../../../../../src/streams/registry.ts';
import { PublishRejectedError } from '../../../../../src/streams/types.ts';
import { startRtmpListener, type RtmpListener, type RtmpListenerOptions } from '../../../../../src/rtmp/server/rtmp-listener.ts';
import { createLogger } from '../../../../../src/log/logger.ts';
import { openUpstreamSource, rtmpUrlWithCredentials } from '../../../../../src/replication/sources.ts';
import { RtmpClient, RtmpClientError } from '../../../../../src/rtmp/client/rtmp-client.ts';
import type { Frame, StreamDescription } from '../../../../../protocols/media/frame.ts';
import { AAC_LC_44100_MONO, au, H264_IDR, H264_NON_IDR, H264_PPS, H264_SPS, H265_IDR, H265_PPS, H265_SPS, H265_TRAIL, H265_VPS } from '../../../protocols/flv/fixtures.ts';

const log = createLogger('silent');
const listeners: RtmpListener[] = [];
const clients: RtmpClient[] = [];

after(async () => {
  for (const c of clients) c.close();
  await Promise.all(listeners.map((l) => l.close()));
});

async function setup(options: Partial<RtmpListenerOptions> = {}, registry = new StreamRegistry('raw', { unpublishedGraceMs: 200 })) {
  const listener = await startRtmpListener({ port: 0, host: '127.0.0.1', ...options }, { registry, log });
  listeners.push(listener);
  return { registry, listener, url: (path: string) => `rtmp://127.0.0.1:${listener.port}/${path}` };
}

function startPublisher(url: string, desc: StreamDescription): Promise<RtmpClient> {
  return new Promise((resolve, reject) => {
    const c = RtmpClient.publish(url, {
      onStarted: () => resolve(c),
      onClose: (e) => reject(e ?? new Error('publisher closed')),
    });
    clients.push(c);
    c.setMetadata({ encoder: 'test' });
    c.setDescription(desc);
  });
}

interface Player {
  client: RtmpClient;
  frames: Frame[];
  descriptions: StreamDescription[];
  metadata: Readonly<Record<string, unknown>>[];
  closed: Promise<Error | null>;
  waitFrames(n: number): Promise<void>;
}

function startPlayer(url: string): Player {
  const frames: Frame[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  let closeResolve!: (e: Error | null) => void;
  const closed = new Promise<Error | null>((r) => (closeResolve = r));
  const p: Player = {
    frames,
    descriptions: [],
    metadata: [],
    closed,
    client: RtmpClient.play(url, {
      onDescription: (d) => p.descriptions.push(d),
      onMetadata: (m) => p.metadata.push(m),
      onFrame: (f) => {
        frames.push(f);
        for (const w of waiters.filter((x) => frames.length >= x.n)) w.resolve();
      },
      onClose: (e) => closeResolve(e),
    }),
    waitFrames: (n) =>
      new Promise<void>((resolve, reject) => {
        if (frames.length >= n) return resolve();
        const t = setTimeout(() => reject(new Error(`only ${frames.length} of ${n} frames`)), 5000);
        waiters.push({ n, resolve: () => (clearTimeout(t), resolve()) });
      }),
  };
  clients.push(p.client);
  return p;
}

const H264_AAC: StreamDescription = {
  video: { codec: 'h264', sps: H264_SPS, pps: H264_PPS },
  audio: { codec: 'aac', sampleRate: 44100, channels: 1, config: AAC_LC_44100_MONO },
};
const H265: StreamDescription = { video: { codec: 'h265', vps: H265_VPS, sps: H265_SPS, pps: H265_PPS } };

function gop(codec: 'h264' | 'h265', start: number, count: number): Frame[] {
  const out: Frame[] = [];
  for (let i = 0; i < count; i++) {
    const dts = (start + i) * 40;
    const payload = au(i === 0 ? (codec === 'h264' ? H264_IDR : H265_IDR) : codec === 'h264' ? H264_NON_IDR : H265_TRAIL, Buffer.alloc(i * 50, i));
    out.push({ track: 'video', dts, pts: dts + 80, keyframe: i === 0, payload });
  }
  return out;
}

/**
 * Drives a publisher by hand: `step()` sends one more 40 ms step (a video frame, a keyframe every
 * 10th, and with `audio` an audio frame); `until(done)` steps until `done` holds (bounded).
 */
function liveStepper(pub: RtmpClient, audio: boolean): { step(): void; until(done: () => boolean, what: string): Promise<void> } {
  let n = 0;
  const step = (): void => {
    const dts = n * 40;
    const key = n % 10 === 0;
    pub.pushFrame({ track: 'video', dts, pts: dts, keyframe: key, payload: au(key ? H264_IDR : H264_NON_IDR, Buffer.alloc(20, n & 0xff)) });
    if (audio) pub.pushFrame({ track: 'audio', dts: dts + 1, pts: dts + 1, keyframe: true, payload: Buffer.from('2110', 'hex') });
    n++;
  };
  const until = async (done: () => boolean, what: string): Promise<void> => {
    for (let i = 0; i < 400 && !done(); i++) {
      step();
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.ok(done(), what);
  };
  return { step, until };
}

async function waitLive(registry: StreamRegistry, path: string, frames: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const s = registry.get(path);
    if (s?.live && s.stats.framesIn >= frames) return;
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`${path} not live with ${frames} frames`);
}

for (const c of [
  { name: 'H.264 + AAC', desc: H264_AAC, codec: 'h264' as const, options: {} },
  { name: 'H.265 over Enhanced RTMP', desc: H265, codec: 'h265' as const, options: {} },
  { name: 'H.265 over legacy codec id 12', desc: H265, codec: 'h265' as const, options: { hevc: 'legacy' as const } },
]) {
  test(`publish -> play round trip: ${c.name}; a joiner starts at the cached keyframe`, async () => {
    const { registry, url } = await setup(c.options);
    const pub = await startPublisher(url('site1/cam1'), c.desc);
    const first = gop(c.codec, 0, 5);
    for (const f of first) pub.pushFrame(f);
    if (c.desc.audio !== undefined) pub.pushFrame({ track: 'audio', dts: 10, pts: 10, keyframe: true, payload: Buffer.from('2110', 'hex') });
    await waitLive(registry, 'site1/cam1', first.length);
    const player = startPlayer(url('site1/cam1'));
    const expected = first.length + (c.desc.audio !== undefined ? 1 : 0);
    await player.waitFrames(expected);
    assert.equal(player.descriptions[0]?.video?.codec, c.codec);
    assert.equal(player.descriptions[0]?.video?.width, 64);
    assert.deepEqual(player.descriptions[0]?.video?.sps, c.desc.video?.sps);
    assert.equal(player.metadata[0]?.['encoder'], 'test');
    const video = player.frames.filter((f) => f.track === 'video');
    assert.deepEqual(video.map((f) => [f.dts, f.pts, f.keyframe]), first.map((f) => [f.dts, f.pts, f.keyframe]));
    assert.deepEqual(video.map((f) => f.payload), first.map((f) => f.payload));
    // Live frames after the cached GOP.
    const next = gop(c.codec, 5, 3);
    for (const f of next) pub.pushFrame(f);
    await player.waitFrames(expected + next.length);
  });
}

test('play of a stream that is not live is refused with NetStream.Play.StreamNotFound', async () => {
  const { url } = await setup();
  const player = startPlayer(url('site1/none'));
  const err = await player.closed;
  assert.ok(err instanceof RtmpClientError);
  assert.equal(err.code, 'NetStream.Play.StreamNotFound');
});

test('read credentials (security 17.9): play needs ?user=&pass=, refused with NetStream.Play.Failed before the path is looked at; replication sends its upstream credentials', { timeout: 20_000 }, async () => {
  const { url } = await setup({ readCredentials: { user: 'viewer', pass: 'p@ss w' } });
  const pub = await startPublisher(url('site1/cam1'), H264_AAC);
  const stepper = liveStepper(pub, false);
  for (const bad of ['site1/cam1', 'site1/cam1?user=viewer&pass=wrong', 'site1/cam1?user=other&pass=p%40ss%20w', 'site1/none']) {
    const err = await startPlayer(url(bad)).closed;
    assert.ok(err instanceof RtmpClientError, bad);
    assert.equal(err.code, 'NetStream.Play.Failed', `${bad}: refused as unauthorised (even a path that does not exist)`);
  }
  const good = startPlayer(url('site1/cam1?user=viewer&pass=p%40ss%20w'));
  await stepper.until(() => good.frames.length >= 3, 'frames for the authorised player');
  // The master's pull of a slave's Factory 1 (RTMP) carries the upstream's read credentials.
  const frames: Frame[] = [];
  let closedWith: Error | null | undefined;
  const pull = (credentials?: { user: string; pass: string }) =>
    openUpstreamSource(
      { factory: 'raw', url: url('site1/cam1'), connectTimeoutMs: 5000, ...(credentials !== undefined ? { credentials } : {}) },
      { onDescription: () => {}, onMetadata: () => {}, onFrame: (f) => frames.push(f), onClose: (e) => (closedWith = e) },
    );
  const anonymous = pull();
  await stepper.until(() => closedWith !== undefined, 'the anonymous pull refused');
  assert.ok(closedWith instanceof RtmpClientError && closedWith.code === 'NetStream.Play.Failed');
  anonymous.close();
  closedWith = undefined;
  const replica = pull({ user: 'viewer', pass: 'p@ss w' });
  await stepper.until(() => frames.length >= 3, 'frames for the replication pull');
  assert.equal(closedWith, undefined);
  replica.close();
  assert.equal(rtmpUrlWithCredentials('rtmp://h:1/a/b?key=k', { user: 'u', pass: 'a&b' }), 'rtmp://h:1/a/b?key=k&user=u&pass=a%26b');
});

test('publish refused by the authorizer (bad key) and when publishing is off', async () => {
  const registry = new StreamRegistry('raw', {
    authorize: (_path, p) => {
      if (p.key !== 'SECRET') throw new PublishRejectedError('bad-key', 'wrong key');
    },
  });
  const { url, listener } = await setup({}, registry);
  await assert.rejects(startPublisher(url('site1/cam1?key=nope'), H264_AAC), (e: unknown) => e instanceof RtmpClientError && e.code === 'NetStream.Publish.Denied');
  const ok = await startPublisher(url('site1/cam1?key=SECRET'), H264_AAC);
  assert.equal(ok.started, true);
  assert.equal(listener.stats.publishRejected, 1);
  const off = await setup({ allowPublish: false });
  await assert.rejects(startPublisher(off.url('site1/cam1'), H264_AAC), (e: unknown) => e instanceof RtmpClientError && e.code === 'NetStream.Publish.Denied');
});

test('a second publisher on the same path is refused with BadName', async () => {
  const { url } = await setup();
  await startPublisher(url('site1/cam1'), H264_AAC);
  await assert.rejects(startPublisher(url('site1/cam1'), H264_AAC), (e: unknown) => e instanceof RtmpClientError && e.code === 'NetStream.Publish.BadName');
});

test('when the stream ends for good the player gets a clean end', async () => {
  const { registry, url } = await setup();
  const pub = await startPublisher(url('site1/cam1'), H264_AAC);
  for (const f of gop('h264', 0, 3)) pub.pushFrame(f);
  await waitLive(registry, 'site1/cam1', 3);
  const readers: string[] = [];
  registry.on('reader.connect', (st, protocol, remote) => readers.push(`+ ${st.path} ${protocol} ${remote}`));
  registry.on('reader.disconnect', (st, protocol, remote) => readers.push(`- ${st.path} ${protocol} ${remote}`));
  const player = startPlayer(url('site1/cam1'));
  await player.waitFrames(3);
  pub.close(); // the 200 ms grace passes without a new publisher
  assert.equal(await player.closed, null);
  // The player was reported as a reader (with its address) and, once it was closed, as gone.
  for (let i = 0; i < 200 && readers.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(readers.length, 2, readers.join('; '));
  assert.match(readers[0]!, /^\+ site1\/cam1 rtmp 127\.0\.0\.1:\d+$/);
  assert.equal(readers[1], readers[0]!.replace('+', '-'));
});

test('receiveVideo(false) / receiveAudio(false) stop that track for this player only; receiveVideo(true) rejoins at a keyframe', async () => {
  const { registry, url } = await setup();
  const pub = await startPublisher(url('site1/cam1'), H264_AAC);
  const { step, until } = liveStepper(pub, true);
  step();
  await waitLive(registry, 'site1/cam1', 2);
  const audioOnly = startPlayer(url('site1/cam1'));
  const both = startPlayer(url('site1/cam1'));
  await until(() => audioOnly.frames.length >= 4 && both.frames.length >= 4, 'both players flowing');

  audioOnly.client.receive('video', false);
  const tailIsAudio = (p: Player, k: number): boolean => p.frames.length >= k && p.frames.slice(-k).every((f) => f.track === 'audio');
  await until(() => tailIsAudio(audioOnly, 12), 'the player that turned video off gets audio only');
  assert.ok(both.frames.slice(-12).some((f) => f.track === 'video'), 'the other player still gets video');

  audioOnly.client.receive('video', true);
  const mark = audioOnly.frames.length;
  await until(() => audioOnly.frames.slice(mark).some((f) => f.track === 'video'), 'video comes back');
  assert.equal(audioOnly.frames.slice(mark).find((f) => f.track === 'video')?.keyframe, true, 'video resumes at a keyframe');

  audioOnly.client.receive('audio', false);
  await until(() => audioOnly.frames.length >= 12 && audioOnly.frames.slice(-12).every((f) => f.track === 'video'), 'receiveAudio(false): video only');
});

test('handshake timeout and idle timeout close the connection (both configurable); a flowing publisher stays', async () => {
  const { registry, listener, url } = await setup({ handshakeTimeoutMs: 100, idleTimeoutMs: 300 });
  const closed = (sock: net.Socket): Promise<void> =>
    new Promise((resolve) => {
      sock.on('error', () => {});
      sock.on('close', () => resolve());
    });
  // Connects and never sends C0/C1.
  const silent = net.connect({ host: '127.0.0.1', port: listener.port });
  // Sends half of C0+C1 and stops.
  const stalled = net.connect({ host: '127.0.0.1', port: listener.port }, () => stalled.write(Buffer.alloc(700, 3)));
  // Completes the handshake, then goes quiet.
  const quiet = net.connect({ host: '127.0.0.1', port: listener.port });
  const hs = new ClientHandshake({ randomBytes, timeMs: 0 });
  let handshaken = false;
  quiet.on('connect', () => quiet.write(Buffer.concat(hs.start())));
  quiet.on('data', (d: Buffer) => {
    if (handshaken) return;
    const step = hs.push(d);
    if (step.send.length > 0) quiet.write(Buffer.concat(step.send));
    handshaken = step.done;
  });
  const pub = await startPublisher(url('site1/cam1'), H264_AAC);
  let n = 0;
  const timer = setInterval(() => {
    const dts = n * 40;
    pub.pushFrame({ track: 'video', dts, pts: dts, keyframe: n % 10 === 0, payload: au(n % 10 === 0 ? H264_IDR : H264_NON_IDR) });
    n++;
  }, 20);
  try {
    let bound: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([closed(silent), closed(stalled), closed(quiet)]),
      new Promise((_, reject) => (bound = setTimeout(() => reject(new Error('timed-out peers still open after 10 s')), 10_000))),
    ]).finally(() => clearTimeout(bound));
    assert.equal(handshaken, true, 'the quiet peer was closed by the idle timeout, after its handshake');
    const before = registry.get('site1/cam1')?.stats.framesIn ?? 0;
    await waitLive(registry, 'site1/cam1', before + 5);
    assert.equal(listener.connectionCount, 1, 'only the publisher is left');
  } finally {
    clearInterval(timer);
    silent.destroy();
    stalled.destroy();
    quiet.destroy();
  }
});

test('pause stops the frames for that player; unpause rejoins at a keyframe; receiveVideo while paused waits for the resume', async () => {
  const { registry, url } = await setup();
  const pub = await startPublisher(url('site1/cam1'), H264_AAC);
  const { step, until } = liveStepper(pub, false);
  step();
  await waitLive(registry, 'site1/cam1', 1);
  const p = startPlayer(url('site1/cam1'));
  const watcher = startPlayer(url('site1/cam1'));
  await until(() => p.frames.length >= 3, 'playing');
  p.client.pause(true);
  p.client.receive('audio', false); // a selection change while paused must not resume the flow
  // Once the server has taken the pause, the player's count stops while the watcher's grows.
  let last = -1;
  let watcherAtLast = 0;
  await until(() => {
    if (p.frames.length !== last) {
      last = p.frames.length;
      watcherAtLast = watcher.frames.length;
    }
    return watcher.frames.length >= watcherAtLast + 15;
  }, 'frames stop while paused');
  const atPause = p.frames.length;
  const watcherAtPause = watcher.frames.length;
  await until(() => watcher.frames.length >= watcherAtPause + 20, 'the stream keeps flowing for the other player');
  assert.equal(p.frames.length, atPause, 'nothing while paused');
  p.client.pause(false);
  await until(() => p.frames.length > atPause, 'frames again after unpause');
  assert.equal(p.frames[atPause]?.keyframe, true, 'resumes at a keyframe');
});
