/**
 * The sending side of a set of RTP tracks, whatever carries them (RTSP PLAY to readers, RTSP
 * RECORD pushed to a server): one RtpSender per track with a random identity (RFC 3550 §5.1,
 * §8.1), frames packetized once into units the reader queues take as they are, and the sender
 * report of a track (RFC 3550 §6.4.1).
 */
import type { Frame, TrackKind } from '../media/frame.ts';
import { createPacketizer, type RtpCodecParams } from './format.ts';
import { randomPacketizerIdentity, type RtpPacketizer } from './packetizer.ts';
import { buildSenderReport } from './rtcp/stream-sender-report.ts';

export interface RtpOutputTrack {
  readonly kind: TrackKind;
  readonly params: RtpCodecParams;
}

/** One frame's packets. */
export interface RtpUnit {
  readonly buffers: Buffer[];
  readonly track: TrackKind;
  /** A video keyframe, or any audio frame when there is no video: where a reader may start. */
  readonly startsGop: boolean;
  /** Sum of the buffers' lengths. */
  readonly size: number;
}

export class RtpOutput {
  readonly #senders = new Map<TrackKind, RtpPacketizer>();
  /**
   * Each track's next sequence number when the latest video keyframe came (where a stream's
   * cached GOP starts): `replayGop` packetizes from there again.
   */
  #gopStart: Map<TrackKind, number> | undefined;

  /** `random` returns [0, 1) (the identities); `mtu` bounds each packet's payload (default 1400 bytes). */
  constructor(tracks: readonly RtpOutputTrack[], random: () => number, mtu?: number) {
    for (const t of tracks) {
      this.#senders.set(t.kind, createPacketizer(t.params, { ...randomPacketizerIdentity(random), ...(mtu === undefined ? {} : { mtu }) }));
    }
  }

  sender(kind: TrackKind): RtpPacketizer | undefined {
    return this.#senders.get(kind);
  }

  /** The frame's packets; null when its track is not sent or nothing came out (a frame that cannot be carried). */
  packetize(frame: Frame): RtpUnit | null {
    if (frame.track === 'video' && frame.keyframe) {
      const start = new Map<TrackKind, number>();
      for (const [kind, sender] of this.#senders) start.set(kind, sender.nextSequenceNumber);
      this.#gopStart = start;
    }
    return packetizeWith(this.#senders, frame);
  }

  /**
   * The packets `frames` got from `packetize`, made again byte for byte (same sequence numbers,
   * timestamps, SSRC) without moving the live senders: `frames` are what was packetized since the
   * latest video keyframe, that keyframe first (a stream's cached GOP). Empty when no keyframe was
   * packetized yet or `frames` does not start with one.
   */
  replayGop(frames: readonly Frame[]): RtpUnit[] {
    const start = this.#gopStart;
    const first = frames[0];
    if (start === undefined || first === undefined || first.track !== 'video' || !first.keyframe) return [];
    const senders = new Map<TrackKind, RtpPacketizer>();
    for (const [kind, sender] of this.#senders) senders.set(kind, sender.rewound(start.get(kind) ?? sender.nextSequenceNumber));
    const units: RtpUnit[] = [];
    for (const f of frames) {
      const unit = packetizeWith(senders, f);
      if (unit !== null) units.push(unit);
    }
    return units;
  }

  /** The track's sender report pairing `nowUnixMs` with media time `ptsMs`; undefined for a track not sent. */
  senderReport(kind: TrackKind, nowUnixMs: number, ptsMs: number): Buffer | undefined {
    const sender = this.#senders.get(kind);
    return sender === undefined ? undefined : buildSenderReport(sender, nowUnixMs, sender.rtpTimestamp(ptsMs));
  }
}

function packetizeWith(senders: ReadonlyMap<TrackKind, RtpPacketizer>, frame: Frame): RtpUnit | null {
  const sender = senders.get(frame.track);
  if (sender === undefined) return null;
  const buffers = sender.packetize(frame);
  if (buffers.length === 0) return null;
  let size = 0;
  for (const b of buffers) size += b.length;
  const startsGop = frame.track === 'video' ? frame.keyframe : !senders.has('video');
  return { buffers, track: frame.track, startsGop, size };
}
