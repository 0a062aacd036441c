import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import { ClipCache, MAX_CONCURRENT_ENCODES, clipFrom, ffmpegClipEncoder, type PlaceholderClip } from '../../../../src/placeholder/placeholder-encoder.ts';
import { clipKey, placeholderArgs, type PlaceholderClipSpec } from '../../../../src/placeholder/placeholder-args.ts';
import type { Frame } from '../../../../protocols/media/frame.ts';

const FONT = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
const spec: PlaceholderClipSpec = { codec: 'h264', width: 320, height: 180, fps: 10, audio: { sampleRate: 44100, channels: 1 }, lines: ['camera offline', 'site1/cam1'] };

test('ffmpeg arguments: camera codec, size, rate and one GOP; text from a file, none without a font; AAC silence only when asked', () => {
  const withText = placeholderArgs(spec, { textFile: '/tmp/t.txt', fontFile: FONT }).join(' ');
  assert.match(withText, /color=c=0x202020:s=320x180:r=10:d=1\.000/);
  assert.match(withText, /drawtext=fontfile=\/usr\/share\/fonts\/truetype\/dejavu\/DejaVuSans\.ttf:textfile=\/tmp\/t\.txt:expansion=none/);
  assert.match(withText, /-t 1\.000 .*-c:v libx264 .*-bf 0 -g 10 -keyint_min 10/);
  assert.match(withText, /anullsrc=r=44100:cl=mono .*-c:a aac .*-ar 44100 -ac 1/);
  assert.match(withText, /-f flv pipe:1$/);
  const plain = placeholderArgs({ ...spec, audio: undefined }, { textFile: '/tmp/t.txt' }).join(' ');
  assert.doesNotMatch(plain, /drawtext|anullsrc|aac/);
  const hevc = placeholderArgs({ ...spec, codec: 'h265' }, {}).join(' ');
  assert.match(hevc, /-c:v libx265 .*keyint=10:min-keyint=10:bframes=0/);
  assert.match(hevc, /-f mpegts pipe:1$/);
  assert.notEqual(clipKey(spec), clipKey({ ...spec, lines: ['camera offline', 'site1/cam2'] }));
});

test('clipFrom: timestamps from the keyframe, period = video frames / fps, audio outside the period cut', () => {
  const f = (track: 'video' | 'audio', dts: number, keyframe = true): Frame => ({ track, dts, pts: dts, keyframe, payload: Buffer.alloc(1) });
  const clip = clipFrom({ codec: 'h264', sps: Buffer.from([0x67]) }, [f('audio', 1377), f('video', 1400), f('audio', 1400), f('video', 1500, false), f('audio', 1577), f('audio', 1590)], { ...spec, fps: 10 });
  assert.equal(clip.periodMs, 200);
  // 44.1 kHz AAC frames last 23.2 ms: one starting at 190 ms would overlap the next loop.
  assert.deepEqual(clip.frames.map((x) => `${x.track[0]}${x.dts}`), ['v0', 'a0', 'v100', 'a177']);
  assert.throws(() => clipFrom({ codec: 'h264', sps: Buffer.from([0x67]) }, [f('video', 0, false)], spec), /no decodable video/);
});

for (const codec of ['h264', 'h265'] as const) {
  test(`the bundled ffmpeg encodes a ${codec} placeholder at the camera's size and rate, with AAC silence`, async () => {
    const clip = await ffmpegClipEncoder(ffmpegInstaller.path, existsSync(FONT) ? FONT : undefined)({ ...spec, codec }, new AbortController().signal);
    assert.equal(clip.video.codec, codec);
    assert.equal(clip.video.width, 320);
    assert.equal(clip.video.height, 180);
    assert.ok(clip.video.sps !== undefined && clip.video.pps !== undefined);
    const video = clip.frames.filter((f) => f.track === 'video');
    assert.equal(video.length, 10);
    assert.equal(video[0]!.keyframe, true);
    assert.equal(video.filter((f) => f.keyframe).length, 1, 'one GOP');
    assert.equal(clip.periodMs, 1000);
    const audio = clip.frames.filter((f) => f.track === 'audio');
    assert.ok(audio.length >= 40, `${audio.length} AAC frames in a second at 44.1 kHz`);
    for (const x of clip.frames) assert.ok(x.dts >= 0 && x.dts < 1000, `dts ${x.dts} within the period`);
  });
}

test('an abort kills the encode', async () => {
  const abort = new AbortController();
  const p = ffmpegClipEncoder(ffmpegInstaller.path, undefined)({ ...spec, width: 1920, height: 1080, fps: 60, frames: 6000 }, abort.signal);
  setTimeout(() => abort.abort(), 100);
  await assert.rejects(p, /aborted/);
});

test('ClipCache: one encode per spec while held, dropped (aborted) when released, failures not kept, at most MAX_CONCURRENT_ENCODES at once', async () => {
  let running = 0;
  let peak = 0;
  const started: string[] = [];
  const aborted: string[] = [];
  const gates: (() => void)[] = [];
  const cache = new ClipCache(async (s, signal) => {
    started.push(s.lines[0]!);
    running++;
    peak = Math.max(peak, running);
    signal.addEventListener('abort', () => aborted.push(s.lines[0]!));
    await new Promise<void>((r) => gates.push(r));
    running--;
    if (s.lines[0] === 'fail') throw new Error('boom');
    return { video: { codec: 'h264' }, frames: [], periodMs: 1000 } satisfies PlaceholderClip;
  });
  const a1 = cache.acquire({ ...spec, lines: ['a'] });
  const a2 = cache.acquire({ ...spec, lines: ['a'] });
  const b = cache.acquire({ ...spec, lines: ['b'] });
  const c = cache.acquire({ ...spec, lines: ['fail'] });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(started, ['a', 'b'], 'same spec encoded once; the third waits for a slot');
  assert.equal(peak, MAX_CONCURRENT_ENCODES);
  while (gates.length > 0 || started.length < 3) {
    gates.shift()?.();
    await new Promise((r) => setImmediate(r));
  }
  assert.equal(await a1.clip, await a2.clip);
  await b.clip;
  await assert.rejects(c.clip, /boom/);
  c.release();
  assert.equal(cache.size, 2, 'the failed encode is not cached');
  a1.release();
  assert.equal(cache.size, 2, 'still held by a2');
  a2.release();
  b.release();
  assert.equal(cache.size, 0);
  assert.deepEqual(aborted.sort(), ['a', 'b']);
});
