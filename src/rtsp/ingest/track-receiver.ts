/** One received RTP track: decode, depacketize, count; a bad packet costs only its frame. */
import { isProtocolError } from '../../../protocols/errors.ts';
import type { Frame } from '../../../protocols/media/frame.ts';
import type { RtpDepacketizer } from '../../../protocols/rtp/depacketizer.ts';
import { createDepacketizer, type RtpCodecParams } from '../../../protocols/rtp/format.ts';
import { RtpPacket } from '../../../protocols/rtp/packet.ts';
import { parseRtcpCompound } from '../../../protocols/rtp/rtcp/compound.ts';
import type { ReceptionReport } from '../../../protocols/rtp/rtcp/reception-report.ts';
import { RtpReceptionStats } from '../../../protocols/rtp/rtcp/reception-stats.ts';

export interface ReceiverStats {
  packetsReceived: number;
  packetsMalformed: number;
  packetsLost: number;
  framesReceived: number;
  framesDropped: number;
  /** Date.now() of the last packet, 0 before any. */
  lastPacketAtMs: number;
}

export class TrackReceiver {
  readonly #depacketizer: RtpDepacketizer;
  readonly #onFrame: (frame: Frame) => void;
  readonly #stats = { packetsReceived: 0, packetsMalformed: 0, framesReceived: 0, lastPacketAtMs: 0 };
  readonly #reception: RtpReceptionStats;

  /** `rtptime`: RTP timestamp of npt 0 from RTP-Info, so every track starts on one clock. */
  constructor(params: RtpCodecParams, rtptime: number | undefined, onFrame: (frame: Frame) => void) {
    this.#depacketizer = createDepacketizer(params, rtptime === undefined ? {} : { rtpTimestampOrigin: rtptime });
    this.#onFrame = onFrame;
    this.#reception = new RtpReceptionStats(params.clockRate);
  }

  static sum(receivers: readonly TrackReceiver[]): ReceiverStats {
    const out: ReceiverStats = { packetsReceived: 0, packetsMalformed: 0, packetsLost: 0, framesReceived: 0, framesDropped: 0, lastPacketAtMs: 0 };
    for (const r of receivers) {
      const s = r.stats;
      out.packetsReceived += s.packetsReceived;
      out.packetsMalformed += s.packetsMalformed;
      out.packetsLost += s.packetsLost;
      out.framesReceived += s.framesReceived;
      out.framesDropped += s.framesDropped;
      out.lastPacketAtMs = Math.max(out.lastPacketAtMs, s.lastPacketAtMs);
    }
    return out;
  }

  get stats(): ReceiverStats {
    const d = this.#depacketizer.stats;
    return { ...this.#stats, packetsLost: d.packetsLost, framesDropped: d.framesDropped };
  }

  /** RTCP from the sender: its SR feeds the LSR/DLSR fields of our receiver reports. Malformed RTCP is ignored. */
  pushRtcp(data: Buffer): void {
    let packets;
    try {
      packets = parseRtcpCompound(data);
    } catch (err) {
      if (!isProtocolError(err)) throw err;
      return;
    }
    for (const p of packets) if (p.type === 'sr') this.#reception.onSenderReport(p.ntp, Date.now());
  }

  /** The reception report block for our next RR, or null before any packet. */
  receptionReport(nowMs: number): ReceptionReport | null {
    return this.#reception.report(nowMs);
  }

  pushRtp(data: Buffer): void {
    this.#stats.packetsReceived++;
    this.#stats.lastPacketAtMs = Date.now();
    let packet: RtpPacket;
    try {
      packet = RtpPacket.decode(data);
    } catch (err) {
      if (!isProtocolError(err)) throw err;
      this.#stats.packetsMalformed++;
      return;
    }
    this.#reception.onPacket(packet.ssrc, packet.sequenceNumber, packet.timestamp, this.#stats.lastPacketAtMs);
    for (const frame of this.#depacketizer.push(packet)) {
      this.#stats.framesReceived++;
      this.#onFrame(frame);
    }
  }
}
