import { test } from 'node:test';
import assert from 'node:assert/strict';
import { joinLengthPrefixed, type Frame, type StreamDescription } from '../../../../../protocols/media/frame.ts';
import { StreamRegistry } from '../../../../../src/streams/registry.ts';
import { DEFAULT_READER_QUEUE } from '../../../../../src/streams/reader-queue.ts';
import { RtmpPlayOutput } from '../../../../../src/rtmp/output/rtmp-play-output.ts';
import { fakeTransport } from '../../../../helpers/fake-reader-transport.ts';

const camera: StreamDescription = {
  video: { codec: 'h264', sps: Buffer.from([0x67, 0x64, 0x00, 0x1e, 0xac, 0xd9, 0x40, 0xa0]), pps: Buffer.from([0x68, 0xeb, 0xe3, 0xcb]), width: 640, height: 360 },
  audio: { codec: 'aac', sampleRate: 44100, channels: 1, config: Buffer.from([0x12, 0x08]) },
};
const video = (dts: number, keyframe: boolean, bytes: number): Frame => ({
  track: 'video', dts, pts: dts + 40, keyframe, payload: joinLengthPrefixed([Buffer.concat([Buffer.from([keyframe ? 0x65 : 0x41]), Buffer.alloc(bytes, dts & 0xff)])]),
});
const audio = (dts: number): Frame => ({ track: 'audio', dts, pts: dts, keyframe: true, payload: Buffer.alloc(180, 3) });
const setup = { options: DEFAULT_READER_QUEUE, now: Date.now };

function published() {
  const reg = new StreamRegistry('raw', { unpublishedGraceMs: 60_000 });
  const pub = reg.publish('site1/cam1', { kind: 'rtmp', remote: 'camera' });
  pub.setDescription(camera);
  const output = new RtmpPlayOutput(pub.stream, { messageStreamId: 1, chunkSize: 4096 });
  const first = fakeTransport();
  output.addReader(first, setup);
  return { pub, output, first };
}

test('an RTMP reader joining after a GOP without joins gets the GOP chunked again from the stream, byte for byte what the first reader got', () => {
  const { pub, output, first } = published();
  pub.pushFrame(video(0, true, 9000));
  pub.pushFrame(video(40, false, 300));
  const fromKey = first.written.length;
  pub.pushFrame(video(80, true, 9000)); // multi-chunk keyframe
  pub.pushFrame(audio(90));
  pub.pushFrame(video(120, false, 300));
  pub.pushFrame(audio(113));
  assert.equal(output.keepingGop, false, 'nobody joined during the last GOP: no copy of this one');
  const late = fakeTransport();
  output.addReader(late, setup);
  const intro = late.written.length - (first.written.length - fromKey);
  assert.ok(intro >= 1, 'metadata and sequence headers come first');
  assert.deepEqual(late.written.slice(intro), first.written.slice(fromKey), 'then the GOP: same chunks, same bytes');
  pub.pushFrame(video(160, false, 300));
  assert.equal(late.written.at(-1), first.written.at(-1), 'then the live chunks, the same Buffer as every reader');
});

test('a player that turned video off starts at the latest audio frame, made again from the stream', () => {
  const reg = new StreamRegistry('raw', { unpublishedGraceMs: 60_000 });
  const pub = reg.publish('site1/cam1', { kind: 'rtmp', remote: 'camera' });
  pub.setDescription(camera);
  const output = new RtmpPlayOutput(pub.stream, { messageStreamId: 1, chunkSize: 4096, tracks: { audio: true, video: false } });
  const first = fakeTransport();
  output.addReader(first, setup);
  pub.pushFrame(video(0, true, 500));
  pub.pushFrame(audio(10));
  pub.pushFrame(audio(33));
  const late = fakeTransport();
  output.addReader(late, setup);
  assert.deepEqual(late.written.at(-1), first.written.at(-1), 'the last audio frame');
  assert.ok(!late.written.some((b) => b.equals(first.written.at(-2)!)), 'not the audio frame before it');
});
