import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LlHlsSegmenter, type HlsPart } from '../../../../protocols/hls/ll-hls-segmenter.ts';
import { mp4TracksFromDescription } from '../../../../protocols/mp4/track.ts';
import type { Frame } from '../../../../protocols/media/frame.ts';
import { AAC_LC_44100_MONO, au, H264_IDR, H264_NON_IDR, H264_PPS, H264_SPS } from '../flv/fixtures.ts';
import { find, findAll, parseBoxes } from '../mp4/box-reader.ts';

const OPTIONS = { partMs: 200, segmentMs: 1000, windowSegments: 3 };
const videoOnly = mp4TracksFromDescription({ video: { codec: 'h264', sps: H264_SPS, pps: H264_PPS, width: 64, height: 48 } });
const withAudio = mp4TracksFromDescription({
  video: { codec: 'h264', sps: H264_SPS, pps: H264_PPS, width: 64, height: 48 },
  audio: { codec: 'aac', sampleRate: 44100, channels: 1, config: AAC_LC_44100_MONO },
});

/** Video at `fps` with a keyframe every `gop` frames, starting at `t0` ms, frame `from` to `to`. */
function video(fps: number, gop: number, count: number, from = 0, t0 = 1000): Frame[] {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    const t = t0 + (i * 1000) / fps;
    return { track: 'video', dts: t, pts: t, keyframe: i % gop === 0, payload: au(i % gop === 0 ? H264_IDR : H264_NON_IDR) };
  });
}

function feed(seg: LlHlsSegmenter, frames: readonly Frame[]): HlsPart[] {
  return frames.flatMap((f) => seg.push(f));
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

test('short GOP (1 s at 25 fps): 200 ms parts, segments of whole GOPs starting with an independent part', () => {
  const seg = new LlHlsSegmenter(videoOnly, OPTIONS);
  const parts = feed(seg, video(25, 25, 25 * 4 + 1));
  assert.equal(seg.segments.length, 3, 'window of 3');
  assert.equal(seg.nextMsn, 4);
  for (const s of seg.segments) {
    assert.equal(s.durationMs, 1000);
    assert.equal(s.parts.length, 5);
    assert.ok(s.parts.every((p) => p.durationMs === 200));
    assert.deepEqual(s.parts.map((p) => p.independent), [true, false, false, false, false]);
    assert.equal(sum(s.parts.map((p) => p.frames)), 25);
  }
  assert.equal(parts.length, 20);
  assert.equal(seg.segment(0), undefined, 'segment 0 left the window');
  assert.equal(seg.part(3, 4)?.index, 4);
});

test('long GOP (4 s): segments split at a part boundary once ≥ 1 s; only the keyframe segment is independent', () => {
  const seg = new LlHlsSegmenter(videoOnly, { ...OPTIONS, windowSegments: 10 });
  feed(seg, video(25, 100, 201));
  const segs = seg.segments;
  assert.ok(segs.length >= 7, `${segs.length} segments`);
  for (const s of segs) assert.ok(s.durationMs >= 1000 && s.durationMs <= seg.targetDurationS * 1000, `segment ${s.msn}: ${s.durationMs} ms`);
  // Keyframes at 0 s, 4 s: the segments starting there are independent, the others not.
  assert.deepEqual(segs.map((s) => s.independent), segs.map((s, i) => sum(segs.slice(0, i).map((x) => x.durationMs)) % 4000 === 0));
});

test('frames before the first keyframe are skipped; the first segment starts at it', () => {
  const seg = new LlHlsSegmenter(videoOnly, OPTIONS);
  assert.deepEqual(feed(seg, video(25, 25, 10, 15)), []);
  assert.equal(seg.started, false);
  feed(seg, video(25, 25, 30, 25));
  assert.equal(seg.started, true);
  assert.equal(seg.segments[0]?.parts[0]?.independent, true);
  const moof = parseBoxes(seg.segments[0]!.parts[0]!.data)[0]!;
  const tfdt = find(moof.children, 'traf/tfdt')!;
  assert.equal(Number(tfdt.body.readBigUInt64BE(4)), 0, 'time 0 is the first keyframe');
});

test('audio rides in the same part as video (one moof, two trafs); its last sample waits for the next part', () => {
  const seg = new LlHlsSegmenter(withAudio, OPTIONS);
  const frames: Frame[] = [];
  const v = video(25, 25, 26);
  for (const f of v) {
    frames.push(f);
    frames.push({ track: 'audio', dts: f.dts + 1, pts: f.dts + 1, keyframe: true, payload: Buffer.alloc(20, 7) });
  }
  const parts = feed(seg, frames);
  assert.ok(parts.length >= 5);
  const moof = parseBoxes(parts[0]!.data)[0]!;
  const trafs = findAll(moof.children, 'traf');
  assert.equal(trafs.length, 2);
  const counts = trafs.map((t) => find(t.children, 'trun')!.body.readUInt32BE(4));
  assert.deepEqual(counts, [5, 4], 'five video frames; four audio frames with known durations');
  const audioTfdt = Number(find(findAll(parseBoxes(parts[1]!.data)[0]!.children, 'traf')[1]!.children, 'tfdt')!.body.readBigUInt64BE(4));
  assert.equal(audioTfdt, Math.round((4 * 40 + 1) * 44.1), 'the held-back audio sample starts the next part');
});

test('audio-only stream: every frame may start a part; parts close on audio time', () => {
  const tracks = mp4TracksFromDescription({ audio: { codec: 'aac', sampleRate: 48000, channels: 1, config: AAC_LC_44100_MONO } });
  const seg = new LlHlsSegmenter(tracks, OPTIONS);
  const frames: Frame[] = Array.from({ length: 100 }, (_, i) => ({ track: 'audio', dts: (i * 1024) / 48, pts: (i * 1024) / 48, keyframe: true, payload: Buffer.alloc(10) }));
  const parts = feed(seg, frames);
  assert.ok(parts.length >= 9);
  assert.ok(parts.every((p) => p.independent && p.durationMs < 230), 'every part independent, none much over the target');
  // A part ends early only where a segment ends (at ≥ 1 s: a keyframe, as every audio frame is).
  for (const s of seg.segments) {
    assert.ok(s.parts.slice(0, -1).every((p) => p.durationMs >= 200));
    assert.ok(s.durationMs >= 1000 && s.durationMs < 1030, `segment ${s.durationMs} ms`);
  }
  assert.ok(seg.segments.length >= 1);
});
