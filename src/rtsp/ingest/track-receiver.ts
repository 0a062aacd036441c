/** One RTP track an RTSP client receives (PLAY): RtpIngest, plus the reception statistics of our receiver reports. */
import type { Frame } from '../../../protocols/media/frame.ts';
import type { RtpCodecParams } from '../../../protocols/rtp/format.ts';
import { RtpIngest, type RtpIngestStats } from '../../../protocols/rtp/ingest.ts';
import { senderReportsIn } from '../../../protocols/rtp/rtcp/compound.ts';
import type { ReceptionReport } from '../../../protocols/rtp/rtcp/reception-report.ts';
import { RtpReceptionStats } from '../../../protocols/rtp/rtcp/reception-stats.ts';

export interface ReceiverStats extends RtpIngestStats {
  /** Date.now() of the last packet, 0 before any. */
  lastPacketAtMs: number;
}

export class TrackReceiver {
  readonly #ingest: RtpIngest;
  readonly #reception: RtpReceptionStats;
  #lastPacketAtMs = 0;

  /** `rtptime`: RTP timestamp of npt 0 from RTP-Info, so every track starts on one clock. */
  constructor(params: RtpCodecParams, rtptime: number | undefined, onFrame: (frame: Frame) => void) {
    this.#reception = new RtpReceptionStats(params.clockRate);
    this.#ingest = new RtpIngest(params, rtptime === undefined ? {} : { rtpTimestampOrigin: rtptime }, {
      onPacket: (p) => this.#reception.onPacket(p.ssrc, p.sequenceNumber, p.timestamp, this.#lastPacketAtMs),
      onFrame,
    });
  }

  static sum(receivers: readonly TrackReceiver[]): ReceiverStats {
    const lastPacketAtMs = receivers.reduce((max, r) => Math.max(max, r.#lastPacketAtMs), 0);
    return { ...RtpIngest.sum(receivers.map((r) => r.#ingest)), lastPacketAtMs };
  }

  get stats(): ReceiverStats {
    return { ...this.#ingest.stats, lastPacketAtMs: this.#lastPacketAtMs };
  }

  /** RTCP from the sender: its SR feeds the LSR/DLSR fields of our receiver reports. Malformed RTCP is ignored. */
  pushRtcp(data: Buffer): void {
    for (const sr of senderReportsIn(data)) this.#reception.onSenderReport(sr.ntp, Date.now());
  }

  /** The reception report block for our next RR, or null before any packet. */
  receptionReport(nowMs: number): ReceptionReport | null {
    return this.#reception.report(nowMs);
  }

  pushRtp(data: Buffer): void {
    this.#lastPacketAtMs = Date.now();
    this.#ingest.push(data);
  }
}
