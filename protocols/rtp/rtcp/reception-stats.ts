/**
 * Receiver-side statistics for one RTP source, producing reception report blocks: extended
 * highest sequence, losses, interarrival jitter (RFC 3550 Appendix A.3 and A.8) and LSR/DLSR.
 * Arrival times come in as parameters (ms, any monotonic clock).
 */
import { seqDiff } from '../sequence.ts';
import { compactNtp, type NtpTimestamp } from './ntp.ts';
import type { ReceptionReport } from './reception-report.ts';

const DLSR_UNITS_PER_SECOND = 65536;

export class RtpReceptionStats {
  readonly clockRate: number;
  #ssrc = 0;
  #started = false;
  #baseSeq = 0;
  #maxSeq = 0;
  #cycles = 0;
  #received = 0;
  #expectedPrior = 0;
  #receivedPrior = 0;
  #jitter = 0;
  #lastTransit: number | undefined;
  #lastSr = 0;
  #lastSrArrivalMs: number | undefined;

  constructor(clockRate: number) {
    if (!(clockRate > 0)) throw new RangeError(`clock rate ${clockRate}`);
    this.clockRate = clockRate;
  }

  /** Records one received data packet. */
  onPacket(ssrc: number, sequenceNumber: number, rtpTimestamp: number, arrivalMs: number): void {
    if (!this.#started || ssrc !== this.#ssrc) {
      this.#ssrc = ssrc;
      this.#started = true;
      this.#baseSeq = sequenceNumber;
      this.#maxSeq = sequenceNumber;
      this.#cycles = 0;
      this.#received = 0;
      this.#expectedPrior = 0;
      this.#receivedPrior = 0;
      this.#jitter = 0;
      this.#lastTransit = undefined;
    } else if (seqDiff(sequenceNumber, this.#maxSeq) > 0) {
      if (sequenceNumber < this.#maxSeq) this.#cycles += 0x10000;
      this.#maxSeq = sequenceNumber;
    }
    this.#received++;
    // A.8: transit time in timestamp units; jitter is its smoothed absolute difference.
    const arrival = (arrivalMs * this.clockRate) / 1000;
    const transit = arrival - rtpTimestamp;
    if (this.#lastTransit !== undefined) {
      let d = transit - this.#lastTransit;
      // The RTP timestamp may have wrapped between the two packets.
      d = Math.abs(((d % 2 ** 32) + 2 ** 32 + 2 ** 31) % 2 ** 32 - 2 ** 31);
      this.#jitter += (d - this.#jitter) / 16;
    }
    this.#lastTransit = transit;
  }

  /** Records a sender report from this source, for LSR/DLSR. */
  onSenderReport(ntp: NtpTimestamp, arrivalMs: number): void {
    this.#lastSr = compactNtp(ntp);
    this.#lastSrArrivalMs = arrivalMs;
  }

  /** The report block for now; resets the "since last report" interval. Null before any packet. */
  report(nowMs: number): ReceptionReport | null {
    if (!this.#started) return null;
    const extendedMax = this.#cycles + this.#maxSeq;
    const expected = extendedMax - this.#baseSeq + 1;
    const lost = expected - this.#received;
    const expectedInterval = expected - this.#expectedPrior;
    const receivedInterval = this.#received - this.#receivedPrior;
    this.#expectedPrior = expected;
    this.#receivedPrior = this.#received;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost = expectedInterval <= 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval * 256) / expectedInterval);
    const dlsr =
      this.#lastSrArrivalMs === undefined ? 0 : Math.max(0, Math.round(((nowMs - this.#lastSrArrivalMs) / 1000) * DLSR_UNITS_PER_SECOND));
    return {
      ssrc: this.#ssrc,
      fractionLost: Math.min(255, fractionLost),
      cumulativeLost: lost,
      extendedHighestSequence: extendedMax >>> 0,
      jitter: Math.floor(this.#jitter),
      lastSenderReport: this.#lastSr,
      delaySinceLastSenderReport: dlsr >>> 0,
    };
  }
}
