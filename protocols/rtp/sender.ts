/**
 * The sending side of one RTP stream, whatever the codec: SSRC, payload type, sequence numbers
 * (wrapping at 2^16), timestamp offset and the SR counters. The codec's payloader only lays out
 * payloads: it asks for a packet buffer with the header filled and writes at RTP_HEADER_LENGTH.
 */
import type { Frame } from '../media/frame.ts';
import { RTP_HEADER_LENGTH, RTP_VERSION } from './packet.ts';
import type { PacketizerOptions, PacketizerStats, RtpPacketizer, RtpPacketWriter, RtpPayloader } from './packetizer.ts';
import { rtpTimestampFromMs } from './rtp-clock.ts';

const MARKER_BIT = 0x80;

export class RtpSender implements RtpPacketizer, RtpPacketWriter {
  readonly ssrc: number;
  readonly payloadType: number;
  readonly clockRate: number;
  readonly #stats: PacketizerStats = { packets: 0, octets: 0, framesDropped: 0 };
  readonly #payloader: RtpPayloader;
  #sequenceNumber: number;
  readonly #timestampOffset: number;

  constructor(options: PacketizerOptions, payloadType: number, clockRate: number, payloader: RtpPayloader) {
    if (!Number.isInteger(payloadType) || payloadType < 0 || payloadType > 127) {
      throw new RangeError(`payload type ${payloadType}`);
    }
    this.ssrc = options.ssrc >>> 0;
    this.payloadType = payloadType;
    this.clockRate = clockRate;
    this.#sequenceNumber = options.initialSequenceNumber & 0xffff;
    this.#timestampOffset = options.timestampOffset >>> 0;
    this.#payloader = payloader;
  }

  get stats(): Readonly<PacketizerStats> {
    return this.#stats;
  }

  get nextSequenceNumber(): number {
    return this.#sequenceNumber;
  }

  packetize(frame: Frame): Buffer[] {
    return this.#payloader.packetize(frame, this);
  }

  rewound(sequenceNumber: number): RtpSender {
    const options = { ssrc: this.ssrc, initialSequenceNumber: sequenceNumber, timestampOffset: this.#timestampOffset };
    return new RtpSender(options, this.payloadType, this.clockRate, this.#payloader);
  }

  rtpTimestamp(ptsMs: number): number {
    return rtpTimestampFromMs(ptsMs, this.clockRate, this.#timestampOffset);
  }

  allocate(marker: boolean, timestamp: number, payloadLength: number): Buffer {
    const out = Buffer.allocUnsafe(RTP_HEADER_LENGTH + payloadLength);
    out[0] = RTP_VERSION << 6;
    out[1] = (marker ? MARKER_BIT : 0) | this.payloadType;
    out.writeUInt16BE(this.#sequenceNumber, 2);
    out.writeUInt32BE(timestamp >>> 0, 4);
    out.writeUInt32BE(this.ssrc, 8);
    this.#sequenceNumber = (this.#sequenceNumber + 1) & 0xffff;
    this.#stats.packets++;
    this.#stats.octets += payloadLength;
    return out;
  }

  dropFrame(): void {
    this.#stats.framesDropped++;
  }
}
