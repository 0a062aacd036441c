/**
 * RFC 7798 packetizer without DONL: NAL units that fit the MTU go alone or aggregated in APs;
 * larger ones are split in FUs. Before every IRAP access unit lacking them, the out-of-band
 * VPS/SPS/PPS (SDP sprop-vps/sps/pps) are sent.
 */
import { H265NaluType, h265NaluType } from '../../codecs/nalu.ts';
import { parameterSetsToPrepend, type ParameterSets } from '../../codecs/parameter-sets.ts';
import { NaluPayloader, type NaluPacketLayout } from '../nalu-payloader.ts';
import { resolveMtu, type PacketizerOptions } from '../packetizer.ts';
import { RtpSender } from '../sender.ts';
import {
  H265_CLOCK_RATE,
  H265_FU_END_BIT,
  H265_FU_HEADER_BYTES,
  H265_FU_START_BIT,
  H265_PAYLOAD_HEADER_BYTES,
} from './depacketizer.ts';

export interface H265PacketizerOptions extends PacketizerOptions {
  /** Dynamic payload type from the SDP. Defaults to 96. */
  readonly payloadType?: number;
  readonly vps?: Buffer;
  readonly sps?: Buffer;
  readonly pps?: Buffer;
}

const DEFAULT_PAYLOAD_TYPE = 96;
const F_BIT = 0x80;
const LAYER_ID_HIGH_BIT = 0x01;
const TID_MASK = 0x07;

export class H265Packetizer extends RtpSender {
  constructor(options: H265PacketizerOptions) {
    const payloader = new NaluPayloader(resolveMtu(options.mtu), new H265PacketLayout(options));
    super(options, options.payloadType ?? DEFAULT_PAYLOAD_TYPE, H265_CLOCK_RATE, payloader);
  }
}

/** AP (§4.4.2) and FU (§4.4.3) headers; VPS/SPS/PPS before IRAPs that lack them. */
class H265PacketLayout implements NaluPacketLayout {
  readonly aggregationHeaderBytes = H265_PAYLOAD_HEADER_BYTES;
  readonly naluHeaderBytes = H265_PAYLOAD_HEADER_BYTES;
  readonly fragmentHeaderBytes = H265_PAYLOAD_HEADER_BYTES + H265_FU_HEADER_BYTES;
  readonly #parameterSets: ParameterSets;

  constructor(options: Pick<H265PacketizerOptions, 'vps' | 'sps' | 'pps'>) {
    this.#parameterSets = {
      ...(options.vps !== undefined ? { vps: options.vps } : {}),
      ...(options.sps !== undefined ? { sps: options.sps } : {}),
      ...(options.pps !== undefined ? { pps: options.pps } : {}),
    };
  }

  /** AP header: F = OR of F bits, LayerId and TID = the lowest among the aggregated units. */
  writeAggregationHeader(out: Buffer, offset: number, group: readonly Buffer[]): void {
    let f = 0;
    let layerId = 0x3f;
    let tid = TID_MASK;
    for (const n of group) {
      f |= n[0]! & F_BIT;
      layerId = Math.min(layerId, ((n[0]! & LAYER_ID_HIGH_BIT) << 5) | (n[1]! >> 3));
      tid = Math.min(tid, n[1]! & TID_MASK);
    }
    out[offset] = f | (H265NaluType.AggregationPacket << 1) | (layerId >> 5);
    out[offset + 1] = ((layerId & 0x1f) << 3) | tid;
  }

  /** Payload header = the NAL header with type 49; the FU header carries S, E and the NAL type. */
  writeFragmentHeader(out: Buffer, offset: number, nalu: Buffer, start: boolean, end: boolean): void {
    out[offset] = (nalu[0]! & (F_BIT | LAYER_ID_HIGH_BIT)) | (H265NaluType.FragmentationUnit << 1);
    out[offset + 1] = nalu[1]!;
    out[offset + 2] = (start ? H265_FU_START_BIT : 0) | (end ? H265_FU_END_BIT : 0) | h265NaluType(nalu);
  }

  /** NAL units shorter than their header are left out; VPS/SPS/PPS go before an IRAP that lacks them. */
  prepare(nalus: Buffer[]): Buffer[] {
    const units = nalus.filter((n) => n.length >= 2);
    const prefix = parameterSetsToPrepend('h265', units, this.#parameterSets);
    return prefix.length === 0 ? units : [...prefix, ...units];
  }
}
