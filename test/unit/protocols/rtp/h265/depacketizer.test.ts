import { test } from 'node:test';
import assert from 'node:assert/strict';
import { H265Depacketizer } from '../../../../../protocols/rtp/h265/depacketizer.ts';
import { H265Packetizer } from '../../../../../protocols/rtp/h265/packetizer.ts';
import { frameSummary, h265Nalu, pushAll, rtp, videoFrame } from '../rtp-test-helpers.ts';
import { H265_CASES } from './cases.ts';

const IDENTITY = { ssrc: 9, initialSequenceNumber: 65530, timestampOffset: 0xffff0000 };

for (const c of H265_CASES) {
  test(`H265Depacketizer round trip: ${c.name}`, () => {
    const packetizer = new H265Packetizer({ ...IDENTITY, mtu: c.mtu });
    const expected = c.accessUnits.map((au) => videoFrame(au.nalus, au.ptsMs, au.keyframe));
    const d = new H265Depacketizer();
    const frames = pushAll(d, expected.flatMap((f) => packetizer.packetize(f)));
    // pts come back from the 90 kHz clock: 33.3667 ms -> 3003 ticks -> 33.3666... ms
    const ticks = (ms: number): number => (Math.round(ms * 90) * 1000) / 90000;
    assert.deepEqual(frames.map(frameSummary), expected.map((f) => frameSummary({ ...f, pts: ticks(f.pts), dts: ticks(f.dts) })));
    assert.equal(d.stats.packetsLost + d.stats.packetsMalformed + d.stats.framesDropped, 0);
  });
}

test('H265Depacketizer: lost FU drops the AU; joining mid-FU is counted', () => {
  const packetizer = new H265Packetizer({ ...IDENTITY, mtu: 100 });
  const frames = [videoFrame([h265Nalu(19, 300)], 0, true), videoFrame([h265Nalu(1, 30)], 40, false)];
  const packets = frames.flatMap((f) => packetizer.packetize(f));
  const lost = new H265Depacketizer();
  assert.deepEqual(pushAll(lost, [packets[0]!, ...packets.slice(2)]).map((f) => f.payload), [frames[1]!.payload]);
  assert.equal(lost.stats.packetsLost, 1);
  assert.equal(lost.stats.framesDropped, 1);
  const joined = new H265Depacketizer();
  assert.deepEqual(pushAll(joined, packets.slice(1)).map((f) => f.payload), [frames[1]!.payload]);
  assert.equal(joined.stats.midFragmentJoins, 1);
});

const decodeOnly: { name: string; packets: Buffer[]; frames: string[]; stats: Record<string, number> }[] = [
  {
    name: 'FU with S and E set is accepted as a whole NAL unit',
    packets: [rtp('6201 d3 aabb', 1, 0, true)],
    frames: ['00000004 2601 aabb'],
    stats: {},
  },
  {
    name: 'AP with a size past the end is malformed',
    packets: [rtp('6001 0004 0201aa', 1, 0, true)],
    frames: [],
    stats: { packetsMalformed: 1, framesDropped: 1 },
  },
  {
    name: 'AP with a NAL unit shorter than its header is malformed',
    packets: [rtp('6001 0001 02', 1, 0, true)],
    frames: [],
    stats: { packetsMalformed: 1 },
  },
  {
    name: 'PACI and undefined types are malformed; the next AU passes',
    packets: [rtp('6401 00000000', 1, 0, true), rtp('7e01 00', 2, 3000, true), rtp('0201 cc', 3, 6000, true)],
    frames: ['00000003 0201cc'],
    stats: { packetsMalformed: 2, framesDropped: 2 },
  },
  {
    name: 'a payload no longer than the 2-byte header is malformed',
    packets: [rtp('0201', 1, 0, true), rtp('62', 2, 3000, true)],
    frames: [],
    stats: { packetsMalformed: 2 },
  },
];

for (const c of decodeOnly) {
  test(`H265Depacketizer decode-only: ${c.name}`, () => {
    const d = new H265Depacketizer();
    const out = pushAll(d, c.packets);
    assert.deepEqual(out.map((f) => f.payload.toString('hex')), c.frames.map((f) => f.replace(/\s+/g, '')));
    for (const [k, v] of Object.entries(c.stats)) assert.equal(d.stats[k as keyof typeof d.stats], v, k);
  });
}
