/**
 * Fuzz of the RTP depacketizers: packet streams from the codec case tables are mutated (payload
 * bytes, loss, duplication, reordering, marker and timestamp changes) with a seeded PRNG.
 * Invariants: push() never throws, always returns, output frames are well formed, counters add up.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitLengthPrefixed, type Frame } from '../../protocols/media/frame.ts';
import { AacDepacketizer } from '../../protocols/rtp/aac/depacketizer.ts';
import { AacPacketizer } from '../../protocols/rtp/aac/packetizer.ts';
import { MAX_ACCESS_UNIT_BYTES } from '../../protocols/rtp/access-unit-assembler.ts';
import type { RtpDepacketizer } from '../../protocols/rtp/depacketizer.ts';
import { G711Depacketizer } from '../../protocols/rtp/g711/depacketizer.ts';
import { H264Depacketizer } from '../../protocols/rtp/h264/depacketizer.ts';
import { H264Packetizer } from '../../protocols/rtp/h264/packetizer.ts';
import { H265Depacketizer } from '../../protocols/rtp/h265/depacketizer.ts';
import { H265Packetizer } from '../../protocols/rtp/h265/packetizer.ts';
import { MpaDepacketizer } from '../../protocols/rtp/mpa/depacketizer.ts';
import { MpaPacketizer } from '../../protocols/rtp/mpa/packetizer.ts';
import { RtpPacket } from '../../protocols/rtp/packet.ts';
import { AAC_CASES, auFrames } from '../unit/protocols/rtp/aac/cases.ts';
import { FUZZ_ITERATIONS, mutateBytes } from '../unit/protocols/rtp/fuzz-helpers.ts';
import { pick, prng } from '../helpers/random.ts';
import { H264_CASES } from '../unit/protocols/rtp/h264/cases.ts';
import { H265_CASES } from '../unit/protocols/rtp/h265/cases.ts';
import { videoFrame } from '../unit/protocols/rtp/rtp-test-helpers.ts';
import { keepCrasher } from './save-crasher.ts';
import { framePackets } from './targets.ts';

const IDENTITY = { ssrc: 77, initialSequenceNumber: 65520, timestampOffset: 0xfffff000 };

interface Target {
  readonly name: string;
  readonly make: () => RtpDepacketizer;
  readonly seeds: readonly (readonly RtpPacket[])[];
  readonly video: boolean;
}

const decode = (buffers: Buffer[]): RtpPacket[] => buffers.map((b) => RtpPacket.decode(b));

const TARGETS: readonly Target[] = [
  {
    name: 'h264',
    make: () => new H264Depacketizer(),
    seeds: H264_CASES.map((c) => {
      const p = new H264Packetizer({ ...IDENTITY, mtu: c.mtu });
      return decode(c.accessUnits.flatMap((au) => p.packetize(videoFrame(au.nalus, au.ptsMs, au.keyframe))));
    }),
    video: true,
  },
  {
    name: 'h265',
    make: () => new H265Depacketizer(),
    seeds: H265_CASES.map((c) => {
      const p = new H265Packetizer({ ...IDENTITY, mtu: c.mtu });
      return decode(c.accessUnits.flatMap((au) => p.packetize(videoFrame(au.nalus, au.ptsMs, au.keyframe))));
    }),
    video: true,
  },
  {
    name: 'aac',
    make: () => new AacDepacketizer({ clockRate: 48000 }),
    seeds: AAC_CASES.map((c) => {
      const p = new AacPacketizer({ ...IDENTITY, mtu: c.mtu, clockRate: c.clockRate });
      const frames = auFrames(c.auSizes, c.clockRate);
      return decode(c.single ? frames.flatMap((f) => p.packetize(f)) : p.packetizeGroup(frames));
    }),
    video: false,
  },
  {
    name: 'mpa',
    make: () => new MpaDepacketizer(),
    seeds: [200, 1400].map((mtu) => {
      const p = new MpaPacketizer({ ...IDENTITY, mtu });
      const frame = (fill: number): Buffer => Buffer.concat([Buffer.from('fffb9000', 'hex'), Buffer.alloc(413, fill)]);
      return decode([0, 1, 2].flatMap((i) => p.packetize({ track: 'audio', dts: i * 26, pts: i * 26, keyframe: true, payload: frame(i) })));
    }),
    video: false,
  },
  {
    name: 'g711',
    make: () => new G711Depacketizer(),
    seeds: [decode([0, 1, 2].map((i) => new RtpPacket({ payloadType: 0, sequenceNumber: i, timestamp: i * 160, ssrc: 1, payload: Buffer.alloc(160, i) }).encode()))],
    video: false,
  },
];

/** Packet-level mutations on a copy of the seed stream. */
function mutateStream(seed: readonly RtpPacket[], rnd: () => number): RtpPacket[] {
  const packets = [...seed];
  const edits = 1 + Math.floor(rnd() * 4);
  for (let e = 0; e < edits && packets.length > 0; e++) {
    const i = Math.floor(rnd() * packets.length);
    const p = packets[i]!;
    const with_ = (change: Partial<RtpPacket>): RtpPacket => new RtpPacket({ ...p, ...change });
    switch (Math.floor(rnd() * 7)) {
      case 0:
        packets[i] = with_({ payload: mutateBytes(p.payload, rnd) });
        break;
      case 1:
        packets.splice(i, 1); // loss
        break;
      case 2:
        packets.splice(i, 0, p); // duplicate
        break;
      case 3:
        if (i + 1 < packets.length) [packets[i], packets[i + 1]] = [packets[i + 1]!, p]; // reorder
        break;
      case 4:
        packets[i] = with_({ marker: !p.marker });
        break;
      case 5:
        packets[i] = with_({ timestamp: (p.timestamp + Math.floor(rnd() * 2 ** 32)) >>> 0 });
        break;
      default:
        packets[i] = with_({ sequenceNumber: Math.floor(rnd() * 0x10000) });
    }
  }
  return packets;
}

function checkFrame(f: Frame, video: boolean): void {
  assert.ok(Number.isFinite(f.pts) && Number.isFinite(f.dts));
  assert.ok(f.payload.length > 0);
  if (video) {
    assert.ok(f.payload.length <= MAX_ACCESS_UNIT_BYTES);
    const total = splitLengthPrefixed(f.payload).reduce((n, u) => n + 4 + u.length, 0);
    assert.equal(total, f.payload.length, 'well-formed length-prefixed access unit');
  } else {
    assert.equal(f.keyframe, true);
  }
}

for (const target of TARGETS) {
  test(`fuzz depacketizer ${target.name}: never throws, frames well formed (${FUZZ_ITERATIONS} iterations)`, () => {
    const rnd = prng(0x5eed + target.name.length);
    for (let it = 0; it < FUZZ_ITERATIONS; it++) {
      const d = target.make();
      const stream = mutateStream(pick(target.seeds, rnd), rnd);
      keepCrasher(`rtp-${target.name}`, framePackets(stream.map((p) => p.encode())), () => {
        let frames = 0;
        for (const packet of stream) {
          const out = d.push(packet);
          for (const f of out) checkFrame(f, target.video);
          frames += out.length;
        }
        assert.equal(d.stats.framesOutput, frames, `iteration ${it}`);
        assert.equal(d.stats.packets, stream.length);
        for (const v of Object.values(d.stats)) assert.ok(v >= 0);
      });
    }
  });
}
