/** RtpIngest: the one RTP receive path of RTSP RECORD and RTSP pulls (decode, depacketize, count). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Frame } from '../../../../protocols/media/frame.ts';
import { rtpParamsForAudio } from '../../../../protocols/rtp/format.ts';
import { G711Packetizer } from '../../../../protocols/rtp/g711/packetizer.ts';
import { RtpIngest } from '../../../../protocols/rtp/ingest.ts';
import type { RtpPacket } from '../../../../protocols/rtp/packet.ts';
import { senderReportsIn } from '../../../../protocols/rtp/rtcp/compound.ts';
import { buildSenderReport } from '../../../../protocols/rtp/rtcp/sender-report.ts';
import { audioFrame } from './rtp-test-helpers.ts';

const params = rtpParamsForAudio({ codec: 'pcmu', sampleRate: 8000, channels: 1 })!;
const packetizer = (): G711Packetizer => new G711Packetizer({ ssrc: 7, initialSequenceNumber: 100, timestampOffset: 5000, payloadType: 0 });

test('RtpIngest: packets in, frames out, each decoded packet seen before its frames', () => {
  const events: string[] = [];
  const frames: Frame[] = [];
  const ingest = new RtpIngest(params, {}, {
    onPacket: (p: RtpPacket) => events.push(`packet ${p.sequenceNumber}`),
    onFrame: (f) => {
      events.push(`frame ${f.pts}`);
      frames.push(f);
    },
  });
  const p = packetizer();
  for (let i = 0; i < 3; i++) for (const b of p.packetize(audioFrame(Buffer.alloc(160, i + 1), i * 20))) ingest.push(b);
  assert.deepEqual(events, ['packet 100', 'frame 0', 'packet 101', 'frame 20', 'packet 102', 'frame 40']);
  assert.deepEqual(frames.map((f) => f.payload[0]), [1, 2, 3]);
  assert.deepEqual(ingest.stats, { packetsReceived: 3, packetsMalformed: 0, packetsLost: 0, framesReceived: 3, framesDropped: 0 });
});

test('RtpIngest: what is not RTP is counted and dropped, loss is the depacketizer count; sum adds tracks', () => {
  const a = new RtpIngest(params, {}, { onFrame: () => {} });
  const b = new RtpIngest(params, {}, { onFrame: () => {} });
  a.push(Buffer.from([0x00, 0x01])); // truncated header
  a.push(Buffer.alloc(12)); // version 0
  const p = packetizer();
  const packets = [0, 20, 40].flatMap((t) => p.packetize(audioFrame(Buffer.alloc(160, 9), t)));
  b.push(packets[0]!);
  b.push(packets[2]!); // packet 101 lost
  assert.deepEqual(a.stats, { packetsReceived: 2, packetsMalformed: 2, packetsLost: 0, framesReceived: 0, framesDropped: 0 });
  assert.deepEqual(RtpIngest.sum([a, b]), { packetsReceived: 4, packetsMalformed: 2, packetsLost: 1, framesReceived: 2, framesDropped: 0 });
});

test('senderReportsIn: the SRs of a compound packet, none for malformed RTCP', () => {
  const sr = buildSenderReport({ ssrc: 7, nowUnixMs: 1_700_000_000_000, rtpTimestamp: 1234, packetCount: 3, octetCount: 480 });
  const found = senderReportsIn(sr);
  assert.equal(found.length, 1);
  assert.deepEqual([found[0]!.ssrc, found[0]!.rtpTimestamp, found[0]!.packetCount, found[0]!.octetCount], [7, 1234, 3, 480]);
  assert.deepEqual(senderReportsIn(Buffer.from([0x80, 0xc8, 0x00])), []);
});
