/**
 * RTSP push client: ANNOUNCE the stream's SDP, SETUP each track with mode=record over TCP
 * interleaving, RECORD, then packetize every frame once and write it on the track's channel. A
 * slow server makes frames drop until the next keyframe (never unbounded memory).
 */
import { randomBytes } from 'node:crypto';
import type { Frame, StreamDescription, TrackKind } from '../../../protocols/media/frame.ts';
import { RtpOutput } from '../../../protocols/rtp/output.ts';
import type { ClientCredentials } from '../../../protocols/rtsp/auth/client-auth.ts';
import { parseRtspUrl } from '../../../protocols/rtsp/headers/rtsp-url.ts';
import { sdpFromStreamDescription } from '../../../protocols/rtsp/sdp/stream-sdp.ts';
import { RtspClientSession } from '../../../protocols/rtsp/session/client-session.ts';
import { InterleavedTransport } from '../transport/interleaved-transport.ts';
import { DEFAULT_READER_QUEUE, ReaderQueue } from '../../streams/reader-queue.ts';
import { RtspClientConnection } from './client-connection.ts';
import type { ClientTls } from '../../net/client-socket.ts';
import { runClientHandshake, startKeepalive, teardown } from './client-handshake.ts';

const SENDER_REPORT_INTERVAL_MS = 5000;

export interface RtspPusherOptions {
  /** rtsp:// URL of the stream to publish (Factory 2: `rtsp://host:8555/site/cam`). */
  readonly url: string;
  /** Codecs to announce; frames of other tracks are ignored. */
  readonly description: StreamDescription;
  readonly credentials?: ClientCredentials;
  /** Max RTP payload. Defaults to 1400 bytes. */
  readonly mtu?: number;
  /** Socket backlog before frames drop until the next keyframe. Defaults to 4 MiB. */
  readonly maxPendingBytes?: number;
  /** Defaults to 10 000 ms. */
  readonly connectTimeoutMs?: number;
  /** Defaults to 10 000 ms. */
  readonly responseTimeoutMs?: number;
  /** rtsps:// URLs: how the server's certificate is checked. Defaults to the system's CAs. */
  readonly tls?: ClientTls;
  readonly random?: () => number;
  readonly now?: () => number;
  /** The connection ended on its own (server closed, error); not called after close(). */
  readonly onClose?: (err: Error) => void;
}

export interface RtspPusherStats {
  framesSent: number;
  framesDropped: number;
  bytesSent: number;
}

export interface RtspPusher {
  pushFrame(frame: Frame): void;
  readonly stats: Readonly<RtspPusherStats>;
  close(): Promise<void>;
}

export async function startRtspPusher(options: RtspPusherOptions): Promise<RtspPusher> {
  const url = parseRtspUrl(options.url);
  const served = sdpFromStreamDescription(options.description, { sessionName: url.path });
  if (served.tracks.length === 0) throw new Error('nothing to push: no track RTP can carry');
  const conn = await RtspClientConnection.connect({
    host: url.host,
    port: url.port,
    secure: url.secure,
    ...(options.tls !== undefined ? { tls: options.tls } : {}),
    ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
    ...(options.responseTimeoutMs === undefined ? {} : { responseTimeoutMs: options.responseTimeoutMs }),
  });
  const session = new RtspClientSession({
    url: options.url,
    mode: 'record',
    transport: 'tcp',
    announce: served.sdp,
    userAgent: 'Cupola',
    // A fresh client nonce per request now that servers (ours too) offer qop=auth (RFC 7616 §3.4).
    ...(options.credentials === undefined ? {} : { credentials: options.credentials, cnonce: () => randomBytes(8).toString('hex') }),
  });
  let result;
  try {
    result = await runClientHandshake(conn, session);
  } catch (err) {
    conn.destroy();
    throw err;
  }
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const channels = new Map<TrackKind, number>();
  const sent: (typeof served.tracks)[number][] = [];
  for (const t of served.tracks) {
    const transport = result.tracks.find((c) => c.index === t.index)?.transport;
    if (transport?.kind !== 'tcp') continue;
    channels.set(t.kind, transport.channels[0]);
    sent.push(t);
  }
  const rtp = new RtpOutput(sent, random, options.mtu);
  const stats: RtspPusherStats = { framesSent: 0, framesDropped: 0, bytesSent: 0 };
  const transport = new InterleavedTransport(conn.socket, channels, (reason) => conn.destroy(new Error(reason)));
  const queue = new ReaderQueue(transport, { ...DEFAULT_READER_QUEUE, ...(options.maxPendingBytes === undefined ? {} : { maxPendingBytes: options.maxPendingBytes }) }, now, {
    onDrop: () => stats.framesDropped++,
  });
  const stopKeepalive = startKeepalive(conn, session);
  // Sender reports map every track's RTP clock to one timeline (media time + a fixed epoch), so the
  // server can align the tracks (RFC 3550 §6.4.1): one before each track's first packet, then every 5 s.
  const epochMs = now();
  const lastPts = new Map<TrackKind, number>();
  const report = (kind: TrackKind, ptsMs: number): void => {
    const sr = rtp.senderReport(kind, epochMs + ptsMs, ptsMs);
    if (sr !== undefined) transport.sendRtcp(kind, sr);
  };
  const reports = setInterval(() => {
    for (const [kind, pts] of lastPts) report(kind, pts);
  }, SENDER_REPORT_INTERVAL_MS);
  reports.unref();
  let closing = false;
  conn.onClose((err) => {
    stopKeepalive();
    clearInterval(reports);
    if (!closing) options.onClose?.(err ?? new Error('RTSP connection closed'));
  });
  return {
    stats,
    pushFrame(frame) {
      if (rtp.sender(frame.track) === undefined || conn.closed) return;
      if (!lastPts.has(frame.track)) report(frame.track, frame.pts);
      lastPts.set(frame.track, frame.pts);
      const unit = rtp.packetize(frame);
      if (unit === null) return;
      if (queue.write(unit.buffers, unit.track, unit.startsGop, unit.size)) {
        stats.framesSent++;
        stats.bytesSent += unit.size;
      }
    },
    async close() {
      if (closing) return;
      closing = true;
      stopKeepalive();
      clearInterval(reports);
      await teardown(conn, session);
      conn.destroy();
    },
  };
}
