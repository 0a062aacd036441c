import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AacDepacketizer } from '../../../../../protocols/rtp/aac/depacketizer.ts';
import { AacPacketizer } from '../../../../../protocols/rtp/aac/packetizer.ts';
import { frameSummary, pushAll, rtp } from '../rtp-test-helpers.ts';
import { AAC_CASES, auFrames } from './cases.ts';

const IDENTITY = { ssrc: 3, initialSequenceNumber: 65534, timestampOffset: 0xfffff000 };

for (const c of AAC_CASES) {
  test(`AacDepacketizer round trip: ${c.name}`, () => {
    const p = new AacPacketizer({ ...IDENTITY, mtu: c.mtu, clockRate: c.clockRate });
    const frames = auFrames(c.auSizes, c.clockRate);
    const packets = c.single ? frames.flatMap((f) => p.packetize(f)) : p.packetizeGroup(frames);
    const d = new AacDepacketizer({ clockRate: c.clockRate });
    const out = pushAll(d, packets);
    assert.deepEqual(out.map(frameSummary), frames.map(frameSummary));
    assert.equal(d.stats.framesOutput, frames.length);
    assert.equal(d.stats.packetsLost + d.stats.packetsMalformed + d.stats.framesDropped, 0);
  });
}

/** Packets: AU 0 (100 B), AU 1 fragmented (3000 B over 3 packets), AU 2 (100 B). */
function fragmentedStream(): Buffer[] {
  const p = new AacPacketizer({ ...IDENTITY, clockRate: 48000 });
  return auFrames([100, 3000, 100], 48000).flatMap((f) => p.packetize(f));
}

test('AacDepacketizer: a lost fragment drops that AU only', () => {
  const packets = fragmentedStream();
  const d = new AacDepacketizer({ clockRate: 48000 });
  const out = pushAll(d, [packets[0]!, packets[1]!, packets[3]!, packets[4]!]);
  assert.deepEqual(out.map((f) => f.payload.length), [100, 100]);
  assert.equal(d.stats.packetsLost, 1);
  assert.equal(d.stats.framesDropped, 1);
});

test('AacDepacketizer: joining in the middle of a fragmented AU skips it', () => {
  const packets = fragmentedStream();
  const d = new AacDepacketizer({ clockRate: 48000 });
  const out = pushAll(d, packets.slice(2));
  assert.deepEqual(out.map((f) => f.payload.length), [100]);
  assert.equal(out[0]!.pts, (2048 - 1024) / 48, 'origin is the first packet seen');
  assert.equal(d.stats.midFragmentJoins, 1);
  assert.equal(d.stats.framesDropped, 1);
});

test('AacDepacketizer: a lost first fragment is not mistaken for a start', () => {
  const packets = fragmentedStream();
  const d = new AacDepacketizer({ clockRate: 48000 });
  const out = pushAll(d, [packets[0]!, packets[2]!, packets[3]!, packets[4]!]);
  assert.deepEqual(out.map((f) => f.payload.length), [100, 100]);
});

const decodeOnly: { name: string; packets: Buffer[]; sizes: number[]; pts?: number[]; stats?: Record<string, number> }[] = [
  {
    name: 'AU-Index-delta > 0 leaves a gap in AU timestamps (interleaving-style numbering)',
    // headers: 0010 (3 B, index 0), 0011 (2 B... size 2, delta 1)
    packets: [rtp('0020 0018 0011 aabbcc ddee', 1, 0, true)],
    sizes: [3, 2],
    pts: [0, (2 * 1024) / 8],
  },
  {
    name: 'AU-headers-length of 0 is malformed',
    packets: [rtp('0000 aa', 1, 0, true)],
    sizes: [],
    stats: { packetsMalformed: 1 },
  },
  {
    name: 'AU-headers running past the packet are malformed',
    packets: [rtp('0030 0018', 1, 0, true)],
    sizes: [],
    stats: { packetsMalformed: 1 },
  },
  {
    name: 'AU sizes larger than the data: AUs that fit are kept',
    packets: [rtp('0020 0010 0040 aa bbcc', 1, 0, true)],
    sizes: [2],
    stats: { packetsMalformed: 1, framesDropped: 1 },
  },
  {
    name: 'AU-headers-length not a whole number of headers is malformed',
    packets: [rtp('0018 001000 aabb', 1, 0, true)],
    sizes: [],
    stats: { packetsMalformed: 1 },
  },
  {
    name: 'fragment with a different AU-size than its start is malformed',
    packets: [rtp('0010 0010 aabb', 1, 0, true), rtp('0010 0030 aa', 2, 1024, false), rtp('0010 0040 bb', 3, 1024, true)],
    sizes: [2],
    stats: { packetsMalformed: 1, framesDropped: 1 },
  },
  {
    name: 'a short single packet with its marker set is malformed, not a fragment',
    packets: [rtp('0010 0010 aabb', 1, 0, true), rtp('0010 0030 aa', 2, 1024, true)],
    sizes: [2],
    stats: { packetsMalformed: 1 },
  },
  {
    name: 'payload shorter than AU-headers-length',
    packets: [rtp('00', 1, 0, true)],
    sizes: [],
    stats: { packetsMalformed: 1 },
  },
];

for (const c of decodeOnly) {
  test(`AacDepacketizer decode-only: ${c.name}`, () => {
    const d = new AacDepacketizer({ clockRate: 8000 });
    const out = pushAll(d, c.packets);
    assert.deepEqual(out.map((f) => f.payload.length), c.sizes);
    if (c.pts !== undefined) assert.deepEqual(out.map((f) => f.pts), c.pts);
    for (const [k, v] of Object.entries(c.stats ?? {})) assert.equal(d.stats[k as keyof typeof d.stats], v, k);
  });
}

test('AacDepacketizer: AAC-lbr layout (sizelength 6, indexlength 2)', () => {
  const d = new AacDepacketizer({ clockRate: 8000, auHeader: { sizeLength: 6, indexLength: 2, indexDeltaLength: 2 } });
  // two 8-bit headers: size 3 / index 0 -> 0000 1100, size 1 / delta 0 -> 0000 0100
  const out = pushAll(d, [rtp('0010 0c04 aabbcc dd', 1, 0, true)]);
  assert.deepEqual(out.map((f) => f.payload.toString('hex')), ['aabbcc', 'dd']);
  assert.throws(() => new AacDepacketizer({ clockRate: 8000, auHeader: { sizeLength: 0, indexLength: 0, indexDeltaLength: 0 } }), RangeError);
});
