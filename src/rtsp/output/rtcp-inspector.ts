/** Counts what readers and publishers say over RTCP (receiver reports, BYE); malformed RTCP is counted, not fatal. */
import { isProtocolError } from '../../../protocols/errors.ts';
import { parseRtcpCompound } from '../../../protocols/rtp/rtcp/compound.ts';

export interface RtcpStats {
  receiverReports: number;
  senderReports: number;
  byes: number;
  malformed: number;
  /** Highest fraction lost (0-255) any reader reported in its latest RR. */
  maxFractionLost: number;
}

export function createRtcpStats(): RtcpStats {
  return { receiverReports: 0, senderReports: 0, byes: 0, malformed: 0, maxFractionLost: 0 };
}

/** Parses one RTCP compound packet into `stats`; returns true when it holds a BYE. */
export function inspectRtcp(data: Buffer, stats: RtcpStats): boolean {
  let bye = false;
  try {
    for (const p of parseRtcpCompound(data)) {
      if (p.type === 'rr' || p.type === 'sr') {
        if (p.type === 'rr') stats.receiverReports++;
        else stats.senderReports++;
        for (const r of p.reports) stats.maxFractionLost = Math.max(stats.maxFractionLost, r.fractionLost);
      } else if (p.type === 'bye') {
        stats.byes++;
        bye = true;
      }
    }
  } catch (err) {
    if (!isProtocolError(err)) throw err;
    stats.malformed++;
  }
  return bye;
}
