/**
 * G.711 packetizer: a frame of samples (one byte per sample per channel) is split at the MTU on
 * sample boundaries; each packet's timestamp advances by the samples before it. The marker bit
 * stays clear (it flags talkspurt starts, RFC 3551 §4.1, which we do not detect).
 */
import type { Frame } from '../../media/frame.ts';
import { RTP_HEADER_LENGTH } from '../packet.ts';
import { resolveMtu, type PacketizerOptions, type RtpPacketWriter, type RtpPayloader } from '../packetizer.ts';
import { RtpSender } from '../sender.ts';
import { G711_CLOCK_RATE } from './depacketizer.ts';

/** RFC 3551 static payload types. */
export const PCMU_PAYLOAD_TYPE = 0;
export const PCMA_PAYLOAD_TYPE = 8;

export interface G711PacketizerOptions extends PacketizerOptions {
  /** 0 (PCMU) or 8 (PCMA) at 8000 Hz mono; a dynamic type otherwise. */
  readonly payloadType: number;
  /** Defaults to 8000 Hz. */
  readonly clockRate?: number;
  /** Defaults to 1. */
  readonly channels?: number;
}

export class G711Packetizer extends RtpSender {
  constructor(options: G711PacketizerOptions) {
    const payloader = new G711Payloader(options.channels ?? 1, resolveMtu(options.mtu));
    super(options, options.payloadType, options.clockRate ?? G711_CLOCK_RATE, payloader);
  }
}

/** Sample frames -> payloads split at the MTU on sample boundaries. */
export class G711Payloader implements RtpPayloader {
  readonly #maxChunk: number;
  readonly #channels: number;

  constructor(channels: number, mtu: number) {
    this.#channels = channels;
    if (!Number.isInteger(this.#channels) || this.#channels < 1 || this.#channels > 8) {
      throw new RangeError(`G.711 channels ${this.#channels}`);
    }
    this.#maxChunk = mtu - (mtu % this.#channels);
  }

  packetize(frame: Frame, writer: RtpPacketWriter): Buffer[] {
    const samples = frame.payload;
    const base = writer.rtpTimestamp(frame.pts);
    const packets: Buffer[] = [];
    for (let off = 0; off < samples.length; ) {
      const chunk = Math.min(this.#maxChunk, samples.length - off);
      const out = writer.allocate(false, base + off / this.#channels, chunk);
      samples.copy(out, RTP_HEADER_LENGTH, off, off + chunk);
      packets.push(out);
      off += chunk;
    }
    return packets;
  }
}
