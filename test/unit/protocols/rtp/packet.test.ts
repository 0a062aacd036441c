import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RtpPacket, type RtpPacketInit } from '../../../../protocols/rtp/packet.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Round-trip cases: encode(init) === hex and decode(hex) gives init back. */
const cases: { name: string; init: RtpPacketInit; hex: string }[] = [
  {
    name: 'plain header, marker, dynamic PT',
    init: { marker: true, payloadType: 96, sequenceNumber: 0x1234, timestamp: 0x89abcdef, ssrc: 0xdeadbeef, payload: hex('65aabb') },
    hex: '80e0 1234 89abcdef deadbeef 65aabb',
  },
  {
    name: 'PCMU, no marker, sequence 65535, timestamp 2^32 - 1',
    init: { payloadType: 0, sequenceNumber: 65535, timestamp: 0xffffffff, ssrc: 1, payload: hex('ff7f') },
    hex: '8000 ffff ffffffff 00000001 ff7f',
  },
  {
    name: 'two CSRCs',
    init: { payloadType: 8, sequenceNumber: 1, timestamp: 2, ssrc: 3, csrc: [0x11111111, 0x22222222], payload: hex('d5') },
    hex: '8208 0001 00000002 00000003 11111111 22222222 d5',
  },
  {
    name: 'header extension (one-byte form profile 0xBEDE)',
    init: { payloadType: 96, sequenceNumber: 7, timestamp: 8, ssrc: 9, extension: { profile: 0xbede, data: hex('10ff0000') }, payload: hex('41') },
    hex: '9060 0007 00000008 00000009 bede 0001 10ff0000 41',
  },
  {
    name: 'padding of 4 bytes',
    init: { payloadType: 96, sequenceNumber: 7, timestamp: 8, ssrc: 9, payload: hex('4142'), paddingSize: 4 },
    hex: 'a060 0007 00000008 00000009 4142 00000004',
  },
  {
    name: 'CSRC + extension + padding + marker',
    init: { marker: true, payloadType: 97, sequenceNumber: 1, timestamp: 1, ssrc: 1, csrc: [5], extension: { profile: 0x1000, data: hex('') }, payload: hex('aa'), paddingSize: 1 },
    hex: 'b1e1 0001 00000001 00000001 00000005 1000 0000 aa 01',
  },
  {
    name: 'empty payload',
    init: { payloadType: 96, sequenceNumber: 1, timestamp: 1, ssrc: 1, payload: hex('') },
    hex: '8060 0001 00000001 00000001',
  },
];

for (const c of cases) {
  test(`RtpPacket: ${c.name}`, () => {
    const packet = new RtpPacket(c.init);
    const wire = hex(c.hex);
    assert.equal(packet.encodedLength(), wire.length);
    assert.equal(packet.encode().toString('hex'), wire.toString('hex'));
    const into = Buffer.alloc(wire.length + 6, 0xee);
    assert.equal(packet.encodeInto(into, 3), wire.length);
    assert.equal(into.subarray(3, 3 + wire.length).toString('hex'), wire.toString('hex'));
    assert.equal(into[2], 0xee);
    assert.equal(into[3 + wire.length], 0xee);

    const copy = Buffer.from(wire);
    const decoded = RtpPacket.decode(wire);
    assert.deepEqual(wire, copy, 'input not modified');
    assert.equal(decoded.marker, c.init.marker ?? false);
    assert.equal(decoded.payloadType, c.init.payloadType);
    assert.equal(decoded.sequenceNumber, c.init.sequenceNumber);
    assert.equal(decoded.timestamp, c.init.timestamp);
    assert.equal(decoded.ssrc, c.init.ssrc);
    assert.deepEqual(decoded.csrc, c.init.csrc ?? []);
    assert.deepEqual(decoded.extension, c.init.extension);
    assert.equal(decoded.payload.toString('hex'), c.init.payload.toString('hex'));
    assert.equal(decoded.paddingSize, c.init.paddingSize ?? 0);
    assert.equal(decoded.payload.buffer, wire.buffer, 'payload is a view');
    assert.equal(decoded.encode().toString('hex'), wire.toString('hex'));
  });
}

const invalid: { name: string; hex: string; code: string }[] = [
  { name: 'shorter than the fixed header', hex: '8060 0001 00000001 000000', code: 'RTP_PACKET_TRUNCATED' },
  { name: 'version 1', hex: '4060 0001 00000001 00000001 aa', code: 'RTP_VERSION_UNSUPPORTED' },
  { name: 'version 0 (e.g. STUN or a stray interleaved frame)', hex: '0001 0000 2112a442 00000000', code: 'RTP_VERSION_UNSUPPORTED' },
  { name: 'CSRC count past the end', hex: '8360 0001 00000001 00000001 00000002', code: 'RTP_PACKET_TRUNCATED' },
  { name: 'extension header past the end', hex: '9060 0001 00000001 00000001 bede', code: 'RTP_PACKET_TRUNCATED' },
  { name: 'extension data past the end', hex: '9060 0001 00000001 00000001 bede 0002 00000000', code: 'RTP_PACKET_TRUNCATED' },
  { name: 'padding count 0', hex: 'a060 0001 00000001 00000001 aa00', code: 'RTP_PADDING_INVALID' },
  { name: 'padding larger than the payload', hex: 'a060 0001 00000001 00000001 aa03', code: 'RTP_PADDING_INVALID' },
  { name: 'padding bit with no payload at all', hex: 'a060 0001 00000001 00000001', code: 'RTP_PADDING_INVALID' },
];

for (const c of invalid) {
  test(`RtpPacket.decode rejects: ${c.name}`, () => {
    assert.throws(() => RtpPacket.decode(hex(c.hex)), { name: 'ProtocolError', code: c.code });
  });
}

test('RtpPacket: padding that exactly fills the packet after the header is valid', () => {
  const p = RtpPacket.decode(hex('a060 0001 00000001 00000001 0002'));
  assert.equal(p.payload.length, 0);
  assert.equal(p.paddingSize, 2);
});

test('RtpPacket: encode refuses impossible fields', () => {
  const base = { payloadType: 96, sequenceNumber: 1, timestamp: 1, ssrc: 1, payload: Buffer.alloc(1) };
  assert.throws(() => new RtpPacket({ ...base, payloadType: 128 }).encode(), RangeError);
  assert.throws(() => new RtpPacket({ ...base, csrc: new Array(16).fill(1) }).encode(), RangeError);
  assert.throws(() => new RtpPacket({ ...base, paddingSize: 256 }).encode(), RangeError);
  assert.throws(() => new RtpPacket({ ...base, extension: { profile: 1, data: Buffer.alloc(3) } }).encode(), RangeError);
  assert.throws(() => new RtpPacket({ ...base, sequenceNumber: 65536 }).encode(), RangeError);
  assert.throws(() => new RtpPacket(base).encodeInto(Buffer.alloc(12), 0), RangeError);
});
