/**
 * RFC 6184 packetizer, packetization-mode 1: NAL units that fit the MTU go alone or aggregated in
 * STAP-A packets; larger ones are fragmented in FU-A packets. Before every IDR access unit that
 * lacks them, the out-of-band SPS/PPS are sent (decoders joining mid-stream need them in-band).
 */
import { H264NaluType } from '../../codecs/nalu.ts';
import { parameterSetsToPrepend, type ParameterSets } from '../../codecs/parameter-sets.ts';
import { NaluPayloader, type NaluPacketLayout } from '../nalu-payloader.ts';
import { resolveMtu, type PacketizerOptions } from '../packetizer.ts';
import { RtpSender } from '../sender.ts';
import { FU_END_BIT, FU_START_BIT, H264_CLOCK_RATE } from './depacketizer.ts';

export interface H264PacketizerOptions extends PacketizerOptions {
  /** Dynamic payload type from the SDP. Defaults to 96. */
  readonly payloadType?: number;
  /** Out-of-band parameter sets (SDP sprop-parameter-sets), inserted before IDRs that lack them. */
  readonly sps?: Buffer;
  readonly pps?: Buffer;
}

const DEFAULT_PAYLOAD_TYPE = 96;
const NAL_TYPE_MASK = 0x1f;
const F_BIT = 0x80;
const NRI_MASK = 0x60;
const STAP_A_HEADER_BYTES = 1;
const FU_A_HEADER_BYTES = 2;

export class H264Packetizer extends RtpSender {
  constructor(options: H264PacketizerOptions) {
    const payloader = new NaluPayloader(resolveMtu(options.mtu), new H264PacketLayout(options.sps, options.pps));
    super(options, options.payloadType ?? DEFAULT_PAYLOAD_TYPE, H264_CLOCK_RATE, payloader);
  }
}

/** STAP-A (§5.7.1) and FU-A (§5.8) headers; SPS/PPS before IDRs that lack them. */
class H264PacketLayout implements NaluPacketLayout {
  readonly aggregationHeaderBytes = STAP_A_HEADER_BYTES;
  readonly naluHeaderBytes = 1;
  readonly fragmentHeaderBytes = FU_A_HEADER_BYTES;
  readonly #parameterSets: ParameterSets;

  constructor(sps: Buffer | undefined, pps: Buffer | undefined) {
    this.#parameterSets = { ...(sps !== undefined ? { sps } : {}), ...(pps !== undefined ? { pps } : {}) };
  }

  /** STAP-A header: F = OR of the F bits, NRI = the highest NRI. */
  writeAggregationHeader(out: Buffer, offset: number, group: readonly Buffer[]): void {
    let f = 0;
    let nri = 0;
    for (const n of group) {
      f |= n[0]! & F_BIT;
      nri = Math.max(nri, n[0]! & NRI_MASK);
    }
    out[offset] = f | nri | H264NaluType.StapA;
  }

  /** FU indicator (F, NRI, type 28) then FU header (S, E, the NAL type). */
  writeFragmentHeader(out: Buffer, offset: number, nalu: Buffer, start: boolean, end: boolean): void {
    const header = nalu[0]!;
    out[offset] = (header & (F_BIT | NRI_MASK)) | H264NaluType.FuA;
    out[offset + 1] = (start ? FU_START_BIT : 0) | (end ? FU_END_BIT : 0) | (header & NAL_TYPE_MASK);
  }

  /** SPS/PPS before an IDR that lacks them (decoders joining mid-stream need them in-band). */
  prepare(nalus: Buffer[]): Buffer[] {
    const prefix = parameterSetsToPrepend('h264', nalus, this.#parameterSets);
    return prefix.length === 0 ? nalus : [...prefix, ...nalus];
  }
}
