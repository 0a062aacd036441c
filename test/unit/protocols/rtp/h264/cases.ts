/**
 * H.264 case table shared by the packetizer and depacketizer tests: each case is a list of access
 * units and the packet layout the packetizer must produce; the depacketizer must give them back.
 */
import { h264Nalu } from '../rtp-test-helpers.ts';

export interface H264Case {
  readonly name: string;
  readonly mtu: number;
  /** Access units: NAL units and pts in ms. */
  readonly accessUnits: readonly { readonly nalus: readonly Buffer[]; readonly ptsMs: number; readonly keyframe: boolean }[];
  /** Expected packets: `single:<type>`, `stap-a:<n>`, `fu-a:<S|M|E>` then `/<payload bytes>`, `*` when marked. */
  readonly packets: readonly string[];
}

const SPS = h264Nalu(0x67, 12, 1);
const PPS = h264Nalu(0x68, 4, 2);
const MTU = 100;

export const H264_CASES: readonly H264Case[] = [
  {
    name: 'one small non-IDR NAL unit -> single NAL unit packet',
    mtu: MTU,
    accessUnits: [{ nalus: [h264Nalu(0x41, 50)], ptsMs: 0, keyframe: false }],
    packets: ['single:1/50*'],
  },
  {
    name: 'SPS + PPS + small IDR -> one STAP-A',
    mtu: MTU,
    accessUnits: [{ nalus: [SPS, PPS, h264Nalu(0x65, 30)], ptsMs: 0, keyframe: true }],
    packets: ['stap-a:3/53*'],
  },
  {
    name: 'NAL unit of exactly the MTU -> one single NAL unit packet',
    mtu: MTU,
    accessUnits: [{ nalus: [h264Nalu(0x41, MTU)], ptsMs: 40, keyframe: false }],
    packets: [`single:1/${MTU}*`],
  },
  {
    name: 'NAL unit of MTU + 1 -> two FU-A',
    mtu: MTU,
    accessUnits: [{ nalus: [h264Nalu(0x65, MTU + 1)], ptsMs: 0, keyframe: true }],
    packets: [`fu-a:S/${MTU}`, 'fu-a:E/4*'],
  },
  {
    name: 'FU-A fragments filling the MTU exactly',
    mtu: MTU,
    accessUnits: [{ nalus: [h264Nalu(0x65, 3 * (MTU - 2) + 1)], ptsMs: 0, keyframe: true }],
    packets: [`fu-a:S/${MTU}`, `fu-a:M/${MTU}`, `fu-a:E/${MTU}*`],
  },
  {
    name: 'STAP-A of exactly the MTU',
    mtu: MTU,
    // 1 + (2 + 40) + (2 + 55) = 100
    accessUnits: [{ nalus: [h264Nalu(0x06, 40), h264Nalu(0x41, 55)], ptsMs: 0, keyframe: false }],
    packets: [`stap-a:2/${MTU}*`],
  },
  {
    name: 'aggregate one byte over the MTU -> two single NAL unit packets',
    mtu: MTU,
    accessUnits: [{ nalus: [h264Nalu(0x06, 40), h264Nalu(0x41, 56)], ptsMs: 0, keyframe: false }],
    packets: ['single:6/40', 'single:1/56*'],
  },
  {
    name: 'small, large, small -> STAP-A, FU-A..., single',
    mtu: MTU,
    accessUnits: [{ nalus: [SPS, PPS, h264Nalu(0x65, 250), h264Nalu(0x06, 10)], ptsMs: 0, keyframe: true }],
    packets: ['stap-a:2/21', `fu-a:S/${MTU}`, `fu-a:M/${MTU}`, 'fu-a:E/55', 'single:6/10*'],
  },
  {
    name: 'several access units, the last one ends on a FU-A',
    mtu: MTU,
    accessUnits: [
      { nalus: [SPS, PPS, h264Nalu(0x65, 120)], ptsMs: 0, keyframe: true },
      { nalus: [h264Nalu(0x41, 20)], ptsMs: 40, keyframe: false },
      { nalus: [h264Nalu(0x41, 20), h264Nalu(0x01, 150)], ptsMs: 80, keyframe: false },
    ],
    packets: ['stap-a:2/21', `fu-a:S/${MTU}`, 'fu-a:E/23*', 'single:1/20*', 'single:1/20', `fu-a:S/${MTU}`, 'fu-a:E/53*'],
  },
  {
    name: 'default-sized NAL units with a 1400-byte MTU',
    mtu: 1400,
    accessUnits: [{ nalus: [h264Nalu(0x65, 5000)], ptsMs: 1000, keyframe: true }],
    packets: ['fu-a:S/1400', 'fu-a:M/1400', 'fu-a:M/1400', 'fu-a:E/807*'],
  },
];
