/**
 * One received RTP track, whatever brought it (RTSP RECORD, an RTSP pull for replication or a
 * pulled camera; interleaved or UDP): decode the packet, depacketize, count. A packet that is not
 * RTP at all is counted and dropped; a malformed payload costs only its frame (the depacketizer's
 * stats). `onPacket` sees each decoded packet before its frames go out.
 */
import { isProtocolError } from '../errors.ts';
import type { Frame } from '../media/frame.ts';
import type { DepacketizerOptions, RtpDepacketizer } from './depacketizer.ts';
import { createDepacketizer } from './format.ts';
import { RtpPacket } from './packet.ts';
import type { RtpCodecParams } from './rtp-codec-params.ts';

export interface RtpIngestStats {
  packetsReceived: number;
  /** Packets that are not RTP at all (wrong version, truncated header). */
  packetsMalformed: number;
  packetsLost: number;
  framesReceived: number;
  framesDropped: number;
}

export interface RtpIngestSink {
  /** A decoded packet, before the frames it completes. */
  onPacket?(packet: RtpPacket): void;
  onFrame(frame: Frame): void;
}

export class RtpIngest {
  readonly #depacketizer: RtpDepacketizer;
  readonly #sink: RtpIngestSink;
  readonly #counts = { packetsReceived: 0, packetsMalformed: 0, framesReceived: 0 };

  constructor(params: RtpCodecParams, options: DepacketizerOptions, sink: RtpIngestSink) {
    this.#depacketizer = createDepacketizer(params, options);
    this.#sink = sink;
  }

  /** The counts of the tracks together. */
  static sum(ingests: Iterable<RtpIngest>): RtpIngestStats {
    const out: RtpIngestStats = { packetsReceived: 0, packetsMalformed: 0, packetsLost: 0, framesReceived: 0, framesDropped: 0 };
    for (const i of ingests) {
      const s = i.stats;
      out.packetsReceived += s.packetsReceived;
      out.packetsMalformed += s.packetsMalformed;
      out.packetsLost += s.packetsLost;
      out.framesReceived += s.framesReceived;
      out.framesDropped += s.framesDropped;
    }
    return out;
  }

  get stats(): RtpIngestStats {
    const d = this.#depacketizer.stats;
    return { ...this.#counts, packetsLost: d.packetsLost, framesDropped: d.framesDropped };
  }

  /** One datagram or interleaved frame of RTP. Never throws for what the peer sent. */
  push(data: Buffer): void {
    this.#counts.packetsReceived++;
    let packet: RtpPacket;
    try {
      packet = RtpPacket.decode(data);
    } catch (err) {
      if (!isProtocolError(err)) throw err;
      this.#counts.packetsMalformed++;
      return;
    }
    this.#sink.onPacket?.(packet);
    for (const frame of this.#depacketizer.push(packet)) {
      this.#counts.framesReceived++;
      this.#sink.onFrame(frame);
    }
  }
}
