/**
 * MPEG audio packetizer, RFC 2250 §3.5: one frame per packet behind the 4-byte MPA header; a frame
 * larger than the MTU is fragmented with Frag_offset. The marker bit stays clear (talkspurts only).
 */
import type { Frame } from '../../media/frame.ts';
import { RTP_HEADER_LENGTH } from '../packet.ts';
import { PacketSequencer } from '../packet-sequencer.ts';
import { resolveMtu, type PacketizerOptions, type PacketizerStats, type RtpPacketizer } from '../packetizer.ts';
import { MPA_CLOCK_RATE, MPA_HEADER_LENGTH } from './depacketizer.ts';

/** RFC 3551 static payload type of MPA. */
export const MPA_PAYLOAD_TYPE = 14;
/** Frag_offset is 16 bits. */
const MAX_FRAME_BYTES = 0xffff;

export interface MpaPacketizerOptions extends PacketizerOptions {
  /** Defaults to the static type 14. */
  readonly payloadType?: number;
}

export class MpaPacketizer implements RtpPacketizer {
  readonly #seq: PacketSequencer;
  readonly #maxChunk: number;

  constructor(options: MpaPacketizerOptions) {
    this.#seq = new PacketSequencer(options, options.payloadType ?? MPA_PAYLOAD_TYPE, MPA_CLOCK_RATE);
    this.#maxChunk = resolveMtu(options.mtu) - MPA_HEADER_LENGTH;
  }

  get ssrc(): number {
    return this.#seq.ssrc;
  }
  get payloadType(): number {
    return this.#seq.payloadType;
  }
  get clockRate(): number {
    return this.#seq.clockRate;
  }
  get nextSequenceNumber(): number {
    return this.#seq.nextSequenceNumber;
  }
  get stats(): Readonly<PacketizerStats> {
    return this.#seq.stats;
  }
  rtpTimestamp(ptsMs: number): number {
    return this.#seq.rtpTimestamp(ptsMs);
  }

  packetize(frame: Frame): Buffer[] {
    const data = frame.payload;
    if (data.length === 0) return [];
    if (data.length > MAX_FRAME_BYTES) {
      this.#seq.stats.framesDropped++;
      return [];
    }
    const timestamp = this.#seq.rtpTimestamp(frame.pts);
    const packets: Buffer[] = [];
    for (let off = 0; off < data.length; ) {
      const chunk = Math.min(this.#maxChunk, data.length - off);
      const out = this.#seq.allocate(false, timestamp, MPA_HEADER_LENGTH + chunk);
      out.writeUInt16BE(0, RTP_HEADER_LENGTH); // MBZ
      out.writeUInt16BE(off, RTP_HEADER_LENGTH + 2); // Frag_offset
      data.copy(out, RTP_HEADER_LENGTH + MPA_HEADER_LENGTH, off, off + chunk);
      packets.push(out);
      off += chunk;
    }
    return packets;
  }
}
