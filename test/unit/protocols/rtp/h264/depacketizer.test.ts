import { test } from 'node:test';
import assert from 'node:assert/strict';
import { H264Depacketizer } from '../../../../../protocols/rtp/h264/depacketizer.ts';
import { H264Packetizer } from '../../../../../protocols/rtp/h264/packetizer.ts';
import { MAX_ACCESS_UNIT_BYTES } from '../../../../../protocols/rtp/access-unit-assembler.ts';
import { frameSummary, h264Nalu, pushAll, rtp, videoFrame } from '../rtp-test-helpers.ts';
import { H264_CASES } from './cases.ts';

const IDENTITY = { ssrc: 1, initialSequenceNumber: 65500, timestampOffset: 0xfffff000 };

for (const c of H264_CASES) {
  test(`H264Depacketizer round trip: ${c.name}`, () => {
    const packetizer = new H264Packetizer({ ...IDENTITY, mtu: c.mtu });
    const expected = c.accessUnits.map((au) => videoFrame(au.nalus, au.ptsMs, au.keyframe));
    const packets = expected.flatMap((f) => packetizer.packetize(f));
    const d = new H264Depacketizer();
    const frames = pushAll(d, packets);
    const t0 = expected[0]!.pts;
    assert.deepEqual(frames.map(frameSummary), expected.map((f) => frameSummary({ ...f, pts: f.pts - t0, dts: f.dts - t0 })));
    assert.equal(d.stats.framesOutput, expected.length);
    assert.equal(d.stats.packetsLost + d.stats.packetsMalformed + d.stats.framesDropped, 0);
  });
}

/** A 3-AU stream: IDR in 4 FU-A, a P frame, a P frame. Packets [0..3], [4], [5]. */
function stream(): { packets: Buffer[]; frames: ReturnType<typeof videoFrame>[] } {
  const packetizer = new H264Packetizer({ ...IDENTITY, mtu: 100 });
  const frames = [
    videoFrame([h264Nalu(0x65, 350)], 0, true),
    videoFrame([h264Nalu(0x41, 60)], 40, false),
    videoFrame([h264Nalu(0x41, 61)], 80, false),
  ];
  return { packets: frames.flatMap((f) => packetizer.packetize(f)), frames };
}

test('H264Depacketizer: a lost FU-A fragment drops that access unit only, next AU resyncs', () => {
  const { packets, frames } = stream();
  const d = new H264Depacketizer();
  const out = pushAll(d, [...packets.slice(0, 2), ...packets.slice(3)]);
  assert.deepEqual(out.map((f) => f.payload), [frames[1]!.payload, frames[2]!.payload]);
  assert.equal(out[0]!.pts, 40, 'origin is the first RTP timestamp seen, dropped or not');
  assert.equal(d.stats.packetsLost, 1);
  assert.equal(d.stats.framesDropped, 1);
});

test('H264Depacketizer: joining mid FU-A is counted, not thrown', () => {
  const { packets, frames } = stream();
  const d = new H264Depacketizer();
  const out = pushAll(d, packets.slice(2));
  assert.deepEqual(out.map((f) => f.payload), [frames[1]!.payload, frames[2]!.payload]);
  assert.equal(d.stats.midFragmentJoins, 1);
  assert.equal(d.stats.packetsLost, 0);
});

test('H264Depacketizer: a lost whole AU between two marked AUs drops the next AU (cannot tell), then resyncs', () => {
  const { packets, frames } = stream();
  const d = new H264Depacketizer();
  const out = pushAll(d, [...packets.slice(0, 4), packets[5]!]);
  assert.deepEqual(out.map((f) => f.payload), [frames[0]!.payload]);
  assert.equal(d.stats.framesDropped, 1);
});

test('H264Depacketizer: duplicate and late packets are ignored', () => {
  const { packets, frames } = stream();
  const d = new H264Depacketizer();
  const out = pushAll(d, [packets[0]!, packets[0]!, packets[1]!, packets[2]!, packets[1]!, packets[3]!, packets[4]!, packets[5]!]);
  assert.deepEqual(out.map((f) => f.payload), frames.map((f) => f.payload));
  assert.equal(d.stats.packetsOutOfOrder, 2);
});

test('H264Depacketizer: sequence numbers wrapping at 65535 are not a loss', () => {
  const packetizer = new H264Packetizer({ ...IDENTITY, initialSequenceNumber: 65533, mtu: 100 });
  const frames = [videoFrame([h264Nalu(0x65, 500)], 0, true), videoFrame([h264Nalu(0x41, 30)], 40, false)];
  const d = new H264Depacketizer();
  const out = pushAll(d, frames.flatMap((f) => packetizer.packetize(f)));
  assert.equal(out.length, 2);
  assert.equal(d.stats.packetsLost, 0);
});

test('H264Depacketizer: RTP timestamp wrap keeps pts increasing', () => {
  const d = new H264Depacketizer();
  const start = 0xffffffff - 3600 + 1;
  const out = pushAll(d, [0, 1, 2, 3].map((i) => rtp('41aa', i, start + i * 3600, true)));
  assert.deepEqual(out.map((f) => f.pts), [0, 40, 80, 120]);
});

test('H264Depacketizer: rtpTimestampOrigin maps a given RTP time to 0 ms', () => {
  const d = new H264Depacketizer({ rtpTimestampOrigin: 9000 });
  assert.equal(pushAll(d, [rtp('41aa', 7, 18000, true)])[0]!.pts, 100);
});

const decodeOnly: { name: string; packets: Buffer[]; frames: { payload: string; pts: number; keyframe: boolean }[]; stats?: Record<string, number> }[] = [
  {
    name: 'camera sends FU-A with start and end bits set',
    packets: [rtp('7c c5 8899', 1, 0, true)],
    frames: [{ payload: '00000003 65 8899', pts: 0, keyframe: true }],
  },
  {
    name: 'camera sends SPS and PPS as their own marked packets before the IDR: carried into the IDR AU',
    packets: [rtp('6742', 1, 0, true), rtp('68ce', 2, 0, true), rtp('65aa', 3, 0, true), rtp('41bb', 4, 3600, true)],
    frames: [
      { payload: '00000002 6742 00000002 68ce 00000002 65aa', pts: 0, keyframe: true },
      { payload: '00000002 41bb', pts: 40, keyframe: false },
    ],
  },
  {
    name: 'camera never sets the marker bit: AU ends at the next timestamp',
    packets: [rtp('6742', 1, 0, false), rtp('65aa', 2, 0, false), rtp('41bb', 3, 3600, false), rtp('41cc', 4, 7200, false)],
    frames: [
      { payload: '00000002 6742 00000002 65aa', pts: 0, keyframe: true },
      { payload: '00000002 41bb', pts: 40, keyframe: false },
    ],
  },
  {
    name: 'STAP-A with a NAL size running past the packet -> frame dropped',
    packets: [rtp('78 0002 6742 0009 68', 1, 0, false), rtp('65aa', 2, 0, true), rtp('41bb', 3, 3600, true)],
    frames: [{ payload: '00000002 41bb', pts: 40, keyframe: false }],
    stats: { packetsMalformed: 1, framesDropped: 1 },
  },
  {
    name: 'STAP-A with a zero-size NAL unit is malformed',
    packets: [rtp('78 0000', 1, 0, true)],
    frames: [],
    stats: { packetsMalformed: 1, framesDropped: 1 },
  },
  {
    name: 'STAP-B, MTAP and FU-B are unsupported (interleaved mode)',
    packets: [rtp('79 0001 0002 6742', 1, 0, true), rtp('7a 00', 2, 3600, true), rtp('7d 85 00 01 aa', 3, 7200, true)],
    frames: [],
    stats: { packetsMalformed: 3, framesDropped: 3 },
  },
  {
    name: 'empty payload, NAL type 0 and a 1-byte FU-A are malformed',
    packets: [rtp('', 1, 0, true), rtp('00ff', 2, 3600, true), rtp('7c', 3, 7200, true), rtp('41dd', 4, 10800, true)],
    frames: [{ payload: '00000002 41dd', pts: 120, keyframe: false }],
    stats: { packetsMalformed: 3, framesDropped: 3 },
  },
  {
    name: 'FU-A start while another FU-A is open -> AU dropped',
    packets: [rtp('7c 85 11', 1, 0, false), rtp('7c 85 22', 2, 0, false), rtp('7c 45 33', 3, 0, true)],
    frames: [],
    stats: { framesDropped: 1 },
  },
  {
    name: 'AU ending with an unfinished FU-A (marker on a middle fragment) is dropped',
    packets: [rtp('7c 85 11', 1, 0, false), rtp('7c 05 22', 2, 0, true), rtp('41ee', 3, 3600, true)],
    frames: [{ payload: '00000002 41ee', pts: 40, keyframe: false }],
    stats: { framesDropped: 1 },
  },
  {
    name: 'new SSRC (encoder restart) restarts sequence tracking without loss',
    packets: [rtp('41aa', 100, 0, true), Buffer.from(rtp('41bb', 5, 3600, true)).fill(0x55, 8, 12)],
    frames: [{ payload: '00000002 41aa', pts: 0, keyframe: false }, { payload: '00000002 41bb', pts: 40, keyframe: false }],
    stats: { packetsLost: 0, packetsOutOfOrder: 0 },
  },
];

for (const c of decodeOnly) {
  test(`H264Depacketizer decode-only: ${c.name}`, () => {
    const d = new H264Depacketizer();
    const out = pushAll(d, c.packets);
    assert.deepEqual(
      out.map((f) => ({ payload: f.payload.toString('hex'), pts: f.pts, keyframe: f.keyframe })),
      c.frames.map((f) => ({ ...f, payload: f.payload.replace(/\s+/g, '') })),
    );
    for (const [k, v] of Object.entries(c.stats ?? {})) assert.equal(d.stats[k as keyof typeof d.stats], v, k);
  });
}

test('H264Depacketizer: an access unit over MAX_ACCESS_UNIT_BYTES is dropped, the next one passes', () => {
  const d = new H264Depacketizer();
  const chunk = Buffer.alloc(60000, 0xab);
  const header = Buffer.from([0x7c, 0x85]);
  const middle = Buffer.from([0x7c, 0x05]);
  const count = Math.ceil(MAX_ACCESS_UNIT_BYTES / chunk.length) + 1;
  let out = d.push(decodeRtp(rtp(Buffer.concat([header, chunk]), 0, 0, false)));
  for (let i = 1; i <= count; i++) out = d.push(decodeRtp(rtp(Buffer.concat([middle, chunk]), i, 0, false)));
  out = d.push(decodeRtp(rtp('7c 45 00', count + 1, 0, true)));
  assert.equal(out.length, 0);
  assert.equal(d.stats.framesDropped, 1);
  out = d.push(decodeRtp(rtp('41 ff', count + 2, 3600, true)));
  assert.equal(out.length, 1);
});

test('H264Depacketizer: reset forgets partial state', () => {
  const d = new H264Depacketizer();
  pushAll(d, [rtp('7c 85 11', 1, 0, false)]);
  d.reset();
  assert.equal(pushAll(d, [rtp('41aa', 500, 0, true)]).length, 1);
  assert.equal(d.stats.packetsLost, 0);
});

import { RtpPacket } from '../../../../../protocols/rtp/packet.ts';
function decodeRtp(b: Buffer): RtpPacket {
  return RtpPacket.decode(b);
}
