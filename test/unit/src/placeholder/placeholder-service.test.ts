import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamRegistry } from '../../../../src/streams/registry.ts';
import { PlaceholderService } from '../../../../src/placeholder/placeholder-service.ts';
import { ClipCache, type PlaceholderClip } from '../../../../src/placeholder/placeholder-encoder.ts';
import type { PlaceholderClipSpec } from '../../../../src/placeholder/placeholder-args.ts';
import { formatElapsed, placeholderLines } from '../../../../src/placeholder/placeholder-feed.ts';
import { silentLogger } from '../../../../src/log/logger.ts';
import type { FrameSink } from '../../../../src/streams/types.ts';
import type { Frame, StreamDescription } from '../../../../protocols/media/frame.ts';
import { waitFor } from '../../../helpers/server.ts';

const cameraSps = Buffer.from([0x67, 0x64, 0x00, 0x1f]);
const camera: StreamDescription = {
  video: { codec: 'h264', sps: cameraSps, pps: Buffer.from([0x68, 0xeb]), width: 1280, height: 720, fps: 50 },
  audio: { codec: 'aac', sampleRate: 48000, channels: 2, config: Buffer.from([0x11, 0x90]) },
};
const payload = Buffer.from([0, 0, 0, 1, 0x65]);
const frame = (track: 'video' | 'audio', dts: number, keyframe: boolean): Frame => ({ track, dts, pts: dts, keyframe, payload });

/** A fake encoder: 5 video frames at 50 fps (100 ms loop) + audio; each encode gets its own SPS. */
function fakeEncoder() {
  const specs: PlaceholderClipSpec[] = [];
  const encode = async (spec: PlaceholderClipSpec): Promise<PlaceholderClip> => {
    specs.push(spec);
    const frames: Frame[] = [];
    for (let i = 0; i < 5; i++) frames.push(frame('video', i * 20, i === 0), frame('audio', i * 20 + 1, true));
    return { video: { codec: spec.codec, sps: Buffer.from([0x67, 0x42, specs.length]), pps: Buffer.from([0x68, 0xce]), width: spec.width, height: spec.height }, frames, periodMs: 100 };
  };
  return { specs, encode };
}

function recorder() {
  const r = {
    frames: [] as Frame[],
    descs: [] as StreamDescription[],
    ended: 0,
    /** Descriptions and frames in arrival order: D, V (video keyframe), v, a. */
    order: [] as string[],
    onDescription: (d: StreamDescription) => void (r.descs.push(d), r.order.push('D')),
    onFrame: (f: Frame) => void (r.frames.push(f), r.order.push(f.track === 'audio' ? 'a' : f.keyframe ? 'V' : 'v')),
    onEnd: () => void r.ended++,
  } satisfies FrameSink & Record<string, unknown>;
  return r;
}

function setup(o: { wanted?: (path: string) => boolean; refreshMs?: number } = {}) {
  const reg = new StreamRegistry('raw', { unpublishedGraceMs: 60_000 });
  const enc = fakeEncoder();
  const service = new PlaceholderService({ registry: reg, wanted: o.wanted ?? (() => true), clips: new ClipCache(enc.encode), log: silentLogger, refreshMs: o.refreshMs ?? 60_000 });
  const cam = reg.publish('site1/cam1', { kind: 'rtmp', remote: 'camera' });
  cam.setDescription(camera);
  const r = recorder();
  const unsubscribe = cam.stream.subscribe(r);
  cam.pushFrame(frame('video', 10_000, true));
  return { reg, service, enc, cam, r, unsubscribe, stream: cam.stream };
}

test('a camera that drops with readers gets a placeholder at its codec, size, rate and audio; the camera takes over again', async () => {
  const { reg, service, enc, cam, r, stream } = setup();
  cam.close();
  await waitFor(() => r.frames.length >= 15, 5000, 'placeholder frames');
  assert.deepEqual(enc.specs[0] && { ...enc.specs[0], lines: enc.specs[0].lines.slice(0, 2) }, {
    codec: 'h264', width: 1280, height: 720, fps: 50, audio: { sampleRate: 48000, channels: 2 }, lines: ['camera offline', 'site1/cam1'],
  });
  assert.equal(stream.standIn, true);
  assert.equal(stream.live, false);
  const placeholderDesc = r.descs.at(-1)!;
  assert.notDeepEqual(placeholderDesc.video?.sps, cameraSps, "the placeholder's own parameter sets");
  assert.deepEqual(placeholderDesc.audio, camera.audio, "the camera's audio track is kept (RTSP readers' SDP)");
  const video = r.frames.filter((f) => f.track === 'video');
  assert.equal(video[1]!.keyframe, true, 'the placeholder starts at its keyframe');
  assert.ok(video.filter((f) => f.keyframe).length >= 3, 'the clip loops');
  const dts = r.frames.map((f) => f.dts);
  for (let i = 1; i < dts.length; i++) assert.ok(dts[i]! > dts[i - 1]!, `dts increase: ${dts.slice(0, i + 1).join(',')}`);
  // The camera is back: it pre-empts the placeholder, the feed stops, frames continue in time.
  const back = reg.publish('site1/cam1', { kind: 'rtmp', remote: 'camera' });
  back.setDescription(camera);
  back.pushFrame(frame('video', 0, true));
  await waitFor(() => service.activePaths.length === 0, 2000, 'feed stopped');
  assert.equal(r.frames.at(-1)!.dts > dts.at(-1)!, true);
  assert.equal(r.ended, 0, 'readers never ended');
  service.close();
  reg.close();
});

test('the placeholder text is refreshed and swapped in at a keyframe; not wanted any more: it stops and the grace period applies', async () => {
  let wanted = true;
  const { reg, service, enc, cam, r } = setup({ wanted: () => wanted, refreshMs: 150 });
  cam.close();
  // The keyframe after a description change comes one frame later, from the next tick: wait for it
  // too, or the order can end on a description whose keyframe is still due.
  await waitFor(() => enc.specs.length >= 2 && r.descs.length >= 3 && r.order.lastIndexOf('V') > r.order.lastIndexOf('D'), 5000, 'a refreshed clip in use');
  // Descriptions: camera, first clip, refreshed clip (its own SPS); each new one right before a keyframe.
  const sps = r.descs.map((d) => d.video?.sps?.toString('hex'));
  assert.equal(new Set(sps).size, sps.length, 'each clip brings its parameter sets');
  const order = r.order.join('');
  assert.match(order, /^DV(D(a*)V[^D]*)+$/, `every description change is followed by a keyframe: ${order}`);
  wanted = false;
  await waitFor(() => service.activePaths.length === 0, 2000, 'feed stopped');
  assert.equal(reg.get('site1/cam1')?.publisher, null, 'stand-in gone; the stream waits out the grace period');
  assert.equal(r.ended, 0);
  service.close();
  reg.close();
});

test('no placeholder for a camera not wanted always-available, nor without readers; it ends when the readers leave', async () => {
  {
    const { reg, service, cam, r, enc } = setup({ wanted: () => false });
    cam.close();
    await new Promise((res) => setTimeout(res, 50));
    assert.equal(enc.specs.length, 0);
    assert.equal(r.frames.length, 1);
    service.close();
    reg.close();
  }
  {
    const { reg, service, cam, unsubscribe, enc } = setup();
    unsubscribe();
    cam.close();
    await new Promise((res) => setTimeout(res, 50));
    assert.equal(enc.specs.length, 0);
    assert.equal(reg.get('site1/cam1'), undefined);
    service.close();
    reg.close();
  }
  {
    const { reg, service, cam, unsubscribe, r } = setup();
    cam.close();
    await waitFor(() => r.frames.length > 3, 5000, 'placeholder frames');
    unsubscribe();
    await waitFor(() => reg.get('site1/cam1') === undefined, 2000, 'stream removed once its readers left');
    assert.deepEqual(service.activePaths, []);
    service.close();
    reg.close();
  }
});

test('placeholder text: camera, drop time, time since', () => {
  assert.deepEqual(placeholderLines('site1/cam1', Date.UTC(2026, 0, 1, 13, 45, 2), Date.UTC(2026, 0, 1, 13, 47, 12)), ['camera offline', 'site1/cam1', 'since 13:45:02 UTC (2 min 10 s ago)']);
  assert.equal(formatElapsed(9_999), '9 s');
  assert.equal(formatElapsed(3_600_000 + 5 * 60_000), '1 h 5 min');
  assert.equal(formatElapsed(3 * 86_400_000), '3 days');
});
