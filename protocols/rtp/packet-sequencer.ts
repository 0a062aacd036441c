/**
 * The sending side of one RTP stream: SSRC, payload type, sequence numbers (wrapping at 2^16),
 * timestamp offset and SR counters. Packetizers ask it for a packet buffer with the header filled
 * and write the payload at RTP_HEADER_LENGTH.
 */
import { RTP_HEADER_LENGTH, RTP_VERSION } from './packet.ts';
import type { PacketizerOptions, PacketizerStats } from './packetizer.ts';
import { rtpTimestampFromMs } from './rtp-clock.ts';

const MARKER_BIT = 0x80;

export class PacketSequencer {
  readonly ssrc: number;
  readonly payloadType: number;
  readonly clockRate: number;
  readonly stats: PacketizerStats = { packets: 0, octets: 0, framesDropped: 0 };
  #sequenceNumber: number;
  readonly #timestampOffset: number;

  constructor(options: PacketizerOptions, payloadType: number, clockRate: number) {
    if (!Number.isInteger(payloadType) || payloadType < 0 || payloadType > 127) {
      throw new RangeError(`payload type ${payloadType}`);
    }
    this.ssrc = options.ssrc >>> 0;
    this.payloadType = payloadType;
    this.clockRate = clockRate;
    this.#sequenceNumber = options.initialSequenceNumber & 0xffff;
    this.#timestampOffset = options.timestampOffset >>> 0;
  }

  get nextSequenceNumber(): number {
    return this.#sequenceNumber;
  }

  rtpTimestamp(ptsMs: number): number {
    return rtpTimestampFromMs(ptsMs, this.clockRate, this.#timestampOffset);
  }

  /** A packet of RTP_HEADER_LENGTH + payloadLength bytes with the header written; payload left to the caller. */
  allocate(marker: boolean, timestamp: number, payloadLength: number): Buffer {
    const out = Buffer.allocUnsafe(RTP_HEADER_LENGTH + payloadLength);
    out[0] = RTP_VERSION << 6;
    out[1] = (marker ? MARKER_BIT : 0) | this.payloadType;
    out.writeUInt16BE(this.#sequenceNumber, 2);
    out.writeUInt32BE(timestamp >>> 0, 4);
    out.writeUInt32BE(this.ssrc, 8);
    this.#sequenceNumber = (this.#sequenceNumber + 1) & 0xffff;
    this.stats.packets++;
    this.stats.octets += payloadLength;
    return out;
  }
}
