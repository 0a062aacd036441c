/** RtpOutput: the one RTP sending side of RTSP PLAY and RTSP push (identities, units, sender reports). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rtpParamsForAudio, rtpParamsForVideo } from '../../../../protocols/rtp/format.ts';
import { RtpOutput } from '../../../../protocols/rtp/output.ts';
import { RtpPacket } from '../../../../protocols/rtp/packet.ts';
import { parseRtcpCompound } from '../../../../protocols/rtp/rtcp/compound.ts';
import { audioFrame, h264Nalu, videoFrame } from './rtp-test-helpers.ts';

const video = { kind: 'video' as const, params: rtpParamsForVideo({ codec: 'h264' })! };
const audio = { kind: 'audio' as const, params: rtpParamsForAudio({ codec: 'pcmu', sampleRate: 8000, channels: 1 })! };

/** A random source that returns the given values in turn. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

test('RtpOutput: one sender per track, identities drawn in track order (SSRC, sequence number, timestamp offset)', () => {
  const out = new RtpOutput([video, audio], sequence(0.5, 0.25, 0, 0.75, 0.5, 0));
  assert.deepEqual([out.sender('video')?.ssrc, out.sender('video')?.nextSequenceNumber], [2 ** 31, 0x4000]);
  assert.deepEqual([out.sender('audio')?.ssrc, out.sender('audio')?.nextSequenceNumber], [0.75 * 2 ** 32, 0x8000]);
  assert.equal(new RtpOutput([audio], Math.random).sender('video'), undefined);
});

test('RtpOutput.packetize: the packets of a frame with their size; a reader starts at a video keyframe, or any audio frame without video', () => {
  const both = new RtpOutput([video, audio], sequence(0.1, 0.2, 0.3));
  const key = both.packetize(videoFrame([h264Nalu(0x65, 3000)], 0, true))!;
  assert.equal(key.track, 'video');
  assert.equal(key.startsGop, true);
  assert.ok(key.buffers.length > 1, 'fragmented at the MTU');
  assert.equal(key.size, key.buffers.reduce((n, b) => n + b.length, 0));
  assert.equal(RtpPacket.decode(key.buffers.at(-1)!).marker, true);
  assert.equal(both.packetize(videoFrame([h264Nalu(0x41, 100)], 40, false))!.startsGop, false);
  assert.equal(both.packetize(audioFrame(Buffer.alloc(160), 0))!.startsGop, false, 'audio beside video never starts a GOP');
  const audioOnly = new RtpOutput([audio], sequence(0.1));
  assert.equal(audioOnly.packetize(audioFrame(Buffer.alloc(160), 0))!.startsGop, true);
  assert.equal(audioOnly.packetize(videoFrame([h264Nalu(0x65, 10)], 0, true)), null, 'a track not sent');
  assert.equal(audioOnly.packetize(audioFrame(Buffer.alloc(0), 20)), null, 'nothing to send');
});

test('RtpOutput.senderReport: the track SSRC and counts, and the RTP time of the given media time', () => {
  const out = new RtpOutput([audio], sequence(0.5, 0, 0));
  out.packetize(audioFrame(Buffer.alloc(160), 0));
  const sr = parseRtcpCompound(out.senderReport('audio', 1_700_000_000_000, 1000)!)[0]!;
  assert.equal(sr.type, 'sr');
  if (sr.type !== 'sr') return;
  assert.deepEqual([sr.ssrc, sr.rtpTimestamp, sr.packetCount, sr.octetCount], [2 ** 31, 8000, 1, 160]);
  assert.equal(out.senderReport('video', 0, 0), undefined);
});
