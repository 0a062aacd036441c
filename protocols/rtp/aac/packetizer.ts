/**
 * RFC 3640 mpeg4-generic packetizer, mode AAC-hbr (sizelength 13, indexlength 3,
 * indexdeltalength 3). `packetize` sends one AU per packet (no added latency); `packetizeGroup`
 * aggregates consecutive AUs up to the MTU. An AU larger than one packet is fragmented; an AU over
 * 8191 bytes cannot be signalled and is dropped (counted in stats.framesDropped).
 */
import type { Frame } from '../../media/frame.ts';
import { RTP_HEADER_LENGTH } from '../packet.ts';
import { resolveMtu, type PacketizerOptions, type RtpPacketWriter, type RtpPayloader } from '../packetizer.ts';
import { RtpSender } from '../sender.ts';
import {
  AAC_HBR,
  AAC_HBR_AU_HEADER_BYTES,
  AAC_HBR_MAX_AU_SIZE,
  AU_HEADERS_LENGTH_BYTES,
} from './au-header-config.ts';

export interface AacPacketizerOptions extends PacketizerOptions {
  /** Dynamic payload type from the SDP. Defaults to 96. */
  readonly payloadType?: number;
  /** RTP clock rate: the AAC sampling rate. */
  readonly clockRate: number;
}

const DEFAULT_PAYLOAD_TYPE = 96;

export class AacPacketizer extends RtpSender {
  readonly #payloader: AacPayloader;

  constructor(options: AacPacketizerOptions) {
    const payloader = new AacPayloader(resolveMtu(options.mtu));
    super(options, options.payloadType ?? DEFAULT_PAYLOAD_TYPE, options.clockRate, payloader);
    this.#payloader = payloader;
  }

  /**
   * Packs consecutive AUs (each one frame length after the previous: AU-Index-delta 0) into as
   * few packets as the MTU allows; each packet carries the timestamp of its first AU.
   */
  packetizeGroup(frames: readonly Frame[]): Buffer[] {
    return this.#payloader.packetizeGroup(frames, this);
  }
}

/** AUs -> AAC-hbr payloads: one AU per packet, or (packetizeGroup) as many as fit. */
export class AacPayloader implements RtpPayloader {
  readonly #mtu: number;

  constructor(mtu: number) {
    this.#mtu = mtu;
  }

  packetize(frame: Frame, writer: RtpPacketWriter): Buffer[] {
    return this.packetizeGroup([frame], writer);
  }

  packetizeGroup(frames: readonly Frame[], writer: RtpPacketWriter): Buffer[] {
    const packets: Buffer[] = [];
    let group: Frame[] = [];
    let groupSize = AU_HEADERS_LENGTH_BYTES;
    for (const frame of frames) {
      const size = frame.payload.length;
      if (size === 0) continue;
      if (size > AAC_HBR_MAX_AU_SIZE) {
        writer.dropFrame();
        continue;
      }
      const needed = AAC_HBR_AU_HEADER_BYTES + size;
      if (groupSize + needed > this.#mtu) {
        this.#flush(writer, group, groupSize, packets);
        group = [];
        groupSize = AU_HEADERS_LENGTH_BYTES;
        if (AU_HEADERS_LENGTH_BYTES + needed > this.#mtu) {
          this.#fragment(writer, frame, packets);
          continue;
        }
      }
      group.push(frame);
      groupSize += needed;
    }
    this.#flush(writer, group, groupSize, packets);
    return packets;
  }

  /** Complete AUs: marker set (RFC 3640 §3.2.1). */
  #flush(writer: RtpPacketWriter, group: Frame[], groupSize: number, packets: Buffer[]): void {
    if (group.length === 0) return;
    const out = writer.allocate(true, writer.rtpTimestamp(group[0]!.pts), groupSize);
    let off = RTP_HEADER_LENGTH;
    off = out.writeUInt16BE(group.length * AAC_HBR_AU_HEADER_BYTES * 8, off);
    for (const f of group) off = out.writeUInt16BE(auHeader(f.payload.length), off);
    for (const f of group) off += f.payload.copy(out, off);
    packets.push(out);
  }

  /** One AU over several packets: each carries the full AU-size; marker on the last (§3.2.3). */
  #fragment(writer: RtpPacketWriter, frame: Frame, packets: Buffer[]): void {
    const au = frame.payload;
    const timestamp = writer.rtpTimestamp(frame.pts);
    const overhead = AU_HEADERS_LENGTH_BYTES + AAC_HBR_AU_HEADER_BYTES;
    const maxChunk = this.#mtu - overhead;
    for (let off = 0; off < au.length; ) {
      const chunk = Math.min(maxChunk, au.length - off);
      const last = off + chunk === au.length;
      const out = writer.allocate(last, timestamp, overhead + chunk);
      out.writeUInt16BE(AAC_HBR_AU_HEADER_BYTES * 8, RTP_HEADER_LENGTH);
      out.writeUInt16BE(auHeader(au.length), RTP_HEADER_LENGTH + AU_HEADERS_LENGTH_BYTES);
      au.copy(out, RTP_HEADER_LENGTH + overhead, off, off + chunk);
      packets.push(out);
      off += chunk;
    }
  }
}

/** AU-size (13 bits) then AU-Index / AU-Index-delta = 0 (3 bits). */
function auHeader(size: number): number {
  return size << AAC_HBR.indexLength;
}
