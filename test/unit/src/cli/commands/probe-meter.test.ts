import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Frame } from '../../../../../protocols/media/frame.ts';
import { ProbeMeter, redactUrl } from '../../../../../src/cli/commands/probe-meter.ts';
import { formatProbeReport } from '../../../../../src/cli/commands/probe-format.ts';

const video = (dts: number, bytes: number, keyframe = false): Frame => ({ track: 'video', dts, pts: dts, keyframe, payload: Buffer.alloc(bytes) });
const audio = (dts: number, bytes: number): Frame => ({ track: 'audio', dts, pts: dts, keyframe: true, payload: Buffer.alloc(bytes) });

test('fps, bitrate and keyframe interval come from frame timestamps', () => {
  const m = new ProbeMeter();
  m.setDescription({
    video: { codec: 'h264', width: 320, height: 240, profile: 66, level: 13, fps: 25 },
    audio: { codec: 'aac', sampleRate: 44100, channels: 1 },
  });
  // 3 s of 25 fps video, 1000 bytes a frame, a keyframe every 50 frames (2 s)
  for (let i = 0; i <= 75; i++) m.addFrame(video(i * 40, 1000, i % 50 === 0));
  for (let i = 0; i <= 10; i++) m.addFrame(audio(i * 100, 500));
  const r = m.report('rtmp://h/a/b', 'rtmp');
  assert.equal(r.measuredSeconds, 3);
  const [v, a] = r.tracks;
  assert.deepEqual(v, {
    kind: 'video', codec: 'h264', frames: 76, bytes: 76_000, fps: 25, bitrateBps: 200_000, keyframes: 2, keyframeIntervalSeconds: 2,
    width: 320, height: 240, profile: 66, level: 13, declaredFps: 25,
  });
  assert.equal(a?.fps, 10);
  assert.equal(a?.bitrateBps, 40_000);
  assert.equal(a?.sampleRate, 44100);
  assert.equal(r.bitrateBps, 240_000);
  const text = formatProbeReport(r);
  assert.match(text, /video\s+h264 profile 66 level 13\s+320x240\s+25\.00 \(declared 25\)\s+200 kbit\/s\s+2\.00 s\s+76/);
  assert.match(text, /audio\s+aac 44100 Hz 1 ch/);
});

test('a GOP burst delivered at once does not change the numbers (timestamps, not arrival)', () => {
  const m = new ProbeMeter();
  m.setDescription({ video: { codec: 'h265' } });
  for (let i = 0; i < 30; i++) m.addFrame(video(1000 + i * 33.333, 2000, i === 0));
  const v = m.report('rtsp://h/p', 'rtsp').tracks[0]!;
  assert.ok(Math.abs(v.fps! - 30) < 0.01);
  assert.equal(v.keyframeIntervalSeconds, null, 'one keyframe: no interval');
});

test('too few frames: no rates; a track with a description but no frames is still listed', () => {
  const m = new ProbeMeter();
  m.setDescription({ video: { codec: 'h264' }, audio: { codec: 'pcma', sampleRate: 8000, channels: 1 } });
  m.addFrame(video(0, 10, true));
  const r = m.report('rtsp://h/p', 'rtsp');
  assert.equal(r.tracks.length, 2);
  assert.equal(r.tracks[0]?.fps, null);
  assert.equal(r.tracks[1]?.frames, 0);
  assert.equal(r.bitrateBps, null);
  assert.match(formatProbeReport(r), /pcma 8000 Hz 1 ch\s+-\s+-\s+-\s+-\s+0/);
});

test('redactUrl hides the password only', () => {
  assert.equal(redactUrl('rtsp://admin:secret@cam.local:554/stream1'), 'rtsp://admin:***@cam.local:554/stream1');
  assert.equal(redactUrl('rtmp://h/a/b'), 'rtmp://h/a/b');
  assert.equal(redactUrl('not a url'), 'not a url');
});
