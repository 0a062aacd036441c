/**
 * What every packetizer (h264, h265, aac, g711, mpa) shares. Shape: `packetize(frame): Buffer[]`
 * returning fully encoded RTP packets, built once per stream and written to every reader. One
 * class, RtpSender (sender.ts), implements RtpPacketizer for every codec; a codec brings only its
 * RtpPayloader, which lays out payloads.
 */
import type { Frame } from '../media/frame.ts';

/** Default bound on the RTP payload of one packet (header not included), in bytes. */
export const DEFAULT_MTU = 1400;
/** Smallest MTU accepted: room for FU headers and a few bytes of data. */
export const MIN_MTU = 32;
/** Largest MTU accepted: an RTP packet must fit a 16-bit interleaved length. */
export const MAX_MTU = 65000;

export interface PacketizerOptions {
  /** Synchronisation source; pick it at random (RFC 3550 §8.1). */
  readonly ssrc: number;
  /** First sequence number; random (RFC 3550 §5.1). */
  readonly initialSequenceNumber: number;
  /** Added to every RTP timestamp; random (RFC 3550 §5.1). */
  readonly timestampOffset: number;
  /** Max RTP payload per packet. Defaults to DEFAULT_MTU (1400 bytes). */
  readonly mtu?: number;
}

export interface PacketizerStats {
  /** Packets produced (RTCP SR sender's packet count). */
  packets: number;
  /** Payload octets produced (RTCP SR sender's octet count). */
  octets: number;
  /** Frames not sent because they cannot be carried (e.g. an AAC AU over 8191 bytes). */
  framesDropped: number;
}

export interface RtpPacketizer {
  packetize(frame: Frame): Buffer[];
  readonly ssrc: number;
  readonly payloadType: number;
  readonly clockRate: number;
  /** Sequence number of the next packet (RTSP RTP-Info `seq=` for a reader joining now). */
  readonly nextSequenceNumber: number;
  /** RTP timestamp of a frame with this pts (RTP-Info `rtptime=`, RTCP SR mapping). */
  rtpTimestamp(ptsMs: number): number;
  readonly stats: Readonly<PacketizerStats>;
  /**
   * A packetizer with this one's identity and codec whose next packet has `sequenceNumber`: it
   * makes again, byte for byte, packets this one made from there, without moving this one's
   * sequence or counts (a joining reader's replay of the GOP).
   */
  rewound(sequenceNumber: number): RtpPacketizer;
}

/** What a payloader writes packets through (RtpSender): headers, sequence numbers and counts are its. */
export interface RtpPacketWriter {
  /** A packet of RTP_HEADER_LENGTH + payloadLength bytes with the header written; payload left to the caller. */
  allocate(marker: boolean, timestamp: number, payloadLength: number): Buffer;
  /** RTP timestamp of a frame with this pts. */
  rtpTimestamp(ptsMs: number): number;
  /** Counts a frame that cannot be carried (stats.framesDropped). */
  dropFrame(): void;
}

/** The codec half of a packetizer: a frame -> RTP packets written through `out`. */
export interface RtpPayloader {
  packetize(frame: Frame, out: RtpPacketWriter): Buffer[];
}

/** SSRC, initial sequence number and timestamp offset drawn from `random` (returns [0, 1)). */
export function randomPacketizerIdentity(random: () => number): Omit<PacketizerOptions, 'mtu'> {
  return {
    ssrc: Math.floor(random() * 2 ** 32) >>> 0,
    initialSequenceNumber: Math.floor(random() * 0x10000) & 0xffff,
    timestampOffset: Math.floor(random() * 2 ** 32) >>> 0,
  };
}

export function resolveMtu(mtu: number | undefined): number {
  const value = mtu ?? DEFAULT_MTU;
  if (!Number.isInteger(value) || value < MIN_MTU || value > MAX_MTU) {
    throw new RangeError(`RTP MTU ${value} outside ${MIN_MTU}..${MAX_MTU}`);
  }
  return value;
}
