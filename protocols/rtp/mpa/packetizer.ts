/**
 * MPEG audio packetizer, RFC 2250 §3.5: one frame per packet behind the 4-byte MPA header; a frame
 * larger than the MTU is fragmented with Frag_offset. The marker bit stays clear (talkspurts only).
 */
import type { Frame } from '../../media/frame.ts';
import { RTP_HEADER_LENGTH } from '../packet.ts';
import { resolveMtu, type PacketizerOptions, type RtpPacketWriter, type RtpPayloader } from '../packetizer.ts';
import { RtpSender } from '../sender.ts';
import { MPA_CLOCK_RATE, MPA_HEADER_LENGTH } from './depacketizer.ts';

/** RFC 3551 static payload type of MPA. */
export const MPA_PAYLOAD_TYPE = 14;
/** Frag_offset is 16 bits. */
const MAX_FRAME_BYTES = 0xffff;

export interface MpaPacketizerOptions extends PacketizerOptions {
  /** Defaults to the static type 14. */
  readonly payloadType?: number;
}

export class MpaPacketizer extends RtpSender {
  constructor(options: MpaPacketizerOptions) {
    super(options, options.payloadType ?? MPA_PAYLOAD_TYPE, MPA_CLOCK_RATE, new MpaPayloader(resolveMtu(options.mtu)));
  }
}

/** MPEG audio frames -> RFC 2250 payloads, fragmented with Frag_offset past the MTU. */
export class MpaPayloader implements RtpPayloader {
  readonly #maxChunk: number;

  constructor(mtu: number) {
    this.#maxChunk = mtu - MPA_HEADER_LENGTH;
  }

  packetize(frame: Frame, writer: RtpPacketWriter): Buffer[] {
    const data = frame.payload;
    if (data.length === 0) return [];
    if (data.length > MAX_FRAME_BYTES) {
      writer.dropFrame();
      return [];
    }
    const timestamp = writer.rtpTimestamp(frame.pts);
    const packets: Buffer[] = [];
    for (let off = 0; off < data.length; ) {
      const chunk = Math.min(this.#maxChunk, data.length - off);
      const out = writer.allocate(false, timestamp, MPA_HEADER_LENGTH + chunk);
      out.writeUInt16BE(0, RTP_HEADER_LENGTH); // MBZ
      out.writeUInt16BE(off, RTP_HEADER_LENGTH + 2); // Frag_offset
      data.copy(out, RTP_HEADER_LENGTH + MPA_HEADER_LENGTH, off, off + chunk);
      packets.push(out);
      off += chunk;
    }
    return packets;
  }
}
