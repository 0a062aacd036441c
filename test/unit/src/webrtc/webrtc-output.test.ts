import { test } from 'node:test';
import assert from 'node:assert/strict';
import { joinLengthPrefixed, type Frame, type StreamDescription } from '../../../../protocols/media/frame.ts';
import { RTP_HEADER_LENGTH } from '../../../../protocols/rtp/packet.ts';
import { Stream } from '../../../../src/streams/stream.ts';
import { WebrtcOutput, WEBRTC_RTP_MTU } from '../../../../src/webrtc/webrtc-output.ts';
import { fakeTransport } from '../../../helpers/fake-reader-transport.ts';

const setup = { options: { maxPendingBytes: 1e6, maxDroppingMs: 1000 }, now: () => 0 };
const SPS = Buffer.from('6742c01e', 'hex');
const PPS = Buffer.from('68ce3c80', 'hex');
const desc = (audio: 'aac' | 'pcmu'): StreamDescription => ({
  video: { codec: 'h264', sps: SPS, pps: PPS, width: 320, height: 240 },
  audio: audio === 'aac' ? { codec: 'aac', sampleRate: 44100, channels: 1, config: Buffer.from('1208', 'hex') } : { codec: 'pcmu', sampleRate: 8000, channels: 1 },
});
const video = (keyframe: boolean, pts: number, bytes = 100): Frame => ({
  track: 'video', dts: pts, pts, keyframe, payload: joinLengthPrefixed([Buffer.concat([Buffer.from([keyframe ? 0x65 : 0x41]), Buffer.alloc(bytes, 7)])]),
});
const audio = (pts: number): Frame => ({ track: 'audio', dts: pts, pts, keyframe: true, payload: Buffer.alloc(160, 0xff) });

test('a joining session starts at the GOP keyframe (SPS/PPS in band), packets within the WebRTC MTU', () => {
  const stream = new Stream('site1/cam1', 'raw', () => 0);
  stream.setDescription(desc('aac'));
  const out = new WebrtcOutput(stream, { random: () => 0.5 });
  const live = fakeTransport();
  out.addReader(live, setup);
  stream.pushFrame(video(false, 0)); // before any keyframe: not cached
  stream.pushFrame(video(true, 40, 5000));
  stream.pushFrame(video(false, 80));
  const t = fakeTransport();
  out.addReader(t, setup);
  assert.ok(t.written.length > 4, 'the keyframe is fragmented (FU-A)');
  assert.deepEqual(t.written, live.written.slice(1), 'the joining session gets the packets the first one got from the keyframe on, byte for byte');
  for (const p of t.written) assert.ok(p.length - RTP_HEADER_LENGTH <= WEBRTC_RTP_MTU, `payload ${p.length - RTP_HEADER_LENGTH} over ${WEBRTC_RTP_MTU}`);
  // The first packet carries SPS+PPS (STAP-A, type 24) ahead of the IDR.
  assert.equal(t.written[0]![RTP_HEADER_LENGTH]! & 0x1f, 24);
  assert.equal(out.readerCount, 2);
  assert.ok(stream.stats.bytesOut > 0, 'the replayed GOP counts as sent');
});

test('AAC audio is not sent (not a WebRTC codec); G.711 is', () => {
  for (const codec of ['aac', 'pcmu'] as const) {
    const out = new WebrtcOutput(new Stream('site1/cam1', 'raw', () => 0), { random: () => 0.25 });
    out.onDescription(desc(codec));
    const t = fakeTransport();
    out.addReader(t, setup);
    out.onFrame(video(true, 0));
    const before = t.written.length;
    out.onFrame(audio(20));
    assert.equal(t.written.length - before, codec === 'aac' ? 0 : 1, codec);
  }
});

test('a codec change ends the sessions (they negotiated the old one); the same description does not', () => {
  const out = new WebrtcOutput(new Stream('site1/cam1', 'raw', () => 0), { random: () => 0.5 });
  out.onDescription(desc('aac'));
  const t = fakeTransport();
  out.addReader(t, setup);
  out.onDescription(desc('aac'));
  assert.equal(t.closedWith, null);
  out.onDescription({ ...desc('aac'), video: { codec: 'h264', sps: Buffer.from('6764001f', 'hex'), pps: PPS } });
  assert.equal(t.closedWith, 'stream codec parameters changed');
});
