/**
 * Fuzz of RTP packet and RTCP compound decoding: seeded mutations of valid packets.
 * Invariants: only ProtocolError is thrown; a decoded RTP packet re-encodes to its input.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RtpPacket } from '../../protocols/rtp/packet.ts';
import { buildBye } from '../../protocols/rtp/rtcp/bye.ts';
import { parseRtcpCompound } from '../../protocols/rtp/rtcp/compound.ts';
import { buildReceiverReport, buildSdesCname } from '../../protocols/rtp/rtcp/receiver-report.ts';
import { buildSenderReport } from '../../protocols/rtp/rtcp/sender-report.ts';
import { FUZZ_ITERATIONS, mutateBytes, onlyProtocolError } from '../unit/protocols/rtp/fuzz-helpers.ts';
import { pick, prng } from '../helpers/random.ts';

const RTP_SEEDS = [
  new RtpPacket({ marker: true, payloadType: 96, sequenceNumber: 1, timestamp: 2, ssrc: 3, payload: Buffer.from('65aabbcc', 'hex') }),
  new RtpPacket({ payloadType: 97, sequenceNumber: 1, timestamp: 2, ssrc: 3, csrc: [4, 5], payload: Buffer.alloc(20, 1), paddingSize: 3 }),
  new RtpPacket({ payloadType: 0, sequenceNumber: 1, timestamp: 2, ssrc: 3, extension: { profile: 0xbede, data: Buffer.alloc(8, 2) }, payload: Buffer.alloc(5) }),
].map((p) => p.encode());

const BLOCK = { ssrc: 1, fractionLost: 1, cumulativeLost: 2, extendedHighestSequence: 3, jitter: 4, lastSenderReport: 5, delaySinceLastSenderReport: 6 };
const RTCP_SEEDS = [
  Buffer.concat([buildSenderReport({ ssrc: 1, nowUnixMs: 0, rtpTimestamp: 2, packetCount: 3, octetCount: 4, reports: [BLOCK] }), buildSdesCname(1, 'cname')]),
  Buffer.concat([buildReceiverReport({ ssrc: 9, reports: [BLOCK, BLOCK] }), buildSdesCname(9, 'x'), buildBye({ ssrcs: [9], reason: 'bye' })]),
];

test(`fuzz RtpPacket.decode: only ProtocolError; decode/encode round trip (${FUZZ_ITERATIONS} iterations)`, () => {
  const rnd = prng(0xbadc0de);
  for (let i = 0; i < FUZZ_ITERATIONS; i++) {
    const input = mutateBytes(pick(RTP_SEEDS, rnd), rnd);
    let packet: RtpPacket | undefined;
    onlyProtocolError(() => {
      packet = RtpPacket.decode(input);
    }, `input ${input.toString('hex')}`, { target: 'rtp', input });
    if (packet === undefined) continue;
    assert.ok(packet.payload.length <= input.length);
    // Padding bytes other than the count are not preserved; compare everything else.
    const again = packet.encode();
    assert.equal(again.length, input.length);
    const end = input.length - packet.paddingSize;
    assert.deepEqual(again.subarray(0, end), input.subarray(0, end));
  }
});

test(`fuzz parseRtcpCompound: only ProtocolError (${FUZZ_ITERATIONS} iterations)`, () => {
  const rnd = prng(0xfeed);
  for (let i = 0; i < FUZZ_ITERATIONS; i++) {
    const input = mutateBytes(pick(RTCP_SEEDS, rnd), rnd);
    onlyProtocolError(() => parseRtcpCompound(input), `input ${input.toString('hex')}`, { target: 'rtcp', input });
  }
});
