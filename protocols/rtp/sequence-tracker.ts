/** Loss and reordering detection on the RTP sequence number of one SSRC (RFC 3550 Appendix A.1, simplified). */
import { seqDiff } from './sequence.ts';

export type SequenceVerdict =
  /** The expected next packet (or the first one). */
  | { readonly kind: 'next' }
  /** Newer than expected: `lost` packets are missing before it. */
  | { readonly kind: 'gap'; readonly lost: number }
  /** A duplicate or a packet that arrived after a newer one: drop it. */
  | { readonly kind: 'old' };

/**
 * After this many consecutive "old" packets the source is assumed to have restarted with a new
 * sequence space (an encoder restart that kept its SSRC) and the tracker resynchronises.
 */
export const MAX_CONSECUTIVE_OLD_PACKETS = 32;

const NEXT: SequenceVerdict = { kind: 'next' };
const OLD: SequenceVerdict = { kind: 'old' };

export class SequenceTracker {
  #last: number | undefined;
  #ssrc: number | undefined;
  #consecutiveOld = 0;

  /** Classifies a packet; a new SSRC restarts tracking (counted as `next`). */
  check(sequenceNumber: number, ssrc: number): SequenceVerdict {
    if (this.#last === undefined || ssrc !== this.#ssrc) return this.#accept(sequenceNumber, ssrc, NEXT);
    const d = seqDiff(sequenceNumber, this.#last);
    if (d === 1) return this.#accept(sequenceNumber, ssrc, NEXT);
    if (d > 1) return this.#accept(sequenceNumber, ssrc, { kind: 'gap', lost: d - 1 });
    if (++this.#consecutiveOld >= MAX_CONSECUTIVE_OLD_PACKETS) return this.#accept(sequenceNumber, ssrc, NEXT);
    return OLD;
  }

  reset(): void {
    this.#last = undefined;
    this.#ssrc = undefined;
    this.#consecutiveOld = 0;
  }

  #accept(sequenceNumber: number, ssrc: number, verdict: SequenceVerdict): SequenceVerdict {
    this.#last = sequenceNumber;
    this.#ssrc = ssrc;
    this.#consecutiveOld = 0;
    return verdict;
  }
}
