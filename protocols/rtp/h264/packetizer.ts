/**
 * RFC 6184 packetizer, packetization-mode 1: NAL units that fit the MTU go alone or aggregated in
 * STAP-A packets; larger ones are fragmented in FU-A packets. Before every IDR access unit that
 * lacks them, the out-of-band SPS/PPS are sent (decoders joining mid-stream need them in-band).
 */
import { splitLengthPrefixed, type Frame } from '../../media/frame.ts';
import { H264NaluType, h264NaluType } from '../../codecs/nalu.ts';
import { RTP_HEADER_LENGTH } from '../packet.ts';
import { resolveMtu, type PacketizerOptions, type RtpPacketWriter, type RtpPayloader } from '../packetizer.ts';
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
const STAP_NALU_SIZE_BYTES = 2;
const FU_A_HEADER_BYTES = 2;

export class H264Packetizer extends RtpSender {
  constructor(options: H264PacketizerOptions) {
    super(options, options.payloadType ?? DEFAULT_PAYLOAD_TYPE, H264_CLOCK_RATE, new H264Payloader(resolveMtu(options.mtu), options.sps, options.pps));
  }
}

/** Access units -> single NAL unit, STAP-A and FU-A payloads. */
export class H264Payloader implements RtpPayloader {
  readonly #mtu: number;
  readonly #sps: Buffer | undefined;
  readonly #pps: Buffer | undefined;

  constructor(mtu: number, sps: Buffer | undefined, pps: Buffer | undefined) {
    this.#mtu = mtu;
    this.#sps = sps;
    this.#pps = pps;
  }

  packetize(frame: Frame, writer: RtpPacketWriter): Buffer[] {
    const nalus = this.#withParameterSets(splitLengthPrefixed(frame.payload));
    const timestamp = writer.rtpTimestamp(frame.pts);
    const packets: Buffer[] = [];
    const mtu = this.#mtu;
    let group: Buffer[] = [];
    let groupSize = STAP_A_HEADER_BYTES;
    for (let i = 0; i < nalus.length; i++) {
      const nalu = nalus[i]!;
      const last = i === nalus.length - 1;
      if (nalu.length > mtu) {
        this.#flush(writer, group, groupSize, timestamp, false, packets);
        group = [];
        groupSize = STAP_A_HEADER_BYTES;
        this.#fragment(writer, nalu, timestamp, last, packets);
        continue;
      }
      if (groupSize + STAP_NALU_SIZE_BYTES + nalu.length > mtu) {
        this.#flush(writer, group, groupSize, timestamp, false, packets);
        group = [];
        groupSize = STAP_A_HEADER_BYTES;
      }
      group.push(nalu);
      groupSize += STAP_NALU_SIZE_BYTES + nalu.length;
    }
    this.#flush(writer, group, groupSize, timestamp, true, packets);
    return packets;
  }

  /** Prepends SPS/PPS to an IDR access unit that does not carry them. */
  #withParameterSets(nalus: Buffer[]): Buffer[] {
    if (this.#sps === undefined && this.#pps === undefined) return nalus;
    let idr = false;
    let hasSps = false;
    let hasPps = false;
    for (const n of nalus) {
      const t = h264NaluType(n);
      if (t === H264NaluType.Idr) idr = true;
      else if (t === H264NaluType.Sps) hasSps = true;
      else if (t === H264NaluType.Pps) hasPps = true;
    }
    if (!idr) return nalus;
    const prefix: Buffer[] = [];
    if (!hasSps && this.#sps !== undefined && this.#sps.length > 0) prefix.push(this.#sps);
    if (!hasPps && this.#pps !== undefined && this.#pps.length > 0) prefix.push(this.#pps);
    return prefix.length === 0 ? nalus : [...prefix, ...nalus];
  }

  /** Emits the pending group: one NAL unit alone (§5.6), several as a STAP-A (§5.7.1). */
  #flush(writer: RtpPacketWriter, group: Buffer[], groupSize: number, timestamp: number, marker: boolean, packets: Buffer[]): void {
    if (group.length === 0) return;
    if (group.length === 1) {
      const nalu = group[0]!;
      const out = writer.allocate(marker, timestamp, nalu.length);
      nalu.copy(out, RTP_HEADER_LENGTH);
      packets.push(out);
      return;
    }
    const out = writer.allocate(marker, timestamp, groupSize);
    let f = 0;
    let nri = 0;
    for (const n of group) {
      f |= n[0]! & F_BIT;
      nri = Math.max(nri, n[0]! & NRI_MASK);
    }
    out[RTP_HEADER_LENGTH] = f | nri | H264NaluType.StapA;
    let off = RTP_HEADER_LENGTH + STAP_A_HEADER_BYTES;
    for (const n of group) {
      off = out.writeUInt16BE(n.length, off);
      off += n.copy(out, off);
    }
    packets.push(out);
  }

  /** FU-A (§5.8): the NAL header moves into the FU indicator/header; the body is split. */
  #fragment(writer: RtpPacketWriter, nalu: Buffer, timestamp: number, lastNalu: boolean, packets: Buffer[]): void {
    const header = nalu[0]!;
    const indicator = (header & (F_BIT | NRI_MASK)) | H264NaluType.FuA;
    const type = header & NAL_TYPE_MASK;
    const maxChunk = this.#mtu - FU_A_HEADER_BYTES;
    for (let off = 1; off < nalu.length; ) {
      const chunk = Math.min(maxChunk, nalu.length - off);
      const first = off === 1;
      const end = off + chunk === nalu.length;
      const out = writer.allocate(lastNalu && end, timestamp, FU_A_HEADER_BYTES + chunk);
      out[RTP_HEADER_LENGTH] = indicator;
      out[RTP_HEADER_LENGTH + 1] = (first ? FU_START_BIT : 0) | (end ? FU_END_BIT : 0) | type;
      nalu.copy(out, RTP_HEADER_LENGTH + FU_A_HEADER_BYTES, off, off + chunk);
      packets.push(out);
      off += chunk;
    }
  }
}
