/**
 * AAC (RFC 3640 AAC-hbr) case table shared by packetizer and depacketizer tests. A case's AUs are
 * given to `packetizeGroup` (or `packetize` one by one when `single`); `packets` lists, per packet,
 * the AU sizes in its AU-headers followed by the data bytes it carries, `*` when marked.
 */
import type { Frame } from '../../../../../protocols/media/frame.ts';
import { audioFrame } from '../rtp-test-helpers.ts';

/** AUs of the given sizes, 1024 samples apart. */
export function auFrames(sizes: readonly number[], clockRate: number): Frame[] {
  return sizes.map((size, i) => audioFrame(Buffer.alloc(size, (i * 37 + 5) & 0xff), (i * 1024 * 1000) / clockRate));
}

export interface AacCase {
  readonly name: string;
  readonly mtu: number;
  readonly clockRate: number;
  readonly auSizes: readonly number[];
  /** true: packetize() one AU at a time; false: packetizeGroup() all together. */
  readonly single: boolean;
  readonly packets: readonly string[];
}

export const AAC_CASES: readonly AacCase[] = [
  { name: 'one AU per packet', mtu: 1400, clockRate: 44100, auSizes: [300, 310, 290], single: true, packets: ['300/300*', '310/310*', '290/290*'] },
  { name: 'several AUs in one packet', mtu: 1400, clockRate: 48000, auSizes: [300, 310, 290], single: false, packets: ['300,310,290/900*'] },
  {
    name: 'AUs exactly filling the MTU, then the next packet',
    mtu: 1400,
    clockRate: 8000,
    // 2 + 2 + 2 + 694 + 700 = 1400
    auSizes: [694, 700, 20],
    single: false,
    packets: ['694,700/1394*', '20/20*'],
  },
  { name: 'one AU of exactly the MTU', mtu: 1400, clockRate: 16000, auSizes: [1396], single: true, packets: ['1396/1396*'] },
  {
    name: 'a large AU is fragmented; marker on the last fragment only',
    mtu: 1400,
    clockRate: 48000,
    auSizes: [3000],
    single: true,
    packets: ['3000/1396', '3000/1396', '3000/208*'],
  },
  {
    name: 'grouping around a fragmented AU',
    mtu: 500,
    clockRate: 44100,
    auSizes: [100, 1000, 100, 100],
    single: false,
    packets: ['100/100*', '1000/496', '1000/496', '1000/8*', '100,100/200*'],
  },
  { name: 'largest AU-size (8191 bytes)', mtu: 9000, clockRate: 96000, auSizes: [8191], single: true, packets: ['8191/8191*'] },
];
