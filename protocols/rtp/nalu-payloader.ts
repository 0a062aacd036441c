/**
 * What the H.264 and H.265 payloaders share (RFC 6184 §5.6-5.8, RFC 7798 §4.4): NAL units that
 * fit the MTU go alone or aggregated (STAP-A / AP) with 16-bit sizes; larger ones are split in
 * fragmentation units (FU-A / FU) whose headers replace the NAL header. The codec brings only the
 * bytes of those headers (`NaluPacketLayout`) and what it puts before an access unit's NAL units.
 */
import { splitLengthPrefixed, type Frame } from '../media/frame.ts';
import { RTP_HEADER_LENGTH } from './packet.ts';
import type { RtpPacketWriter, RtpPayloader } from './packetizer.ts';

const NALU_SIZE_BYTES = 2;

export interface NaluPacketLayout {
  /** Bytes of the aggregation packet header, before the first NAL unit size. */
  readonly aggregationHeaderBytes: number;
  /** Writes the aggregation packet header for `group` at `offset`. */
  writeAggregationHeader(out: Buffer, offset: number, group: readonly Buffer[]): void;
  /** Bytes of the NAL header that the fragmentation headers stand for (not sent in fragments). */
  readonly naluHeaderBytes: number;
  /** Bytes of the fragmentation headers before each fragment. */
  readonly fragmentHeaderBytes: number;
  /** Writes the fragmentation headers of a fragment of `nalu` at `offset`. */
  writeFragmentHeader(out: Buffer, offset: number, nalu: Buffer, start: boolean, end: boolean): void;
  /** The NAL units to send for an access unit (parameter sets added before keyframes, say). */
  prepare(nalus: Buffer[]): Buffer[];
}

export class NaluPayloader implements RtpPayloader {
  readonly #mtu: number;
  readonly #layout: NaluPacketLayout;

  constructor(mtu: number, layout: NaluPacketLayout) {
    this.#mtu = mtu;
    this.#layout = layout;
  }

  packetize(frame: Frame, writer: RtpPacketWriter): Buffer[] {
    const nalus = this.#layout.prepare(splitLengthPrefixed(frame.payload));
    const timestamp = writer.rtpTimestamp(frame.pts);
    const packets: Buffer[] = [];
    const mtu = this.#mtu;
    const emptyGroupSize = this.#layout.aggregationHeaderBytes;
    let group: Buffer[] = [];
    let groupSize = emptyGroupSize;
    for (let i = 0; i < nalus.length; i++) {
      const nalu = nalus[i]!;
      if (nalu.length > mtu) {
        this.#flush(writer, group, groupSize, timestamp, false, packets);
        group = [];
        groupSize = emptyGroupSize;
        this.#fragment(writer, nalu, timestamp, i === nalus.length - 1, packets);
        continue;
      }
      if (groupSize + NALU_SIZE_BYTES + nalu.length > mtu) {
        this.#flush(writer, group, groupSize, timestamp, false, packets);
        group = [];
        groupSize = emptyGroupSize;
      }
      group.push(nalu);
      groupSize += NALU_SIZE_BYTES + nalu.length;
    }
    this.#flush(writer, group, groupSize, timestamp, true, packets);
    return packets;
  }

  /** Emits the pending group: one NAL unit alone, several in one aggregation packet. */
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
    this.#layout.writeAggregationHeader(out, RTP_HEADER_LENGTH, group);
    let off = RTP_HEADER_LENGTH + this.#layout.aggregationHeaderBytes;
    for (const n of group) {
      off = out.writeUInt16BE(n.length, off);
      off += n.copy(out, off);
    }
    packets.push(out);
  }

  /** The NAL unit body split in fragments; the marker on the last one of the access unit's last NAL unit. */
  #fragment(writer: RtpPacketWriter, nalu: Buffer, timestamp: number, lastNalu: boolean, packets: Buffer[]): void {
    const { naluHeaderBytes, fragmentHeaderBytes } = this.#layout;
    const maxChunk = this.#mtu - fragmentHeaderBytes;
    for (let off = naluHeaderBytes; off < nalu.length; ) {
      const chunk = Math.min(maxChunk, nalu.length - off);
      const end = off + chunk === nalu.length;
      const out = writer.allocate(lastNalu && end, timestamp, fragmentHeaderBytes + chunk);
      this.#layout.writeFragmentHeader(out, RTP_HEADER_LENGTH, nalu, off === naluHeaderBytes, end);
      nalu.copy(out, RTP_HEADER_LENGTH + fragmentHeaderBytes, off, off + chunk);
      packets.push(out);
      off += chunk;
    }
  }
}
