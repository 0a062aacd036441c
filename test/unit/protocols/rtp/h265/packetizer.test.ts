import { test } from 'node:test';
import assert from 'node:assert/strict';
import { H265Packetizer } from '../../../../../protocols/rtp/h265/packetizer.ts';
import { RtpPacket } from '../../../../../protocols/rtp/packet.ts';
import { h265Nalu, videoFrame } from '../rtp-test-helpers.ts';
import { H265_CASES } from './cases.ts';

const IDENTITY = { ssrc: 7, initialSequenceNumber: 0, timestampOffset: 0 };

function describe(packet: RtpPacket): string {
  const p = packet.payload;
  const type = (p[0]! >> 1) & 0x3f;
  let kind: string;
  if (type === 48) {
    let n = 0;
    for (let off = 2; off < p.length; off += 2 + p.readUInt16BE(off)) n++;
    kind = `ap:${n}`;
  } else if (type === 49) {
    kind = `fu:${p[2]! & 0x80 ? 'S' : p[2]! & 0x40 ? 'E' : 'M'}`;
  } else {
    kind = `single:${type}`;
  }
  return `${kind}/${p.length}${packet.marker ? '*' : ''}`;
}

for (const c of H265_CASES) {
  test(`H265Packetizer: ${c.name}`, () => {
    const packetizer = new H265Packetizer({ ...IDENTITY, mtu: c.mtu });
    const packets = c.accessUnits.flatMap((au) => packetizer.packetize(videoFrame(au.nalus, au.ptsMs, au.keyframe)));
    const decoded = packets.map((b) => RtpPacket.decode(b));
    assert.deepEqual(decoded.map(describe), c.packets);
    for (const p of decoded) assert.ok(p.payload.length <= c.mtu);
  });
}

test('H265Packetizer: AP and FU payload headers keep F, LayerId and TID', () => {
  const nal = h265Nalu(19, 300);
  nal[1] = (5 << 3) | 2; // LayerId 5, TID 2
  const small = h265Nalu(39, 10);
  small[1] = (3 << 3) | 1; // LayerId 3, TID 1
  const small2 = h265Nalu(39, 10);
  const packets = new H265Packetizer({ ...IDENTITY, mtu: 100 })
    .packetize(videoFrame([small, small2, nal], 0, true))
    .map((b) => RtpPacket.decode(b).payload);
  assert.equal((packets[0]![0]! >> 1) & 0x3f, 48);
  assert.equal(packets[0]![1], (0 << 3) | 1, 'AP: lowest LayerId (0) and TID (1)');
  assert.equal((packets[1]![0]! >> 1) & 0x3f, 49);
  assert.equal(packets[1]![1], (5 << 3) | 2, 'FU: the NAL unit\'s LayerId and TID');
  assert.equal(packets[1]![2], 0x80 | 19);
});

test('H265Packetizer: VPS/SPS/PPS before IRAP access units that lack them', () => {
  const vps = h265Nalu(32, 10);
  const sps = h265Nalu(33, 12);
  const pps = h265Nalu(34, 5);
  const p = new H265Packetizer({ ...IDENTITY, vps, sps, pps });
  const first = RtpPacket.decode(p.packetize(videoFrame([h265Nalu(21, 50)], 0, true))[0]!);
  assert.equal(describe(first), `ap:4/${2 + 12 + 14 + 7 + 52}*`);
  const withSps = RtpPacket.decode(p.packetize(videoFrame([sps, h265Nalu(19, 50)], 40, true))[0]!);
  assert.equal(describe(withSps), `ap:4/${2 + 12 + 7 + 14 + 52}*`, 'only VPS and PPS added');
  const trail = RtpPacket.decode(p.packetize(videoFrame([h265Nalu(1, 50)], 80, false))[0]!);
  assert.equal(describe(trail), 'single:1/50*');
});
