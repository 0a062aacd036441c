/** H.265 case table shared by the packetizer and depacketizer tests (see h264/cases.ts). */
import { h265Nalu } from '../rtp-test-helpers.ts';

export interface H265Case {
  readonly name: string;
  readonly mtu: number;
  readonly accessUnits: readonly { readonly nalus: readonly Buffer[]; readonly ptsMs: number; readonly keyframe: boolean }[];
  /** `single:<type>`, `ap:<n>`, `fu:<S|M|E>` then `/<payload bytes>`, `*` when marked. */
  readonly packets: readonly string[];
}

const VPS = h265Nalu(32, 24, 1);
const SPS = h265Nalu(33, 40, 2);
const PPS = h265Nalu(34, 7, 3);
const MTU = 100;

export const H265_CASES: readonly H265Case[] = [
  {
    name: 'one small TRAIL_R -> single NAL unit packet',
    mtu: MTU,
    accessUnits: [{ nalus: [h265Nalu(1, 50)], ptsMs: 0, keyframe: false }],
    packets: ['single:1/50*'],
  },
  {
    name: 'VPS + SPS + PPS -> AP, then the IDR in FUs',
    mtu: MTU,
    // AP: 2 + (2+24) + (2+40) + (2+7) = 79; IDR 300: body 298 = 97 + 97 + 97 + 7
    accessUnits: [{ nalus: [VPS, SPS, PPS, h265Nalu(19, 300)], ptsMs: 0, keyframe: true }],
    packets: ['ap:3/79', `fu:S/${MTU}`, `fu:M/${MTU}`, `fu:M/${MTU}`, 'fu:E/10*'],
  },
  {
    name: 'NAL unit of exactly the MTU',
    mtu: MTU,
    accessUnits: [{ nalus: [h265Nalu(1, MTU)], ptsMs: 0, keyframe: false }],
    packets: [`single:1/${MTU}*`],
  },
  {
    name: 'FUs filling the MTU exactly (CRA keyframe)',
    mtu: MTU,
    accessUnits: [{ nalus: [h265Nalu(21, 2 * (MTU - 3) + 2)], ptsMs: 0, keyframe: true }],
    packets: [`fu:S/${MTU}`, `fu:E/${MTU}*`],
  },
  {
    name: 'AP of exactly the MTU',
    mtu: MTU,
    // 2 + (2 + 40) + (2 + 54) = 100
    accessUnits: [{ nalus: [h265Nalu(39, 40), h265Nalu(1, 54)], ptsMs: 0, keyframe: false }],
    packets: [`ap:2/${MTU}*`],
  },
  {
    name: 'two access units with a 1400-byte MTU',
    mtu: 1400,
    accessUnits: [
      { nalus: [h265Nalu(20, 3000)], ptsMs: 0, keyframe: true },
      { nalus: [h265Nalu(1, 700), h265Nalu(1, 700, 2)], ptsMs: 33.3667, keyframe: false },
    ],
    packets: ['fu:S/1400', 'fu:M/1400', 'fu:E/207*', 'single:1/700', 'single:1/700*'],
  },
];
