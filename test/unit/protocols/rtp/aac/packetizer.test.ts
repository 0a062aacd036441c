import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AacPacketizer } from '../../../../../protocols/rtp/aac/packetizer.ts';
import { RtpPacket } from '../../../../../protocols/rtp/packet.ts';
import { audioFrame } from '../rtp-test-helpers.ts';
import { AAC_CASES, auFrames } from './cases.ts';

const IDENTITY = { ssrc: 3, initialSequenceNumber: 10, timestampOffset: 1000 };

function describe(p: RtpPacket): string {
  const bits = p.payload.readUInt16BE(0);
  const sizes: number[] = [];
  for (let i = 0; i < bits / 16; i++) {
    const h = p.payload.readUInt16BE(2 + 2 * i);
    assert.equal(h & 7, 0, 'AU-Index / AU-Index-delta 0');
    sizes.push(h >> 3);
  }
  return `${sizes.join(',')}/${p.payload.length - 2 - bits / 8}${p.marker ? '*' : ''}`;
}

for (const c of AAC_CASES) {
  test(`AacPacketizer: ${c.name}`, () => {
    const p = new AacPacketizer({ ...IDENTITY, mtu: c.mtu, clockRate: c.clockRate });
    const frames = auFrames(c.auSizes, c.clockRate);
    const packets = c.single ? frames.flatMap((f) => p.packetize(f)) : p.packetizeGroup(frames);
    const decoded = packets.map((b) => RtpPacket.decode(b));
    assert.deepEqual(decoded.map(describe), c.packets);
    for (const d of decoded) assert.ok(d.payload.length <= c.mtu);
    assert.equal(decoded[0]!.timestamp, 1000);
    assert.equal(p.clockRate, c.clockRate);
  });
}

test('AacPacketizer: AU timestamps advance by 1024 samples at the sampling rate', () => {
  const p = new AacPacketizer({ ...IDENTITY, clockRate: 44100, timestampOffset: 0xfffffc00 });
  const ts = auFrames([10, 10, 10], 44100).map((f) => RtpPacket.decode(p.packetize(f)[0]!).timestamp);
  assert.deepEqual(ts, [0xfffffc00, 0, 1024], 'wraps at 2^32');
});

test('AacPacketizer: an AU over 8191 bytes is dropped and counted; empty AUs are skipped', () => {
  const p = new AacPacketizer({ ...IDENTITY, clockRate: 48000, mtu: 20000 });
  assert.deepEqual(p.packetize(audioFrame(Buffer.alloc(8192), 0)), []);
  assert.deepEqual(p.packetize(audioFrame(Buffer.alloc(0), 0)), []);
  assert.equal(p.stats.framesDropped, 1);
  assert.equal(p.stats.packets, 0);
});
