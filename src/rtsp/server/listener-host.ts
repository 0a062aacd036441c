/**
 * The RtspServerHost of one listener: connects the pure server handler to the stream registry.
 * PLAY attaches a reader to the stream's shared RTSP output; RECORD publishes a stream fed by an
 * RtspRecorder. Media start only after the response is queued (the `deferred` list).
 */
import type dgram from 'node:dgram';
import type { TrackKind } from '../../../protocols/media/frame.ts';
import type { AuthVerdict, RtspServerAuth } from '../../../protocols/rtsp/auth/server-auth.ts';
import { formatWwwAuthenticate } from '../../../protocols/rtsp/headers/www-authenticate.ts';
import type { RtspRequest } from '../../../protocols/rtsp/message/rtsp-message.ts';
import { RtspStatus } from '../../../protocols/rtsp/message/status-codes.ts';
import type { SessionDescription } from '../../../protocols/rtsp/sdp/session-description.ts';
import { sdpFromStreamDescription, streamDescriptionFromSdp } from '../../../protocols/rtsp/sdp/stream-sdp.ts';
import type { PlayStartTrack, RtspAccess, RtspServerHost, RtspStopReason, ServerConnectionInfo } from '../../../protocols/rtsp/session/server-host.ts';
import type { RtspServerSession } from '../../../protocols/rtsp/session/server-session.ts';
import type { Logger } from '../../log/logger.ts';
import { readerProtocol } from '../../streams/internal-reader.ts';
import { normalizeStreamPath } from '../../streams/path.ts';
import type { ReaderQueueOptions } from '../../streams/reader-queue.ts';
import type { Publication, StreamRegistry } from '../../streams/registry.ts';
import { PublishRejectedError, type PublishRejectReason, type PublisherInfo } from '../../streams/types.ts';
import { InterleavedTransport } from '../transport/interleaved-transport.ts';
import type { RtspConnection } from './rtsp-connection.ts';
import { RTSP_OUTPUT_KEY, RtspPlayOutput, type PlayOutputDeps } from '../output/rtsp-play-output.ts';
import type { RtspReaderTransport } from '../transport/rtsp-reader-transport.ts';
import { RtspRecorder } from '../ingest/rtsp-recorder.ts';
import type { RtspRoutes } from './rtsp-routes.ts';
import { UdpTransport, type UdpTarget } from '../transport/udp-transport.ts';

/** ANNOUNCEd publish keys kept at most (one per connection; the connection cap is 4096). */
const MAX_PENDING_KEYS = 4096;
/** Longest publish key kept (the catalog's keys are shorter). */
const MAX_KEY_LENGTH = 256;

/** The RTSP answer to a refused publish. */
const REFUSAL_STATUS: Readonly<Record<PublishRejectReason, number>> = {
  'path-busy': RtspStatus.BadRequest,
  'bad-path': RtspStatus.BadRequest,
  'bad-key': RtspStatus.Forbidden,
  'unknown-camera': RtspStatus.Forbidden,
  disabled: RtspStatus.ServiceUnavailable,
  unauthorized: RtspStatus.Forbidden,
  'register-limit': RtspStatus.Forbidden,
};

export interface ListenerHostDeps {
  readonly registry: StreamRegistry;
  readonly routes: RtspRoutes;
  readonly connections: ReadonlyMap<string, RtspConnection>;
  readonly udp: { readonly rtp: dgram.Socket; readonly rtcp: dgram.Socket } | undefined;
  readonly auth: { readonly read?: RtspServerAuth; readonly publish?: RtspServerAuth };
  /** Set with an external auth method: 401s challenge Basic in this realm (the service needs the password). */
  readonly externalRealm?: string;
  readonly readerQueue: ReaderQueueOptions;
  readonly output: PlayOutputDeps;
  readonly log: Logger;
  /** Ends a session for a reason outside RTSP (reader evicted, stream ended). */
  readonly endSession: (sessionId: string, reason: string) => void;
  /** A publish the registry refused (metrics). */
  readonly onPublishRejected?: (reason: PublishRejectedError['reason']) => void;
}

type ActiveSession =
  | { readonly kind: 'play'; readonly path: string; readonly output: RtspPlayOutput; readonly transport: RtspReaderTransport; readonly detach: () => void; readonly uncount: () => void }
  | { readonly kind: 'record'; readonly recorder: RtspRecorder };

export class ListenerHost implements RtspServerHost {
  readonly #deps: ListenerHostDeps;
  /** The SDP of each stream description, with the path it names (see describe). */
  readonly #sdps = new WeakMap<object, { path: string; sdp: SessionDescription }>();
  readonly #active = new Map<string, ActiveSession>();
  /** Actions to run once the current response is queued. */
  deferred: (() => void)[] = [];

  /** Publish keys of ANNOUNCEs not yet recorded, per connection (bounded). */
  readonly #publishKeys = new Map<string, string>();

  constructor(deps: ListenerHostDeps) {
    this.#deps = deps;
  }

  recorder(sessionId: string): RtspRecorder | undefined {
    const a = this.#active.get(sessionId);
    return a?.kind === 'record' ? a.recorder : undefined;
  }

  /** The outputs with readers from this listener (for periodic sender reports). */
  outputs(): Set<RtspPlayOutput> {
    const out = new Set<RtspPlayOutput>();
    for (const a of this.#active.values()) if (a.kind === 'play') out.add(a.output);
    return out;
  }

  describe(rawPath: string): SessionDescription | null {
    const path = normalizeStreamPath(rawPath);
    const stream = path === null ? undefined : this.#deps.registry.get(path);
    if (stream === undefined || !stream.live || stream.description === null) return null;
    // Built once per stream description (DESCRIBE and every SETUP ask) and shared, read-only, by
    // every session that plays it, instead of a copy per session.
    const known = this.#sdps.get(stream.description);
    if (known !== undefined && known.path === stream.path) return known.sdp;
    const sdp = sdpFromStreamDescription(stream.description, { sessionName: stream.path }).sdp;
    this.#sdps.set(stream.description, { path: stream.path, sdp });
    return sdp;
  }

  authenticate(req: RtspRequest, access: RtspAccess, conn: ServerConnectionInfo): AuthVerdict {
    // With an external method every checked request comes with the listener's verdict; one that
    // reaches here without it is refused rather than let through (fail closed).
    if (this.#deps.externalRealm !== undefined) return { kind: 'forbidden', reason: 'no verdict from the access check' };
    const auth = this.#deps.auth[access];
    if (auth === undefined) return { kind: 'ok', username: '' };
    const verdict = auth.verify(req, conn.id);
    if (verdict.kind !== 'ok' && req.headers.has('Authorization')) {
      this.#deps.log.info('RTSP credentials refused', { conn: conn.id, method: req.method, access, reason: verdict.reason });
    }
    return verdict;
  }

  challenge(access: RtspAccess, conn: ServerConnectionInfo, stale: boolean): string[] {
    const realm = this.#deps.externalRealm;
    if (realm !== undefined) return [formatWwwAuthenticate({ scheme: 'basic', realm })];
    return this.#deps.auth[access]?.challenge(conn.id, stale) ?? [];
  }

  /** A connection closed: the Digest nonces it was given die with it. */
  connectionClosed(connectionId: string): void {
    this.#deps.auth.read?.connectionClosed(connectionId);
    this.#deps.auth.publish?.connectionClosed(connectionId);
  }

  announce(rawPath: string, sdp: SessionDescription, conn: ServerConnectionInfo, query: string): number | null {
    const path = normalizeStreamPath(rawPath);
    if (path === null) return RtspStatus.BadRequest;
    if (streamDescriptionFromSdp(sdp).tracks.length === 0) return RtspStatus.UnsupportedMediaType;
    // A camera's publish key, as in RTMP: rtsp://host/site/cam?key=SECRET, checked here (before
    // anything about the path's state is revealed) and again at RECORD.
    const key = new URLSearchParams(query).get('key');
    const refused = this.#refusal(() => this.#deps.registry.authorize(path, this.#publisher(conn.id, key ?? undefined)), path, conn.id);
    if (refused !== null) return refused;
    const publisher = this.#deps.registry.get(path)?.publisher;
    // Someone is publishing there (a replicated copy gives way to a direct publisher at RECORD).
    if (publisher && publisher.kind !== 'replication') return RtspStatus.BadRequest;
    this.#publishKeys.delete(conn.id);
    if (key !== null) {
      if (this.#publishKeys.size >= MAX_PENDING_KEYS) this.#publishKeys.delete(this.#publishKeys.keys().next().value!);
      this.#publishKeys.set(conn.id, key.slice(0, MAX_KEY_LENGTH));
    }
    return null;
  }

  startPlay(session: RtspServerSession, req: RtspRequest): readonly PlayStartTrack[] | number {
    const path = normalizeStreamPath(session.path ?? '');
    const stream = path === null ? undefined : this.#deps.registry.get(path);
    if (stream === undefined || !stream.live) return RtspStatus.NotFound;
    const output = stream.output(RTSP_OUTPUT_KEY, () => new RtspPlayOutput(stream, this.#deps.output));
    const kinds = this.#trackKinds(session, output);
    const transport = kinds === null ? null : this.#transport(session, kinds);
    if (kinds === null || transport === null) {
      if (output.readerCount === 0) output.close();
      // The stream changed codecs since DESCRIBE (or the connection is gone): the client starts over.
      return RtspStatus.ServiceUnavailable;
    }
    const info = output.startInfo(kinds);
    // Cupola's own consumers (compression, replication, snapshots) are counted apart from viewers.
    const counted = readerProtocol('rtsp', req.headers.get('user-agent'));
    const reader = this.#deps.connections.get(session.connectionId);
    const uncount = stream.addReader(counted, reader === undefined ? 'unknown' : reader.remoteAddress);
    let detach: () => void = () => {};
    this.#active.set(session.id, { kind: 'play', path: stream.path, output, transport, detach: () => detach(), uncount });
    this.#routeRtcp(session);
    this.deferred.push(() => {
      if (this.#active.has(session.id)) detach = output.addReader(transport, { options: this.#deps.readerQueue, now: this.#deps.output.now });
    });
    this.#deps.log.info('RTSP play started', { path: stream.path, session: session.id, transport: session.usesTcp() ? 'tcp' : 'udp', reader: counted });
    return info;
  }

  startRecord(session: RtspServerSession): number | null {
    const state = session.state;
    const path = normalizeStreamPath(session.path ?? '');
    if (state.kind !== 'pre-record' || path === null) return RtspStatus.BadRequest;
    const offered = streamDescriptionFromSdp(state.sdp);
    const tracks = offered.tracks.filter((t) => session.hasTrack(t.index));
    if (tracks.length === 0) return RtspStatus.UnsupportedMediaType;
    const key = this.#publishKeys.get(session.connectionId);
    this.#publishKeys.delete(session.connectionId);
    let publication: Publication | undefined;
    const refused = this.#refusal(() => {
      publication = this.#deps.registry.publish(path, this.#publisher(session.connectionId, key));
    }, path, session.connectionId);
    if (refused !== null || publication === undefined) return refused ?? RtspStatus.InternalServerError;
    const description = { ...(tracks.some((t) => t.kind === 'video') ? { video: offered.description.video! } : {}), ...(tracks.some((t) => t.kind === 'audio') ? { audio: offered.description.audio! } : {}) };
    const recorder = new RtspRecorder(publication, description, tracks);
    this.#active.set(session.id, { kind: 'record', recorder });
    for (const s of session.setups) {
      const t = s.transport;
      if (t.kind === 'tcp') {
        this.#deps.routes.addChannel(session.connectionId, t.channels[0], { sessionId: session.id, mediaIndex: s.trackIndex, kind: 'rtp' });
        this.#deps.routes.addChannel(session.connectionId, t.channels[1], { sessionId: session.id, mediaIndex: s.trackIndex, kind: 'rtcp' });
      } else {
        this.#deps.routes.addUdp(t.clientHost, t.clientPorts[0], { sessionId: session.id, mediaIndex: s.trackIndex, kind: 'rtp' });
        this.#deps.routes.addUdp(t.clientHost, t.clientPorts[1], { sessionId: session.id, mediaIndex: s.trackIndex, kind: 'rtcp' });
      }
    }
    this.#deps.log.info('RTSP publish started', { path, session: session.id, tracks: tracks.map((t) => t.params.encodingName) });
    return null;
  }

  stop(session: RtspServerSession, reason: RtspStopReason): void {
    const a = this.#active.get(session.id);
    this.#deps.routes.removeSession(session.id);
    if (a === undefined) return;
    this.#active.delete(session.id);
    if (a.kind === 'play') {
      a.detach();
      a.transport.release();
      a.uncount();
      this.#deps.log.info('RTSP play ended', { path: a.path, session: session.id, reason });
    } else {
      const stats = a.recorder.stats;
      a.recorder.close();
      this.#deps.log.info('RTSP publish ended', { session: session.id, reason, ...stats });
    }
  }

  #publisher(connectionId: string, key: string | undefined): PublisherInfo {
    const conn = this.#deps.connections.get(connectionId);
    return { kind: 'rtsp', remote: conn === undefined ? 'unknown' : conn.remoteAddress, ...(key !== undefined ? { key: key.slice(0, MAX_KEY_LENGTH) } : {}) };
  }

  /** Runs a registry call; a PublishRejectedError becomes the RTSP status to answer (logged, counted). */
  #refusal(call: () => unknown, path: string, connectionId: string): number | null {
    try {
      call();
      return null;
    } catch (err) {
      if (!(err instanceof PublishRejectedError)) throw err;
      this.#deps.log.info('RTSP publish refused', { path, reason: err.reason, message: err.message, conn: connectionId });
      this.#deps.onPublishRejected?.(err.reason);
      return REFUSAL_STATUS[err.reason];
    }
  }

  /** Media kind of each set-up track, or null when the output's SDP no longer matches the session's. */
  #trackKinds(session: RtspServerSession, output: RtspPlayOutput): { trackIndex: number; kind: TrackKind }[] | null {
    const served = output.described;
    if (served === undefined || session.state.kind === 'initial') return null;
    const sdp = session.state.sdp;
    const out: { trackIndex: number; kind: TrackKind }[] = [];
    for (const s of session.setups) {
      const track = served.tracks[s.trackIndex];
      if (track === undefined || sdp.media[s.trackIndex]?.type !== track.kind) return null;
      out.push({ trackIndex: s.trackIndex, kind: track.kind });
    }
    return out;
  }

  #transport(session: RtspServerSession, kinds: readonly { trackIndex: number; kind: TrackKind }[]): RtspReaderTransport | null {
    const kindOf = (trackIndex: number): TrackKind => kinds.find((k) => k.trackIndex === trackIndex)!.kind;
    const end = (reason: string): void => this.#deps.endSession(session.id, reason);
    if (session.usesTcp()) {
      const conn = this.#deps.connections.get(session.connectionId);
      if (conn === undefined || conn.closed) return null;
      const channels = new Map<TrackKind, number>();
      for (const s of session.setups) if (s.transport.kind === 'tcp') channels.set(kindOf(s.trackIndex), s.transport.channels[0]);
      return new InterleavedTransport(conn.socket, channels, end);
    }
    const udp = this.#deps.udp;
    if (udp === undefined) return null;
    const targets = new Map<TrackKind, UdpTarget>();
    for (const s of session.setups) {
      if (s.transport.kind === 'udp') targets.set(kindOf(s.trackIndex), { host: s.transport.clientHost, rtpPort: s.transport.clientPorts[0], rtcpPort: s.transport.clientPorts[1] });
    }
    return new UdpTransport(udp.rtp, udp.rtcp, targets, end, (err) => this.#deps.log.debug('UDP send failed', { session: session.id, err }));
  }

  /** Receiver reports from a reader keep its session alive. */
  #routeRtcp(session: RtspServerSession): void {
    for (const s of session.setups) {
      const route = { sessionId: session.id, mediaIndex: s.trackIndex, kind: 'rtcp' as const };
      if (s.transport.kind === 'tcp') this.#deps.routes.addChannel(session.connectionId, s.transport.channels[1], route);
      else this.#deps.routes.addUdp(s.transport.clientHost, s.transport.clientPorts[1], route);
    }
  }
}
