/**
 * What every depacketizer (h264, h265, aac, g711, mpa) shares.
 *
 * Shape: `push(packet): readonly Frame[]` — the frames the packet completes, usually none or one
 * (an AAC packet can carry several AUs; a video packet with a new timestamp can flush the previous
 * AU that lacked its marker). Malformed payloads never throw: the frame they belong to is dropped,
 * counted in `stats`, and the depacketizer resynchronises at the next access unit.
 *
 * One class, RtpReceiver (receiver.ts), implements RtpDepacketizer for every codec: it owns
 * sequence tracking, loss and the clock; a codec brings only its PayloadDepacketizer.
 */
import type { Frame } from '../media/frame.ts';
import type { RtpPacket } from './packet.ts';

export interface DepacketizerStats {
  /** Packets handed to push(). */
  packets: number;
  /** Packets missing according to sequence numbers. */
  packetsLost: number;
  /** Duplicates and late packets, dropped. */
  packetsOutOfOrder: number;
  /** Packets whose payload could not be parsed, or used an unsupported payload structure. */
  packetsMalformed: number;
  /** A fragment without its start was received (joining a stream mid-NAL, or after loss). */
  midFragmentJoins: number;
  framesOutput: number;
  /** Access units discarded because of loss, malformed packets or size limits. */
  framesDropped: number;
}

export interface RtpDepacketizer {
  push(packet: RtpPacket): readonly Frame[];
  readonly stats: Readonly<DepacketizerStats>;
  /** Forgets partial frames and sequence state (e.g. a new RTSP PLAY); the time origin is kept. */
  reset(): void;
}

/**
 * The codec half of a depacketizer: one packet that came in order -> the frames it completes.
 * `ticks` is the packet's RTP timestamp in clock ticks since the origin (unwrapped); `afterLoss`
 * says packets are missing just before this one. Counts go to the stats it was built with.
 */
export interface PayloadDepacketizer {
  push(packet: RtpPacket, ticks: number, afterLoss: boolean): readonly Frame[];
}

export interface DepacketizerOptions {
  /**
   * RTP timestamp that maps to 0 ms (RTSP RTP-Info rtptime, or an RTCP-derived value to align
   * tracks). Defaults to the timestamp of the first packet.
   */
  readonly rtpTimestampOrigin?: number;
}

export function createDepacketizerStats(): DepacketizerStats {
  return {
    packets: 0,
    packetsLost: 0,
    packetsOutOfOrder: 0,
    packetsMalformed: 0,
    midFragmentJoins: 0,
    framesOutput: 0,
    framesDropped: 0,
  };
}

/** The shared "nothing completed" result, to avoid an allocation per packet. */
export const NO_FRAMES: readonly Frame[] = Object.freeze([]);
