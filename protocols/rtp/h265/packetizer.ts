/**
 * RFC 7798 packetizer without DONL: NAL units that fit the MTU go alone or aggregated in APs;
 * larger ones are split in FUs. Before every IRAP access unit lacking them, the out-of-band
 * VPS/SPS/PPS (SDP sprop-vps/sps/pps) are sent.
 */
import { splitLengthPrefixed, type Frame } from '../../media/frame.ts';
import { H265NaluType, h265NaluType, isH265IrapType } from '../../codecs/nalu.ts';
import { RTP_HEADER_LENGTH } from '../packet.ts';
import { resolveMtu, type PacketizerOptions, type RtpPacketWriter, type RtpPayloader } from '../packetizer.ts';
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
const AP_NALU_SIZE_BYTES = 2;
const F_BIT = 0x80;
const LAYER_ID_HIGH_BIT = 0x01;
const TID_MASK = 0x07;

export class H265Packetizer extends RtpSender {
  constructor(options: H265PacketizerOptions) {
    super(options, options.payloadType ?? DEFAULT_PAYLOAD_TYPE, H265_CLOCK_RATE, new H265Payloader(options));
  }
}

/** Access units -> single NAL unit, AP and FU payloads. */
export class H265Payloader implements RtpPayloader {
  readonly #mtu: number;
  readonly #parameterSets: { type: number; nalu: Buffer }[];

  constructor(options: Pick<H265PacketizerOptions, 'mtu' | 'vps' | 'sps' | 'pps'>) {
    this.#mtu = resolveMtu(options.mtu);
    this.#parameterSets = [];
    const sets: [number, Buffer | undefined][] = [
      [H265NaluType.Vps, options.vps],
      [H265NaluType.Sps, options.sps],
      [H265NaluType.Pps, options.pps],
    ];
    for (const [type, nalu] of sets) if (nalu !== undefined && nalu.length > 0) this.#parameterSets.push({ type, nalu });
  }

  packetize(frame: Frame, writer: RtpPacketWriter): Buffer[] {
    const nalus = this.#withParameterSets(splitLengthPrefixed(frame.payload).filter((n) => n.length >= 2));
    const timestamp = writer.rtpTimestamp(frame.pts);
    const packets: Buffer[] = [];
    const mtu = this.#mtu;
    let group: Buffer[] = [];
    let groupSize = H265_PAYLOAD_HEADER_BYTES;
    for (let i = 0; i < nalus.length; i++) {
      const nalu = nalus[i]!;
      if (nalu.length > mtu) {
        this.#flush(writer, group, groupSize, timestamp, false, packets);
        group = [];
        groupSize = H265_PAYLOAD_HEADER_BYTES;
        this.#fragment(writer, nalu, timestamp, i === nalus.length - 1, packets);
        continue;
      }
      if (groupSize + AP_NALU_SIZE_BYTES + nalu.length > mtu) {
        this.#flush(writer, group, groupSize, timestamp, false, packets);
        group = [];
        groupSize = H265_PAYLOAD_HEADER_BYTES;
      }
      group.push(nalu);
      groupSize += AP_NALU_SIZE_BYTES + nalu.length;
    }
    this.#flush(writer, group, groupSize, timestamp, true, packets);
    return packets;
  }

  #withParameterSets(nalus: Buffer[]): Buffer[] {
    if (this.#parameterSets.length === 0) return nalus;
    const present = new Set<number>();
    let irap = false;
    for (const n of nalus) {
      const t = h265NaluType(n);
      if (isH265IrapType(t)) irap = true;
      else present.add(t);
    }
    if (!irap) return nalus;
    const prefix = this.#parameterSets.filter((p) => !present.has(p.type)).map((p) => p.nalu);
    return prefix.length === 0 ? nalus : [...prefix, ...nalus];
  }

  /** One NAL unit alone (§4.4.1), several in an AP (§4.4.2). */
  #flush(writer: RtpPacketWriter, group: Buffer[], groupSize: number, timestamp: number, marker: boolean, packets: Buffer[]): void {
    if (group.length === 0) return;
    if (group.length === 1) {
      const nalu = group[0]!;
      const out = writer.allocate(marker, timestamp, nalu.length);
      nalu.copy(out, RTP_HEADER_LENGTH);
      packets.push(out);
      return;
    }
    // AP header: F = OR of F bits, LayerId and TID = the lowest among the aggregated units.
    let f = 0;
    let layerId = 0x3f;
    let tid = TID_MASK;
    for (const n of group) {
      f |= n[0]! & F_BIT;
      layerId = Math.min(layerId, ((n[0]! & LAYER_ID_HIGH_BIT) << 5) | (n[1]! >> 3));
      tid = Math.min(tid, n[1]! & TID_MASK);
    }
    const out = writer.allocate(marker, timestamp, groupSize);
    out[RTP_HEADER_LENGTH] = f | (H265NaluType.AggregationPacket << 1) | (layerId >> 5);
    out[RTP_HEADER_LENGTH + 1] = ((layerId & 0x1f) << 3) | tid;
    let off = RTP_HEADER_LENGTH + H265_PAYLOAD_HEADER_BYTES;
    for (const n of group) {
      off = out.writeUInt16BE(n.length, off);
      off += n.copy(out, off);
    }
    packets.push(out);
  }

  /** FU (§4.4.3): payload header = NAL header with type 49, FU header carries S/E and the type. */
  #fragment(writer: RtpPacketWriter, nalu: Buffer, timestamp: number, lastNalu: boolean, packets: Buffer[]): void {
    const type = h265NaluType(nalu);
    const header0 = (nalu[0]! & (F_BIT | LAYER_ID_HIGH_BIT)) | (H265NaluType.FragmentationUnit << 1);
    const header1 = nalu[1]!;
    const overhead = H265_PAYLOAD_HEADER_BYTES + H265_FU_HEADER_BYTES;
    const maxChunk = this.#mtu - overhead;
    for (let off = H265_PAYLOAD_HEADER_BYTES; off < nalu.length; ) {
      const chunk = Math.min(maxChunk, nalu.length - off);
      const first = off === H265_PAYLOAD_HEADER_BYTES;
      const end = off + chunk === nalu.length;
      const out = writer.allocate(lastNalu && end, timestamp, overhead + chunk);
      out[RTP_HEADER_LENGTH] = header0;
      out[RTP_HEADER_LENGTH + 1] = header1;
      out[RTP_HEADER_LENGTH + 2] = (first ? H265_FU_START_BIT : 0) | (end ? H265_FU_END_BIT : 0) | type;
      nalu.copy(out, RTP_HEADER_LENGTH + overhead, off, off + chunk);
      packets.push(out);
      off += chunk;
    }
  }
}
