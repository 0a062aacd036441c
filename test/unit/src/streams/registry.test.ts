import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamRegistry } from '../../../../src/streams/registry.ts';
import { PublishRejectedError, type FrameSink } from '../../../../src/streams/types.ts';
import type { Frame, StreamDescription } from '../../../../protocols/media/frame.ts';

const desc: StreamDescription = { video: { codec: 'h264', width: 320, height: 240 } };
const video = (dts: number, keyframe = false): Frame => ({ track: 'video', dts, pts: dts, keyframe, payload: Buffer.from([0, 0, 0, 1, keyframe ? 0x65 : 0x41]) });
const audio = (dts: number): Frame => ({ track: 'audio', dts, pts: dts, keyframe: true, payload: Buffer.from([1, 2]) });

function recorder(): FrameSink & { frames: Frame[]; descs: StreamDescription[]; ended: number; gone: number } {
  const r = {
    frames: [] as Frame[],
    descs: [] as StreamDescription[],
    ended: 0,
    gone: 0,
    onDescription: (d: StreamDescription) => void r.descs.push(d),
    onFrame: (f: Frame) => void r.frames.push(f),
    onPublisherGone: () => void r.gone++,
    onEnd: () => void r.ended++,
  };
  return r;
}

test('one publisher per path: a second publisher on a live path is refused as path-busy', () => {
  const reg = new StreamRegistry('raw');
  const pub = reg.publish('site1/cam1', { kind: 'rtmp', remote: 'a' });
  assert.throws(
    () => reg.publish('site1/cam1', { kind: 'rtmp', remote: 'b' }),
    (err: unknown) => err instanceof PublishRejectedError && err.reason === 'path-busy',
  );
  pub.close();
  const again = reg.publish('site1/cam1', { kind: 'rtmp', remote: 'b' });
  assert.equal(again.stream.publisher?.remote, 'b');
  reg.close();
});

test('a direct publisher pre-empts a replicated copy; the copy cannot pre-empt back, and readers stay', () => {
  const reg = new StreamRegistry('raw');
  const events: string[] = [];
  reg.on('stream.up', (s) => events.push(`up ${s.publisher?.kind}`));
  reg.on('stream.down', () => events.push('down'));
  const copy = reg.publish('site1/cam1', { kind: 'replication', remote: 'slave' });
  copy.setDescription(desc);
  const r = recorder();
  copy.stream.subscribe(r);
  copy.pushFrame(video(0, true));
  const direct = reg.publish('site1/cam1', { kind: 'rtmp', remote: 'camera' });
  assert.equal(copy.closed, true, 'the copy is told it lost the path');
  assert.equal(direct.stream, copy.stream, 'same stream: readers keep their subscription');
  copy.pushFrame(video(40)); // ignored: no longer the publisher
  direct.setDescription(desc);
  direct.pushFrame(video(1000, true));
  assert.throws(
    () => reg.publish('site1/cam1', { kind: 'replication', remote: 'slave' }),
    (err: unknown) => err instanceof PublishRejectedError && err.reason === 'path-busy',
  );
  assert.throws(
    () => reg.publish('site1/cam1', { kind: 'rtmp', remote: 'other' }),
    (err: unknown) => err instanceof PublishRejectedError && err.reason === 'path-busy',
  );
  copy.close(); // a late close of the pre-empted copy must not end the direct publisher
  assert.equal(direct.stream.publisher?.remote, 'camera');
  assert.deepEqual(events, ['up replication', 'down', 'up rtmp']);
  assert.equal(r.ended, 0);
  assert.deepEqual(r.frames.map((f) => f.keyframe), [true, true]);
  direct.close();
  const back = reg.publish('site1/cam1', { kind: 'replication', remote: 'slave' });
  assert.equal(back.stream.publisher?.kind, 'replication');
  reg.close();
});

test('invalid paths are refused as bad-path', () => {
  const reg = new StreamRegistry('raw');
  for (const p of ['', '/', '../x', 'a/b/c/d', 'a b/c', `${'x'.repeat(70)}/c`]) {
    assert.throws(() => reg.publish(p, { kind: 'rtmp', remote: 'a' }), (e: unknown) => e instanceof PublishRejectedError && e.reason === 'bad-path', p);
  }
  assert.equal(reg.publish('/site1/cam1/', { kind: 'rtmp', remote: 'a' }).stream.path, 'site1/cam1');
  reg.close();
});

test('the authorizer can refuse a publisher, and then no stream is created', () => {
  const reg = new StreamRegistry('raw', {
    authorize: (_path, p) => {
      if (p.key !== 'secret') throw new PublishRejectedError('bad-key', 'wrong publish key');
    },
  });
  assert.throws(() => reg.publish('site1/cam1', { kind: 'rtmp', remote: 'a', key: 'nope' }), /wrong publish key/);
  assert.equal(reg.get('site1/cam1'), undefined);
  assert.ok(reg.publish('site1/cam1', { kind: 'rtmp', remote: 'a', key: 'secret' }));
  reg.close();
});

test('stream.up fires on the first description and stream.down on close', () => {
  const reg = new StreamRegistry('raw');
  const events: string[] = [];
  reg.on('stream.up', (s) => events.push(`up:${s.path}`));
  reg.on('stream.down', (s) => events.push(`down:${s.path}`));
  reg.on('stream.changed', (s) => events.push(`changed:${s.path}`));
  const pub = reg.publish('s/c', { kind: 'rtmp', remote: 'a' });
  assert.deepEqual(events, []);
  pub.setDescription(desc);
  pub.setDescription({ video: { codec: 'h264', width: 640, height: 480 } });
  pub.close();
  pub.close();
  assert.deepEqual(events, ['up:s/c', 'changed:s/c', 'down:s/c']);
  assert.equal(reg.get('s/c'), undefined, 'a stream nobody reads is removed at once');
  reg.close();
});

test('a new subscriber starts at the latest keyframe, with audio in between, after the description', () => {
  const reg = new StreamRegistry('raw');
  const pub = reg.publish('s/c', { kind: 'rtmp', remote: 'a' });
  pub.setDescription(desc);
  pub.pushFrame(video(0, true));
  pub.pushFrame(video(40));
  pub.pushFrame(video(80, true));
  pub.pushFrame(audio(90));
  pub.pushFrame(video(120));
  const r = recorder();
  pub.stream.subscribe(r);
  assert.equal(r.descs.length, 1);
  assert.deepEqual(r.frames.map((f) => f.dts), [80, 90, 120]);
  assert.equal(r.frames[0]!.keyframe, true);
  pub.pushFrame(video(160));
  assert.deepEqual(r.frames.map((f) => f.dts), [80, 90, 120, 160]);
  reg.close();
  assert.equal(r.ended, 1);
});

test('frames before any description are not forwarded (nobody could decode them)', () => {
  const reg = new StreamRegistry('raw');
  const pub = reg.publish('s/c', { kind: 'rtmp', remote: 'a' });
  const r = recorder();
  pub.stream.subscribe(r);
  pub.pushFrame(video(0, true));
  assert.equal(r.frames.length, 0);
  reg.close();
});

test('readers survive a republish and timestamps never go backwards (rebased)', () => {
  let now = 1000;
  const reg = new StreamRegistry('raw', { now: () => now, unpublishedGraceMs: 60_000 });
  const pub = reg.publish('s/c', { kind: 'rtmp', remote: 'a' });
  pub.setDescription(desc);
  const r = recorder();
  pub.stream.subscribe(r);
  pub.pushFrame(video(5000, true));
  pub.pushFrame(video(5040));
  pub.close();
  assert.equal(r.gone, 1);
  assert.ok(reg.get('s/c'), 'stream kept for its readers during the grace period');
  now += 500;
  const pub2 = reg.publish('s/c', { kind: 'rtmp', remote: 'b' });
  pub2.setDescription(desc);
  pub2.pushFrame(video(0, true));
  pub2.pushFrame(video(40));
  const dts = r.frames.map((f) => f.dts);
  for (let i = 1; i < dts.length; i++) assert.ok(dts[i]! > dts[i - 1]!, `dts ${dts.join(',')} must increase`);
  assert.equal(dts[2], 5080);
  reg.close();
});

test('a stream whose publisher left is removed after the grace period, ending its readers', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] }); // the grace timer runs on the test's clock
  const reg = new StreamRegistry('raw', { unpublishedGraceMs: 20 });
  const pub = reg.publish('s/c', { kind: 'rtmp', remote: 'a' });
  pub.setDescription(desc);
  const r = recorder();
  pub.stream.subscribe(r);
  pub.close();
  assert.equal(r.ended, 0);
  t.mock.timers.tick(19);
  assert.equal(r.ended, 0, 'still within the grace period');
  assert.ok(reg.get('s/c'));
  t.mock.timers.tick(1);
  assert.equal(r.ended, 1);
  assert.equal(reg.get('s/c'), undefined);
  reg.close();
});

test('stats count bytes and frames in, and reader counts per protocol', () => {
  const reg = new StreamRegistry('raw');
  const pub = reg.publish('s/c', { kind: 'rtmp', remote: 'a' });
  pub.setDescription(desc);
  pub.pushFrame(video(0, true));
  pub.pushFrame(audio(10));
  assert.equal(pub.stream.stats.framesIn, 2);
  assert.equal(pub.stream.stats.bytesIn, 7);
  const release = pub.stream.addReader('rtsp');
  pub.stream.addReader('rtmp');
  assert.equal(pub.stream.readerCount(), 2);
  release();
  release();
  assert.equal(pub.stream.readerCount('rtsp'), 0);
  assert.equal(pub.stream.readerCount('rtmp'), 1);
  reg.close();
});

test('authorisation comes before the busy check, and the busy error never names the other publisher (security 17.5)', () => {
  const reg = new StreamRegistry('raw', {
    authorize: (_path, p) => {
      if (p.key !== 'k') throw new PublishRejectedError('bad-key', 'wrong or missing publish key');
    },
  });
  const pub = reg.publish('site1/cam1', { kind: 'rtmp', remote: '127.0.0.1:39464', key: 'k' });
  assert.throws(
    () => reg.publish('site1/cam1', { kind: 'rtmp', remote: '10.0.0.9:5000' }),
    (err: unknown) => err instanceof PublishRejectedError && err.reason === 'bad-key',
    'an unauthorised publisher gets the auth error, not path-busy',
  );
  assert.throws(
    () => reg.publish('site1/cam1', { kind: 'rtmp', remote: '10.0.0.9:5000', key: 'k' }),
    (err: unknown) => err instanceof PublishRejectedError && err.reason === 'path-busy' && !err.message.includes('127.0.0.1') && !err.message.includes('39464'),
  );
  assert.throws(() => reg.authorize('site1/cam1', { kind: 'rtsp', remote: 'x' }), (err: unknown) => err instanceof PublishRejectedError && err.reason === 'bad-key');
  assert.equal(reg.authorize('site1/cam1', { kind: 'rtsp', remote: 'x', key: 'k' }), 'site1/cam1');
  pub.close();
  reg.close();
});

test('readers counted on a stream are reported as reader.connect / reader.disconnect with protocol and address', () => {
  const reg = new StreamRegistry('compressed');
  const seen: string[] = [];
  reg.on('reader.connect', (s, protocol, remote) => seen.push(`+ ${s.factory} ${s.path} ${protocol} ${remote}`));
  reg.on('reader.disconnect', (s, protocol, remote) => seen.push(`- ${s.factory} ${s.path} ${protocol} ${remote}`));
  const pub = reg.publish('site1/cam1', { kind: 'rtsp', remote: 'cam' });
  pub.setDescription(desc);
  const uncount = pub.stream.addReader('rtsp', '10.0.0.9:40000');
  const uncountRtmp = pub.stream.addReader('rtmp', '10.0.0.8:50000');
  uncount();
  uncount(); // idempotent: reported once
  assert.deepEqual(seen, [
    '+ compressed site1/cam1 rtsp 10.0.0.9:40000',
    '+ compressed site1/cam1 rtmp 10.0.0.8:50000',
    '- compressed site1/cam1 rtsp 10.0.0.9:40000',
  ]);
  assert.equal(pub.stream.readerCount(), 1);
  uncountRtmp();
  reg.close();
});

test('after a change of publisher, video waits for the new publisher\'s first keyframe (audio flows)', () => {
  const reg = new StreamRegistry('raw', { unpublishedGraceMs: 60_000 });
  const pub = reg.publish('s/c', { kind: 'rtmp', remote: 'a' });
  pub.setDescription(desc);
  const r = recorder();
  pub.stream.subscribe(r);
  pub.pushFrame(video(0, true));
  pub.close();
  const pub2 = reg.publish('s/c', { kind: 'rtmp', remote: 'b' });
  pub2.setDescription(desc);
  pub2.pushFrame(video(1000)); // a P-frame of the new publisher: its references never reached the readers
  pub2.pushFrame(audio(1010));
  pub2.pushFrame(video(1040, true));
  pub2.pushFrame(video(1080));
  assert.deepEqual(r.frames.map((f) => `${f.track}${f.keyframe && f.track === 'video' ? '*' : ''}`), ['video*', 'audio', 'video*', 'video']);
  reg.close();
});

test('a stand-in (placeholder) feeds readers while the publisher is away: not live, no events, pre-empted by the camera', () => {
  const reg = new StreamRegistry('raw', { unpublishedGraceMs: 60_000 });
  const events: string[] = [];
  for (const e of ['stream.up', 'stream.down', 'stream.changed'] as const) reg.on(e, () => events.push(e));
  assert.equal(reg.publishStandIn('s/c', 'placeholder'), null, 'no stream');
  const cam = reg.publish('s/c', { kind: 'rtmp', remote: 'camera' });
  cam.setDescription(desc);
  assert.equal(reg.publishStandIn('s/c', 'placeholder'), null, 'the camera publishes');
  const r = recorder();
  const unsubscribe = cam.stream.subscribe(r);
  cam.pushFrame(video(5000, true));
  cam.close();
  events.length = 0;
  const standIn = reg.publishStandIn('s/c', 'placeholder');
  assert.ok(standIn !== null);
  standIn.setDescription({ video: { codec: 'h264', width: 320, height: 240, sps: Buffer.from([0x67]) } });
  standIn.pushFrame(video(0, true));
  assert.equal(standIn.stream.standIn, true);
  assert.equal(standIn.stream.live, false, 'the camera is still down for the API, URLs and compression');
  assert.deepEqual(reg.live(), []);
  assert.deepEqual(events, [], 'no stream.up/changed for a placeholder');
  // The camera comes back: it takes the path from the stand-in, readers stay, timestamps go on.
  const back = reg.publish('s/c', { kind: 'rtmp', remote: 'camera' });
  assert.equal(standIn.closed, true);
  back.setDescription(desc);
  back.pushFrame(video(0, true));
  assert.deepEqual(events, ['stream.up']);
  assert.equal(r.ended, 0);
  const dts = r.frames.map((f) => f.dts);
  assert.deepEqual(dts, [5000, 5040, 5080]);
  back.close();
  unsubscribe();
  reg.close();
});

test('a stand-in needs readers, and its end leaves the readers to the grace period', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const reg = new StreamRegistry('raw', { unpublishedGraceMs: 20 });
  const cam = reg.publish('s/c', { kind: 'rtmp', remote: 'camera' });
  cam.setDescription(desc);
  cam.close();
  assert.equal(reg.publishStandIn('s/c', 'placeholder'), null, 'removed at once without readers');
  const cam2 = reg.publish('s/c', { kind: 'rtmp', remote: 'camera' });
  cam2.setDescription(desc);
  const r = recorder();
  cam2.stream.subscribe(r);
  cam2.close();
  const standIn = reg.publishStandIn('s/c', 'placeholder');
  assert.ok(standIn !== null);
  t.mock.timers.tick(60);
  assert.equal(r.ended, 0, 'no grace expiry while the stand-in feeds the readers');
  standIn.close();
  t.mock.timers.tick(19);
  assert.equal(r.ended, 0, 'a whole grace period after the stand-in ended, not less');
  t.mock.timers.tick(1);
  assert.equal(r.ended, 1, 'grace period after the stand-in ended');
  reg.close();
});
