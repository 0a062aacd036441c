/**
 * RTSP play client: DESCRIBE/SETUP/PLAY over TCP (interleaved) or UDP, depacketizes each track
 * into Frames. Used by master replication, the compressor role and `cupola probe`.
 */
import { randomBytes } from 'node:crypto';
import type { Frame, StreamDescription, TrackKind } from '../../../protocols/media/frame.ts';
import type { ClientCredentials } from '../../../protocols/rtsp/auth/client-auth.ts';
import type { RtpInfoEntry } from '../../../protocols/rtsp/headers/rtp-info.ts';
import { parseRtspUrl } from '../../../protocols/rtsp/headers/rtsp-url.ts';
import { streamDescriptionFromMedia } from '../../../protocols/rtsp/sdp/stream-sdp.ts';
import { RtspClientSession, type ClientTrack } from '../../../protocols/rtsp/session/client-session.ts';
import { encodeInterleavedHeader } from '../../../protocols/rtsp/message/message-writer.ts';
import { buildReceiverReport, buildSdesCname } from '../../../protocols/rtp/rtcp/receiver-report.ts';
import { normalizeAddress } from '../../net/normalize-address.ts';
import { InBandParameterSets } from '../../../protocols/media/in-band-parameter-sets.ts';
import { bindUdpPair, type UdpPair } from '../transport/udp-pair.ts';
import { RtspClientConnection } from './client-connection.ts';
import type { ClientTls } from '../../net/client-socket.ts';
import { runClientHandshake, startKeepalive, teardown } from './client-handshake.ts';
import { TrackReceiver, type ReceiverStats } from '../ingest/track-receiver.ts';

export interface RtspPlayerOptions {
  /** rtsp:// URL; user info supplies credentials when `credentials` is absent. */
  readonly url: string;
  /** Defaults to 'tcp' (interleaved). */
  readonly transport?: 'tcp' | 'udp';
  readonly credentials?: ClientCredentials;
  /** Defaults to 10 000 ms. */
  readonly connectTimeoutMs?: number;
  /** Defaults to 10 000 ms. */
  readonly responseTimeoutMs?: number;
  /** UDP: local bind address. Defaults to '0.0.0.0'. */
  readonly udpHost?: string;
  /** Defaults to 'Cupola'. */
  readonly userAgent?: string;
  /** rtsps:// URLs: how the server's certificate is checked. Defaults to the system's CAs. */
  readonly tls?: ClientTls;
}

export interface RtspPlayerHandlers {
  /** Codec parameters became known (before the first frame) or changed in-band. */
  onDescription(desc: StreamDescription): void;
  onFrame(frame: Frame): void;
  /** The session ended on its own (server closed, error, no response); not called after close(). */
  onClose?(err: Error): void;
}

export interface RtspPlayer {
  /** Tracks being received, by kind. */
  readonly tracks: readonly TrackKind[];
  readonly stats: Readonly<ReceiverStats>;
  close(): Promise<void>;
}

/** UDP port pairs bound for play: one per track (video + audio). */
const UDP_PAIRS = 2;

export async function startRtspPlayer(options: RtspPlayerOptions, handlers: RtspPlayerHandlers): Promise<RtspPlayer> {
  const url = parseRtspUrl(options.url);
  const transport = options.transport ?? 'tcp';
  const pairs: UdpPair[] = [];
  let conn: RtspClientConnection | undefined;
  try {
    // RTSPS carries media inside the TLS connection (SRTP over UDP is not spoken here).
    if (url.secure && transport === 'udp') throw new Error('rtsps:// sources play over TCP only');
    if (transport === 'udp') for (let i = 0; i < UDP_PAIRS; i++) pairs.push(await bindUdpPair(options.udpHost ?? '0.0.0.0', 0, 0));
    conn = await RtspClientConnection.connect({ host: url.host, port: url.port, secure: url.secure, ...(options.tls !== undefined ? { tls: options.tls } : {}), ...timeouts(options) });
    const session = new RtspClientSession({
      url: options.url,
      mode: 'play',
      transport,
      userAgent: options.userAgent ?? 'Cupola',
      // A fresh client nonce per request now that servers (ours too) offer qop=auth (RFC 7616 §3.4).
      ...(options.credentials === undefined ? {} : { credentials: options.credentials, cnonce: () => randomBytes(8).toString('hex') }),
      ...(transport === 'udp' ? { clientPorts: pairs.map((p) => p.ports) } : {}),
      selectTracks: (tracks) => streamDescriptionFromMedia(tracks.map((t) => t.media)).tracks.map((t) => t.index),
    });
    const result = await runClientHandshake(conn, session);
    if (result.kind !== 'playing') throw new Error('RTSP server did not start playing');
    return wire(conn, session, result.tracks, result.rtpInfo, pairs, handlers);
  } catch (err) {
    conn?.destroy();
    await Promise.all(pairs.map((p) => p.close()));
    throw err;
  }
}

function wire(conn: RtspClientConnection, session: RtspClientSession, tracks: readonly ClientTrack[], rtpInfo: readonly RtpInfoEntry[], pairs: readonly UdpPair[], handlers: RtspPlayerHandlers): RtspPlayer {
  const offered = streamDescriptionFromMedia(tracks.map((t) => t.media));
  const gate = new InBandParameterSets(offered.description, (desc) => handlers.onDescription(desc));
  const deliver = (frame: Frame): void => {
    if (frame.track === 'video') gate.observe(frame);
    if (gate.published) handlers.onFrame(frame);
  };
  const serverAddress = normalizeAddress(conn.socket.remoteAddress ?? '');
  const receivers: Received[] = offered.tracks.map((o, i) => {
    const track = tracks[o.index]!;
    const receiver = new TrackReceiver(o.params, rtpInfoFor(track, i, rtpInfo)?.rtptime, deliver);
    const t = track.transport;
    const pair = t?.kind === 'udp' ? pairs.find((p) => p.ports[0] === t.clientPorts[0]) : undefined;
    if (pair !== undefined) {
      // Only the server may feed our ports: datagrams from elsewhere are not ours to decode.
      pair.rtp.on('message', (msg, rinfo) => {
        if (normalizeAddress(rinfo.address) === serverAddress) receiver.pushRtp(msg);
      });
      pair.rtcp.on('message', (msg, rinfo) => {
        if (normalizeAddress(rinfo.address) === serverAddress) receiver.pushRtcp(msg);
      });
    }
    return { track, receiver, pair };
  });
  conn.onInterleaved((channel, payload) => {
    for (const { track, receiver } of receivers) {
      const t = track.transport;
      if (t?.kind !== 'tcp') continue;
      if (t.channels[0] === channel) receiver.pushRtp(payload);
      else if (t.channels[1] === channel) receiver.pushRtcp(payload);
    }
  });
  const stopKeepalive = startKeepalive(conn, session);
  const ssrc = (Math.random() * 2 ** 32) >>> 0;
  const reports = setInterval(() => sendReceiverReports(conn, receivers, ssrc, serverAddress), RECEIVER_REPORT_INTERVAL_MS);
  reports.unref();
  let closing = false;
  const release = async (): Promise<void> => {
    stopKeepalive();
    clearInterval(reports);
    await Promise.all(pairs.map((p) => p.close()));
  };
  conn.onClose((err) => {
    if (closing) return;
    void release();
    handlers.onClose?.(err ?? new Error('RTSP connection closed'));
  });
  return {
    tracks: offered.tracks.map((t) => t.kind),
    get stats() {
      return TrackReceiver.sum(receivers.map((r) => r.receiver));
    },
    async close() {
      if (closing) return;
      closing = true;
      await teardown(conn, session);
      conn.destroy();
      await release();
    },
  };
}

interface Received {
  readonly track: ClientTrack;
  readonly receiver: TrackReceiver;
  readonly pair: UdpPair | undefined;
}

/** RFC 3550 §6.2 suggests 5 s as the minimum interval; one RR per track. */
const RECEIVER_REPORT_INTERVAL_MS = 5000;

function sendReceiverReports(conn: RtspClientConnection, receivers: readonly Received[], ssrc: number, serverAddress: string): void {
  if (conn.closed) return;
  const now = Date.now();
  for (const { track, receiver, pair } of receivers) {
    const block = receiver.receptionReport(now);
    if (block === null) continue;
    const packet = Buffer.concat([buildReceiverReport({ ssrc, reports: [block] }), buildSdesCname(ssrc, 'cupola')]);
    const t = track.transport;
    if (t?.kind === 'tcp') conn.write([encodeInterleavedHeader(t.channels[1], packet.length), packet]);
    else if (t?.kind === 'udp' && t.serverPorts !== undefined && pair !== undefined) pair.rtcp.send(packet, t.serverPorts[1], serverAddress);
  }
}

/** The RTP-Info entry of a track: same URL, else same last path segment, else same position. */
function rtpInfoFor(track: ClientTrack, position: number, entries: readonly RtpInfoEntry[]): RtpInfoEntry | undefined {
  const last = (u: string): string => u.replace(/\/+$/, '').split('/').pop() ?? '';
  return entries.find((e) => e.url === track.url) ?? entries.find((e) => last(e.url) === last(track.url)) ?? entries[position];
}

function timeouts(o: RtspPlayerOptions): { connectTimeoutMs?: number; responseTimeoutMs?: number } {
  return { ...(o.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: o.connectTimeoutMs }), ...(o.responseTimeoutMs === undefined ? {} : { responseTimeoutMs: o.responseTimeoutMs }) };
}
