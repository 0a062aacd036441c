/**
 * A UDP RTSP reader: one datagram per RTP packet from the listener's shared server RTP socket to
 * the client's port of that track; RTCP from the shared RTCP socket. Datagram sockets have no
 * per-peer backlog, so pendingBytes is 0 and a slow UDP reader simply loses packets.
 */
import type dgram from 'node:dgram';
import type { TrackKind } from '../../../protocols/media/frame.ts';
import type { RtspReaderTransport } from './rtsp-reader-transport.ts';

export interface UdpTarget {
  readonly host: string;
  readonly rtpPort: number;
  readonly rtcpPort: number;
}

export class UdpTransport implements RtspReaderTransport {
  readonly pendingBytes = 0;
  readonly #rtp: dgram.Socket;
  readonly #rtcp: dgram.Socket;
  readonly #targets: ReadonlyMap<TrackKind, UdpTarget>;
  readonly #onClose: (reason: string) => void;
  readonly #onSendError: (err: Error) => void;
  #closed = false;

  constructor(rtp: dgram.Socket, rtcp: dgram.Socket, targets: ReadonlyMap<TrackKind, UdpTarget>, onClose: (reason: string) => void, onSendError: (err: Error) => void) {
    this.#rtp = rtp;
    this.#rtcp = rtcp;
    this.#targets = targets;
    this.#onClose = onClose;
    this.#onSendError = onSendError;
  }

  writev(buffers: readonly Buffer[], track: TrackKind): void {
    const t = this.#targets.get(track);
    if (t === undefined || this.#closed) return;
    for (const b of buffers) this.#rtp.send(b, t.rtpPort, t.host, this.#sent);
  }

  sendRtcp(track: TrackKind, packet: Buffer): void {
    const t = this.#targets.get(track);
    if (t === undefined || this.#closed) return;
    this.#rtcp.send(packet, t.rtcpPort, t.host, this.#sent);
  }

  close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose(reason);
  }

  readonly #sent = (err: Error | null): void => {
    if (err !== null) this.#onSendError(err);
  };
}
