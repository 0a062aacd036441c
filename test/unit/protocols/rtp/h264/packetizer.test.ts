import { test } from 'node:test';
import assert from 'node:assert/strict';
import { H264Packetizer } from '../../../../../protocols/rtp/h264/packetizer.ts';
import { RtpPacket } from '../../../../../protocols/rtp/packet.ts';
import { h264Nalu, videoFrame } from '../rtp-test-helpers.ts';
import { H264_CASES } from './cases.ts';

const IDENTITY = { ssrc: 0xcafebabe, initialSequenceNumber: 1000, timestampOffset: 5000 };

/** `single:<type>/<bytes>`, `stap-a:<count>/<bytes>`, `fu-a:<S|M|E>/<bytes>`, `*` when marked. */
function describe(packet: RtpPacket): string {
  const p = packet.payload;
  const type = p[0]! & 0x1f;
  let kind: string;
  if (type === 24) {
    let n = 0;
    for (let off = 1; off < p.length; off += 2 + p.readUInt16BE(off)) n++;
    kind = `stap-a:${n}`;
  } else if (type === 28) {
    kind = `fu-a:${p[1]! & 0x80 ? 'S' : p[1]! & 0x40 ? 'E' : 'M'}`;
  } else {
    kind = `single:${type}`;
  }
  return `${kind}/${p.length}${packet.marker ? '*' : ''}`;
}

for (const c of H264_CASES) {
  test(`H264Packetizer: ${c.name}`, () => {
    const packetizer = new H264Packetizer({ ...IDENTITY, mtu: c.mtu });
    const packets = c.accessUnits.flatMap((au) => {
      const frame = videoFrame(au.nalus, au.ptsMs, au.keyframe);
      const copy = Buffer.from(frame.payload);
      const out = packetizer.packetize(frame);
      assert.deepEqual(frame.payload, copy, 'frame payload not modified');
      return out.map((b) => ({ b, ptsMs: au.ptsMs }));
    });
    const decoded = packets.map(({ b }) => RtpPacket.decode(b));
    assert.deepEqual(decoded.map(describe), c.packets);
    decoded.forEach((p, i) => {
      assert.ok(p.payload.length <= c.mtu, 'payload within the MTU');
      assert.equal(p.sequenceNumber, (1000 + i) & 0xffff);
      assert.equal(p.ssrc, 0xcafebabe);
      assert.equal(p.payloadType, 96);
      assert.equal(p.timestamp, 5000 + packets[i]!.ptsMs * 90);
    });
    assert.equal(packetizer.stats.packets, packets.length);
    assert.equal(packetizer.stats.octets, decoded.reduce((n, p) => n + p.payload.length, 0));
  });
}

test('H264Packetizer: SPS/PPS from the description are sent before an IDR that lacks them', () => {
  const sps = h264Nalu(0x67, 10);
  const pps = h264Nalu(0x68, 4);
  const packetizer = new H264Packetizer({ ...IDENTITY, sps, pps, payloadType: 97 });
  const idr = RtpPacket.decode(packetizer.packetize(videoFrame([h264Nalu(0x65, 40)], 0, true))[0]!);
  assert.equal(idr.payloadType, 97);
  assert.equal(idr.payload[0]! & 0x1f, 24, 'STAP-A');
  assert.equal(idr.payload.subarray(3, 13).toString('hex'), sps.toString('hex'));
  assert.equal(idr.payload.subarray(15, 19).toString('hex'), pps.toString('hex'));

  const nonIdr = packetizer.packetize(videoFrame([h264Nalu(0x41, 40)], 40, false));
  assert.equal(RtpPacket.decode(nonIdr[0]!).payload[0]! & 0x1f, 1, 'no parameter sets before a non-IDR');

  const ownSps = h264Nalu(0x67, 11, 9);
  const withOwn = packetizer.packetize(videoFrame([ownSps, pps, h264Nalu(0x65, 40)], 80, true));
  const stap = RtpPacket.decode(withOwn[0]!).payload;
  assert.equal(stap.readUInt16BE(1), 11, 'the AU\'s own SPS is kept, not duplicated');
  assert.equal(stap.readUInt16BE(1 + 2 + 11), 4);
  assert.equal(stap.readUInt16BE(1 + 2 + 11 + 2 + 4), 40, 'no extra SPS/PPS');
});

test('H264Packetizer: sequence numbers wrap at 65535 and continue across frames', () => {
  const packetizer = new H264Packetizer({ ...IDENTITY, initialSequenceNumber: 65534, mtu: 100 });
  const seqs = [
    ...packetizer.packetize(videoFrame([h264Nalu(0x65, 250)], 0, true)),
    ...packetizer.packetize(videoFrame([h264Nalu(0x41, 20)], 40, false)),
  ].map((b) => RtpPacket.decode(b).sequenceNumber);
  assert.deepEqual(seqs, [65534, 65535, 0, 1]);
  assert.equal(packetizer.nextSequenceNumber, 2);
});

test('H264Packetizer: timestamps are round(pts × 90) + offset modulo 2^32', () => {
  const packetizer = new H264Packetizer({ ...IDENTITY, timestampOffset: 0xffffff00 });
  const ts = (pts: number): number => RtpPacket.decode(packetizer.packetize(videoFrame([h264Nalu(0x41, 5)], pts, false))[0]!).timestamp;
  assert.equal(ts(0), 0xffffff00);
  assert.equal(ts(33.3667), (0xffffff00 + 3003) >>> 0, 'wraps past 2^32');
  assert.equal(packetizer.rtpTimestamp(1000), (0xffffff00 + 90000) >>> 0);
  assert.equal(packetizer.clockRate, 90000);
});

test('H264Packetizer: an empty access unit yields no packets; bad MTUs are refused', () => {
  const packetizer = new H264Packetizer(IDENTITY);
  assert.deepEqual(packetizer.packetize(videoFrame([], 0, false)), []);
  assert.throws(() => new H264Packetizer({ ...IDENTITY, mtu: 10 }), RangeError);
  assert.throws(() => new H264Packetizer({ ...IDENTITY, mtu: 70000 }), RangeError);
});
