import { test } from 'node:test';
import assert from 'node:assert/strict';
import { G711Depacketizer } from '../../../../../protocols/rtp/g711/depacketizer.ts';
import { G711Packetizer, PCMA_PAYLOAD_TYPE, PCMU_PAYLOAD_TYPE } from '../../../../../protocols/rtp/g711/packetizer.ts';
import { RtpPacket } from '../../../../../protocols/rtp/packet.ts';
import { audioFrame, frameSummary, pushAll, rtp } from '../rtp-test-helpers.ts';

const IDENTITY = { ssrc: 5, initialSequenceNumber: 65535, timestampOffset: 0xffffff00 };

const cases: { name: string; payloadType: number; channels: number; mtu: number; sizes: number[]; packets: number[] }[] = [
  { name: 'PCMU 20 ms frames', payloadType: PCMU_PAYLOAD_TYPE, channels: 1, mtu: 1400, sizes: [160, 160, 160], packets: [160, 160, 160] },
  { name: 'PCMA frame larger than the MTU', payloadType: PCMA_PAYLOAD_TYPE, channels: 1, mtu: 100, sizes: [250], packets: [100, 100, 50] },
  { name: 'stereo split on sample boundaries', payloadType: 97, channels: 2, mtu: 101, sizes: [210], packets: [100, 100, 10] },
];

for (const c of cases) {
  test(`G.711 round trip: ${c.name}`, () => {
    const p = new G711Packetizer({ ...IDENTITY, payloadType: c.payloadType, channels: c.channels, mtu: c.mtu });
    const frames = c.sizes.map((n, i) => audioFrame(Buffer.alloc(n, i + 1), i * 20));
    const packets = frames.flatMap((f) => p.packetize(f));
    const decoded = packets.map((b) => RtpPacket.decode(b));
    assert.deepEqual(decoded.map((d) => d.payload.length), c.packets);
    assert.ok(decoded.every((d) => !d.marker && d.payloadType === c.payloadType));
    assert.equal(decoded[0]!.sequenceNumber, 65535);
    assert.equal(decoded[1]!.sequenceNumber, 0);
    const d = new G711Depacketizer();
    const out = pushAll(d, packets);
    if (c.sizes.length === c.packets.length) {
      assert.deepEqual(out.map(frameSummary), frames.map(frameSummary));
    } else {
      assert.deepEqual(Buffer.concat(out.map((f) => f.payload)), frames[0]!.payload);
      const samplesBefore = [0, ...c.packets.slice(0, -1)].map((_, i) => c.packets.slice(0, i).reduce((a, b) => a + b, 0) / c.channels);
      assert.deepEqual(out.map((f) => f.pts), samplesBefore.map((s) => s / 8));
    }
  });
}

test('G.711 depacketizer: loss is counted, other packets pass; empty payload is malformed', () => {
  const d = new G711Depacketizer();
  const out = pushAll(d, [rtp('d5d5', 1, 0, false, 8), rtp('d5d5', 3, 320, false, 8), rtp('', 4, 480, false, 8), rtp('d5', 2, 160, false, 8)]);
  assert.deepEqual(out.map((f) => f.pts), [0, 40]);
  assert.equal(d.stats.packetsLost, 1);
  assert.equal(d.stats.packetsMalformed, 1);
  assert.equal(d.stats.packetsOutOfOrder, 1);
});

test('G.711 packetizer refuses bad channel counts', () => {
  assert.throws(() => new G711Packetizer({ ...IDENTITY, payloadType: 0, channels: 0 }), RangeError);
});
