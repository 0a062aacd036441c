/**
 * Side-by-side H.264 packetizer/depacketizer benchmark of two checkouts (a refactor's base and
 * its result), in one process: the two alternate in 500 ms slices and the medians are compared, so
 * machine noise hits both alike. Both are loaded the same way (by path, not this script's own
 * imports), since code shared with the harness runs with other type feedback. Run it both ways
 * round (`--before A --after B`, then `--before B --after A`) to see what order alone does.
 * Prints rates and after/before ratios. No assertions.
 *
 * Run: mkdir -p /tmp/rtp-base /tmp/rtp-head
 *      git archive <base-rev> protocols package.json | tar -x -C /tmp/rtp-base
 *      git archive HEAD protocols package.json | tar -x -C /tmp/rtp-head
 *      node --import tsx bench/rtp/compare.bench.ts --before /tmp/rtp-base --after /tmp/rtp-head [--rounds 12]
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Frame } from '../../protocols/media/frame.ts';
import type { H264Depacketizer } from '../../protocols/rtp/h264/depacketizer.ts';
import type { H264Packetizer } from '../../protocols/rtp/h264/packetizer.ts';
import type { RtpPacket } from '../../protocols/rtp/packet.ts';
import { syntheticGop } from './h264-gop.ts';

interface Impl {
  readonly Packetizer: typeof H264Packetizer;
  readonly Depacketizer: typeof H264Depacketizer;
  readonly decode: (b: Buffer) => RtpPacket;
}

const SLICE_MS = 500;
const GOPS = 8;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

async function load(dir: string): Promise<Impl> {
  const at = (p: string): string => pathToFileURL(resolve(dir, p)).href;
  const [dep, pack, packet] = await Promise.all([
    import(at('protocols/rtp/h264/depacketizer.ts')),
    import(at('protocols/rtp/h264/packetizer.ts')),
    import(at('protocols/rtp/packet.ts')),
  ]);
  return { Packetizer: pack.H264Packetizer, Depacketizer: dep.H264Depacketizer, decode: (b) => packet.RtpPacket.decode(b) };
}

/** Frames packetized per second, one slice. */
function packetizerStep(impl: Impl, gop: readonly Frame[]): () => number {
  const p = new impl.Packetizer({ ssrc: 1, initialSequenceNumber: 0, timestampOffset: 0, sps: Buffer.alloc(20, 0x67), pps: Buffer.alloc(5, 0x68) });
  let pts = 0;
  return () => {
    for (const f of gop) {
      p.packetize({ ...f, pts, dts: pts });
      pts += 40;
    }
    return gop.length;
  };
}

/** Packets depacketized per second, one slice; every pass continues the previous one's numbering. */
function depacketizerStep(impl: Impl, gop: readonly Frame[]): () => number {
  const packetizer = new impl.Packetizer({ ssrc: 1, initialSequenceNumber: 60000, timestampOffset: 0xfff00000 });
  const wire: Buffer[] = [];
  for (let g = 0; g < GOPS; g++) for (const f of gop) wire.push(...packetizer.packetize({ ...f, pts: f.pts + g * 1000 }));
  const d = new impl.Depacketizer();
  const passTicks = GOPS * gop.length * 40 * 90;
  return () => {
    for (const b of wire) {
      b.writeUInt16BE((b.readUInt16BE(2) + wire.length) & 0xffff, 2);
      b.writeUInt32BE((b.readUInt32BE(4) + passTicks) >>> 0, 4);
    }
    for (const b of wire) d.push(impl.decode(b));
    return wire.length;
  };
}

function rate(step: () => number): number {
  const start = performance.now();
  const end = start + SLICE_MS;
  let n = 0;
  while (performance.now() < end) n += step();
  return n / ((performance.now() - start) / 1000);
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

const beforeDir = arg('--before');
const afterDir = arg('--after');
if (beforeDir === undefined || afterDir === undefined) throw new Error('usage: compare.bench.ts --before <checkout> --after <checkout> [--rounds N]');
const rounds = Number(arg('--rounds') ?? 12);
const before = await load(beforeDir);
const after = await load(afterDir);
const gop = syntheticGop();
for (const [name, make] of [['h264 packetizer frames/s', packetizerStep], ['h264 depacketizer packets/s', depacketizerStep]] as const) {
  const b = make(before, gop);
  const a = make(after, gop);
  rate(b);
  rate(a); // warm-up
  const rb: number[] = [];
  const ra: number[] = [];
  for (let r = 0; r < rounds; r++) {
    rb.push(rate(b));
    ra.push(rate(a));
  }
  console.log(`${name}: before ${median(rb).toFixed(0)}, after ${median(ra).toFixed(0)}, after/before ${(median(ra) / median(rb)).toFixed(3)} (medians of ${rounds} alternating ${SLICE_MS} ms slices)`);
}
