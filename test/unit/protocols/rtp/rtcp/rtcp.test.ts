import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildBye } from '../../../../../protocols/rtp/rtcp/bye.ts';
import { parseRtcpCompound } from '../../../../../protocols/rtp/rtcp/compound.ts';
import { compactNtp, ntpFromUnixMs, unixMsFromNtp } from '../../../../../protocols/rtp/rtcp/ntp.ts';
import { buildReceiverReport, buildSdesCname } from '../../../../../protocols/rtp/rtcp/receiver-report.ts';
import { buildSenderReport } from '../../../../../protocols/rtp/rtcp/sender-report.ts';
import type { ReceptionReport } from '../../../../../protocols/rtp/rtcp/reception-report.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

const BLOCK: ReceptionReport = {
  ssrc: 0x01020304,
  fractionLost: 25,
  cumulativeLost: -2,
  extendedHighestSequence: 0x0001fffe,
  jitter: 123,
  lastSenderReport: 0xaabbccdd,
  delaySinceLastSenderReport: 65536,
};

test('NTP conversion: Unix epoch, fractions, compact form', () => {
  assert.deepEqual(ntpFromUnixMs(0), { seconds: 2208988800, fraction: 0 });
  assert.deepEqual(ntpFromUnixMs(1500), { seconds: 2208988801, fraction: 0x80000000 });
  const ms = 1_700_000_000_123;
  assert.ok(Math.abs(unixMsFromNtp(ntpFromUnixMs(ms)) - ms) < 0.001);
  assert.equal(compactNtp({ seconds: 0x1234abcd, fraction: 0x5678ffff }), 0xabcd5678);
});

test('sender report: exact bytes and parse back', () => {
  const sr = buildSenderReport({ ssrc: 0xdeadbeef, nowUnixMs: 1500, rtpTimestamp: 0x11223344, packetCount: 10, octetCount: 2 ** 32 + 5 });
  assert.equal(sr.toString('hex'), hex('80c8 0006 deadbeef 83aa7e81 80000000 11223344 0000000a 00000005').toString('hex'));
  const [p] = parseRtcpCompound(sr);
  assert.deepEqual(p, {
    type: 'sr', ssrc: 0xdeadbeef, ntp: { seconds: 0x83aa7e81, fraction: 0x80000000 }, rtpTimestamp: 0x11223344,
    packetCount: 10, octetCount: 5, reports: [],
  });
});

test('sender report with a reception block; receiver report; SDES; BYE: one compound packet', () => {
  const compound = Buffer.concat([
    buildSenderReport({ ssrc: 1, nowUnixMs: 0, rtpTimestamp: 2, packetCount: 3, octetCount: 4, reports: [BLOCK] }),
    buildReceiverReport({ ssrc: 9, reports: [BLOCK, { ...BLOCK, ssrc: 7, cumulativeLost: 0x7fffff }] }),
    buildSdesCname(9, 'cupola@host'),
    buildBye({ ssrcs: [9, 10], reason: 'shutdown' }),
  ]);
  const packets = parseRtcpCompound(compound);
  assert.deepEqual(packets.map((p) => p.type), ['sr', 'rr', 'sdes', 'bye']);
  assert.deepEqual(packets[0]!.type === 'sr' && packets[0]!.reports, [BLOCK]);
  assert.deepEqual(packets[1]!.type === 'rr' && packets[1]!, { type: 'rr', ssrc: 9, reports: [BLOCK, { ...BLOCK, ssrc: 7, cumulativeLost: 0x7fffff }] });
  assert.deepEqual(packets[2], { type: 'sdes', chunks: [{ ssrc: 9, cname: 'cupola@host' }] });
  assert.deepEqual(packets[3], { type: 'bye', ssrcs: [9, 10], reason: 'shutdown' });
  assert.equal(compound.length % 4, 0);
});

test('receiver report: exact bytes; cumulative lost clamps to 24 bits', () => {
  const rr = buildReceiverReport({ ssrc: 5, reports: [{ ...BLOCK, cumulativeLost: -1e9 }] });
  assert.equal(rr.toString('hex'), hex('81c9 0007 00000005 01020304 19 800000 0001fffe 0000007b aabbccdd 00010000').toString('hex'));
  const empty = buildReceiverReport({ ssrc: 5, reports: [] });
  assert.equal(empty.toString('hex'), '80c9000100000005');
});

const decodeOnly: { name: string; hex: string; types: string[] }[] = [
  { name: 'BYE without reason', hex: '81cb0001 00000007', types: ['bye'] },
  { name: 'APP packet is returned opaque', hex: '80cc0002 00000001 6e616d65', types: ['other'] },
  { name: 'RR with padding bit (padding 4 bytes)', hex: 'a0c90002 00000005 00000004', types: ['rr'] },
  { name: 'SDES with two chunks, NOTE item before CNAME', hex: '82ca0006 00000001 0702686901026162 00000000 00000002 01017a00', types: ['sdes'] },
];

for (const c of decodeOnly) {
  test(`RTCP decode-only: ${c.name}`, () => {
    assert.deepEqual(parseRtcpCompound(hex(c.hex)).map((p) => p.type), c.types);
  });
}

test('RTCP: SDES chunks and items parsed across boundaries', () => {
  const [p] = parseRtcpCompound(hex('82ca0006 00000001 0702686901026162 00000000 00000002 01017a00'));
  assert.deepEqual(p, { type: 'sdes', chunks: [{ ssrc: 1, cname: 'ab' }, { ssrc: 2, cname: 'z' }] });
});

const invalid: { name: string; hex: string; code: string }[] = [
  { name: 'empty', hex: '', code: 'RTCP_PACKET_TRUNCATED' },
  { name: 'header truncated', hex: '80c9', code: 'RTCP_PACKET_TRUNCATED' },
  { name: 'version 1', hex: '40c90001 00000005', code: 'RTCP_VERSION_UNSUPPORTED' },
  { name: 'length past the datagram', hex: '80c90002 00000005', code: 'RTCP_PACKET_TRUNCATED' },
  { name: 'RR count larger than the blocks', hex: '81c90001 00000005', code: 'RTCP_PACKET_INVALID' },
  { name: 'SR too short for sender info', hex: '80c80001 00000005', code: 'RTCP_PACKET_INVALID' },
  { name: 'padding count 0', hex: 'a0c90001 00000000', code: 'RTCP_PACKET_INVALID' },
  { name: 'padding larger than the packet', hex: 'a0c90001 00000009', code: 'RTCP_PACKET_INVALID' },
  { name: 'BYE reason past the end', hex: '81cb0002 00000007 09616263', code: 'RTCP_PACKET_INVALID' },
  { name: 'SDES item past the end', hex: '81ca0002 00000001 01096162', code: 'RTCP_PACKET_INVALID' },
  { name: 'SDES chunk without end item', hex: '81ca0002 00000001 01026162', code: 'RTCP_PACKET_INVALID' },
  { name: 'second packet of a compound truncated', hex: '80c90001 00000005 80c9', code: 'RTCP_PACKET_TRUNCATED' },
];

for (const c of invalid) {
  test(`RTCP rejects: ${c.name}`, () => {
    assert.throws(() => parseRtcpCompound(hex(c.hex)), { name: 'ProtocolError', code: c.code });
  });
}

test('RTCP builders refuse impossible input', () => {
  assert.throws(() => buildReceiverReport({ ssrc: 1, reports: new Array(32).fill(BLOCK) }), RangeError);
  assert.throws(() => buildSdesCname(1, 'x'.repeat(256)), RangeError);
  assert.throws(() => buildBye({ ssrcs: [1], reason: 'x'.repeat(256) }), RangeError);
});
