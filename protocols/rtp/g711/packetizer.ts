/**
 * G.711 packetizer: a frame of samples (one byte per sample per channel) is split at the MTU on
 * sample boundaries; each packet's timestamp advances by the samples before it. The marker bit
 * stays clear (it flags talkspurt starts, RFC 3551 §4.1, which we do not detect).
 */
import type { Frame } from '../../media/frame.ts';
import { RTP_HEADER_LENGTH } from '../packet.ts';
import { PacketSequencer } from '../packet-sequencer.ts';
import { resolveMtu, type PacketizerOptions, type PacketizerStats, type RtpPacketizer } from '../packetizer.ts';
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

export class G711Packetizer implements RtpPacketizer {
  readonly #seq: PacketSequencer;
  readonly #maxChunk: number;
  readonly #channels: number;

  constructor(options: G711PacketizerOptions) {
    this.#seq = new PacketSequencer(options, options.payloadType, options.clockRate ?? G711_CLOCK_RATE);
    this.#channels = options.channels ?? 1;
    if (!Number.isInteger(this.#channels) || this.#channels < 1 || this.#channels > 8) {
      throw new RangeError(`G.711 channels ${this.#channels}`);
    }
    const mtu = resolveMtu(options.mtu);
    this.#maxChunk = mtu - (mtu % this.#channels);
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
    const samples = frame.payload;
    const base = this.#seq.rtpTimestamp(frame.pts);
    const packets: Buffer[] = [];
    for (let off = 0; off < samples.length; ) {
      const chunk = Math.min(this.#maxChunk, samples.length - off);
      const out = this.#seq.allocate(false, base + off / this.#channels, chunk);
      samples.copy(out, RTP_HEADER_LENGTH, off, off + chunk);
      packets.push(out);
      off += chunk;
    }
    return packets;
  }
}
