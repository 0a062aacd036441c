/**
 * A UDP RTSP reader: one datagram per RTP packet from the listener's shared server RTP socket to
 * the client's port of that track; RTCP from the shared RTCP socket. A joining reader gets the
 * cached GOP at once, which on UDP would overflow the client's receive buffer (ffmpeg asks for
 * 64 KiB), so sends are paced: at most BURST_BYTES per PACE_INTERVAL_MS, the rest queued in order.
 * The queue is what `pendingBytes` reports, so the ReaderQueue's drop-to-keyframe policy applies.
 */
import type dgram from 'node:dgram';
import type { TrackKind } from '../../../protocols/media/frame.ts';
import type { RtspReaderTransport } from './rtsp-reader-transport.ts';

export interface UdpTarget {
  readonly host: string;
  readonly rtpPort: number;
  readonly rtcpPort: number;
}

/** Bytes sent back to back before yielding (well under a typical 64 KiB receive buffer). */
const BURST_BYTES = 8 * 1024;
/** Pause between bursts: caps a backlog's drain at about 24 MB/s. */
const PACE_INTERVAL_MS = 2;

export class UdpTransport implements RtspReaderTransport {
  readonly #rtp: dgram.Socket;
  readonly #rtcp: dgram.Socket;
  readonly #targets: ReadonlyMap<TrackKind, UdpTarget>;
  readonly #onClose: (reason: string) => void;
  readonly #onSendError: (err: Error) => void;
  readonly #queue: { packet: Buffer; target: UdpTarget }[] = [];
  #queueHead = 0;
  #queuedBytes = 0;
  #sentThisBurst = 0;
  #burstStartMs = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(rtp: dgram.Socket, rtcp: dgram.Socket, targets: ReadonlyMap<TrackKind, UdpTarget>, onClose: (reason: string) => void, onSendError: (err: Error) => void) {
    this.#rtp = rtp;
    this.#rtcp = rtcp;
    this.#targets = targets;
    this.#onClose = onClose;
    this.#onSendError = onSendError;
  }

  get pendingBytes(): number {
    return this.#queuedBytes;
  }

  writev(buffers: readonly Buffer[], track: TrackKind): void {
    const target = this.#targets.get(track);
    if (target === undefined || this.#closed) return;
    for (const packet of buffers) {
      if (this.#queue.length === 0 && this.#mayBurst(packet.length)) {
        this.#send(packet, target);
      } else {
        this.#queue.push({ packet, target });
        this.#queuedBytes += packet.length;
      }
    }
    if (this.#queue.length > 0 && this.#timer === undefined) this.#timer = setTimeout(this.#drain, PACE_INTERVAL_MS);
  }

  sendRtcp(track: TrackKind, packet: Buffer): void {
    const t = this.#targets.get(track);
    if (t === undefined || this.#closed) return;
    try {
      this.#rtcp.send(packet, t.rtcpPort, t.host, this.#sent);
    } catch (err) {
      this.#onSendError(err as Error);
    }
  }

  close(reason: string): void {
    if (this.#closed) return;
    this.release();
    this.#onClose(reason);
  }

  release(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue.length = 0;
    this.#queueHead = 0;
    this.#queuedBytes = 0;
  }

  /** True when `bytes` more fit in the current burst window (a lone packet always does). */
  #mayBurst(bytes: number): boolean {
    const t = performance.now();
    if (t - this.#burstStartMs >= PACE_INTERVAL_MS) {
      this.#burstStartMs = t;
      this.#sentThisBurst = 0;
    }
    return this.#sentThisBurst === 0 || this.#sentThisBurst + bytes <= BURST_BYTES;
  }

  #send(packet: Buffer, target: UdpTarget): void {
    this.#sentThisBurst += packet.length;
    try {
      this.#rtp.send(packet, target.rtpPort, target.host, this.#sent);
    } catch (err) {
      // The listener's socket closed under us (shutdown): this reader is done.
      this.release();
      this.#onSendError(err as Error);
    }
  }

  readonly #drain = (): void => {
    this.#timer = undefined;
    if (this.#closed) return;
    while (this.#queueHead < this.#queue.length) {
      const next = this.#queue[this.#queueHead]!;
      if (!this.#mayBurst(next.packet.length)) break;
      this.#queueHead++;
      this.#queuedBytes -= next.packet.length;
      this.#send(next.packet, next.target);
    }
    if (this.#queueHead === this.#queue.length) {
      this.#queue.length = 0;
      this.#queueHead = 0;
    } else {
      this.#timer = setTimeout(this.#drain, PACE_INTERVAL_MS);
    }
  };

  readonly #sent = (err: Error | null): void => {
    if (err !== null) this.#onSendError(err);
  };
}
