/**
 * One RTSP listener (one factory): accepts TCP connections, answers them through the pure
 * RtspServerHandler, carries RTP/RTCP over interleaved channels or the shared UDP pair, expires
 * idle sessions and sends RTCP sender reports. Factory 1 serves play only; Factory 2 also accepts
 * ANNOUNCE/RECORD. Admission (per-address cap, total cap, the pool of connections without a
 * session yet) and the node's input budget decide who gets and keeps a slot.
 * With `tls` it is an RTSPS listener: TCP interleaved only (UDP RTP would leave the media in the
 * clear, so UDP is off and a SETUP asking only for UDP gets 461 Unsupported Transport); each TCP
 * socket is admitted and then wrapped in TLS (the first-request deadline bounds the TLS handshake).
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { RtspServerAuth, type AuthScheme, type AuthVerdict, type RtspCredential } from '../../../protocols/rtsp/auth/server-auth.ts';
import { createResponse } from '../../../protocols/rtsp/message/message-writer.ts';
import type { RtspRequest, RtspResponse } from '../../../protocols/rtsp/message/rtsp-message.ts';
import { RtspStatus } from '../../../protocols/rtsp/message/status-codes.ts';
import { RtspServerHandler } from '../../../protocols/rtsp/session/server-handler.ts';
import { parseRtspUrl } from '../../../protocols/rtsp/headers/rtsp-url.ts';
import type { AccessControl } from '../../access/access-control.ts';
import type { Logger } from '../../log/logger.ts';
import type { ListenerMetrics } from '../../metrics/metrics.ts';
import { DEFAULT_READER_QUEUE, type ReaderQueueOptions } from '../../streams/reader-queue.ts';
import type { AdmissionOptions, AdmissionTicket } from '../../net/admission.ts';
import { ListenerGate } from '../../net/listener-gate.ts';
import { DEFAULT_INPUT_BUDGET, InputBudget } from '../../net/input-budget.ts';
import type { TlsCertificate } from '../../net/tls-certificate.ts';
import type { StreamRegistry } from '../../streams/registry.ts';
import type { PublishRejectReason } from '../../streams/types.ts';
import { ListenerHost } from './listener-host.ts';
import { normalizeAddress } from '../../net/normalize-address.ts';
import { RtspConnection } from './rtsp-connection.ts';
import { rtspAccessRequest, rtspVerdict } from './rtsp-access.ts';
import { createRtcpStats, inspectRtcp, type RtcpStats } from '../output/rtcp-inspector.ts';
import { RtspRoutes, type MediaRoute } from './rtsp-routes.ts';
import { bindUdpPair, type UdpPair } from '../transport/udp-pair.ts';
import { LISTEN_BACKLOG } from '../../net/listen-backlog.ts';

export interface RtspAuthOptions {
  readonly credentials: readonly RtspCredential[];
  /** Defaults to ['digest', 'basic']. */
  readonly schemes?: readonly AuthScheme[];
  /** Defaults to 'Cupola'. */
  readonly realm?: string;
  /** How long a Digest nonce is accepted after its challenge, in ms. Defaults to 60 000. */
  readonly nonceLifetimeMs?: number;
}

export interface RtspListenerOptions extends AdmissionOptions {
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  /** Bind address. Defaults to '0.0.0.0'. */
  readonly host?: string;
  /** Accept ANNOUNCE/RECORD (Factory 2). Defaults to false. */
  readonly allowPublish?: boolean;
  /** Server RTP/RTCP ports for UDP transport (0/0: a free adjacent pair); false disables UDP. Defaults to 0/0. */
  readonly udp?: { readonly rtpPort: number; readonly rtcpPort: number } | false;
  /** Session timeout announced and enforced, in seconds. Defaults to 60. */
  readonly sessionTimeoutSec?: number;
  /** Credentials for reading and for publishing; each is off when absent. */
  readonly auth?: { readonly read?: RtspAuthOptions; readonly publish?: RtspAuthOptions };
  readonly readerQueue?: ReaderQueueOptions;
  /** RTCP sender report period. Defaults to 5000 ms. */
  readonly rtcpIntervalMs?: number;
  /** Max RTP payload per packet. Defaults to 1400 bytes. */
  readonly mtu?: number;
  /** Serve RTSPS with this certificate (reloaded in place): TCP interleaved only, `udp` is ignored. Unset: plain RTSP. */
  readonly tls?: TlsCertificate;
  /**
   * The node's access check (auth.method, IP lists). With method http or jwt it replaces `auth`
   * (the challenge becomes Basic) and each checked request is held (this connection only) until
   * its verdict; with internal only its IP lists apply, synchronously.
   */
  readonly access?: AccessControl;
}

export interface RtspListenerDeps {
  readonly registry: StreamRegistry;
  readonly log: Logger;
  readonly now?: () => number;
  readonly random?: () => number;
  /** Connections, protocol errors and publish rejections for /metrics (`metrics.forListener('rtsp', factory)`). */
  readonly metrics?: ListenerMetrics;
  /** The node's input budget, shared by all listeners. Defaults to one of this listener's own. */
  readonly inputBudget?: InputBudget;
}

export interface RtspListenerStats {
  connectionsAccepted: number;
  protocolErrors: number;
  /** Interleaved frames or datagrams that match no started session. */
  unroutedPackets: number;
  sessionsExpired: number;
  /** RTCP received from readers (receiver reports, BYE) and publishers (sender reports). */
  rtcp: RtcpStats;
  /** Connections refused at accept or closed by a limit, by reason. */
  readonly shed: Map<string, number>;
}

export interface RtspListener {
  readonly port: number;
  /** Server RTP/RTCP UDP ports, or null when UDP is off. */
  readonly udpPorts: readonly [number, number] | null;
  readonly stats: Readonly<RtspListenerStats>;
  readonly sessionCount: number;
  close(): Promise<void>;
}

const SWEEP_INTERVAL_MS = 1000;
/** Access grants remembered per connection (external methods); a connection plays a few streams at most. */
const MAX_GRANTS_PER_CONNECTION = 16;

export async function startRtspListener(options: RtspListenerOptions, deps: RtspListenerDeps): Promise<RtspListener> {
  const now = deps.now ?? Date.now;
  const log = deps.log.child({ component: 'rtsp', factory: deps.registry.factory });
  const host = options.host ?? '0.0.0.0';
  const timeoutSec = options.sessionTimeoutSec ?? 60;
  const stats: RtspListenerStats = { connectionsAccepted: 0, protocolErrors: 0, unroutedPackets: 0, sessionsExpired: 0, rtcp: createRtcpStats(), shed: new Map() };
  const certificate = options.tls;
  const kind = certificate === undefined ? 'RTSP' : 'RTSPS';
  const udp: UdpPair | undefined = options.udp === false || certificate !== undefined ? undefined : await bindUdpPair(host, options.udp?.rtpPort ?? 0, options.udp?.rtcpPort ?? 0);
  const connections = new Map<string, RtspConnection>();
  const routes = new RtspRoutes();
  let nextConnectionId = 0;
  const gate = new ListenerGate(options, { log, now, shedCounts: stats.shed, metrics: deps.metrics, certificate });
  const limits = gate.limits;
  const connectionLimits = {
    firstRequestTimeoutMs: limits.firstRequestTimeoutMs,
    authoriseTimeoutMs: limits.authoriseTimeoutMs,
    inputBudget: deps.inputBudget ?? new InputBudget(DEFAULT_INPUT_BUDGET),
  };

  const makeAuth = (a: RtspAuthOptions | undefined): RtspServerAuth | undefined =>
    a === undefined
      ? undefined
      : new RtspServerAuth({
          realm: a.realm ?? 'Cupola',
          credentials: a.credentials,
          ...(a.schemes === undefined ? {} : { schemes: a.schemes }),
          ...(a.nonceLifetimeMs === undefined ? {} : { nonceLifetimeMs: a.nonceLifetimeMs }),
          nonce: () => randomBytes(16).toString('hex'),
          now,
        });
  const readAuth = makeAuth(options.auth?.read);
  const publishAuth = makeAuth(options.auth?.publish);

  const listenerHost: ListenerHost = new ListenerHost({
    registry: deps.registry,
    routes,
    connections,
    udp,
    auth: { ...(readAuth === undefined ? {} : { read: readAuth }), ...(publishAuth === undefined ? {} : { publish: publishAuth }) },
    ...(options.access?.external === true ? { externalRealm: options.auth?.read?.realm ?? 'Cupola' } : {}),
    readerQueue: options.readerQueue ?? DEFAULT_READER_QUEUE,
    output: { now, random: deps.random ?? Math.random, log, ...(options.mtu === undefined ? {} : { mtu: options.mtu }) },
    log,
    endSession: (sessionId, reason) => endSession(sessionId, reason),
    ...(deps.metrics !== undefined ? { onPublishRejected: (reason: PublishRejectReason) => deps.metrics!.publishRejected(reason) } : {}),
  });
  const handler = new RtspServerHandler(
    {
      allowPublish: options.allowPublish ?? false,
      sessionTimeoutSec: timeoutSec,
      newSessionId: () => randomBytes(8).toString('hex'),
      ...(udp === undefined ? {} : { udpServerPorts: udp.ports }),
    },
    listenerHost,
  );

  /** Ends a session from our side; a TCP session's connection goes with it (the client sees EOF). */
  function endSession(sessionId: string, reason: string): void {
    const session = handler.session(sessionId);
    if (session === undefined) return;
    handler.closeSession(sessionId);
    log.debug('session ended', { session: sessionId, reason });
    if (session.usesTcp()) connections.get(session.connectionId)?.destroy(reason);
  }

  /** Verdicts of external access checks, taken while the request was held (accessHold). */
  const decided = new WeakMap<RtspRequest, AuthVerdict>();
  /** With an external method: the access/path pairs each connection was allowed (bounded per connection). */
  const grants = new Map<string, Set<string>>();

  /**
   * Auth point of an external method: the request's check runs while the connection holds it (and
   * what is pipelined behind it); other connections go on. The verdict goes to the handler with the
   * request. A request without credentials on a connection that was granted this access and path
   * before goes on: the Content-Base we answer drops the query, so a `?token=` client's SETUP and
   * PLAY come without it (the grant dies with the connection).
   */
  function accessHold(conn: RtspConnection, req: RtspRequest): Promise<void> | undefined {
    const access = options.access;
    if (access === undefined || !access.external) return undefined;
    const need = handler.accessFor(req, conn);
    if (need === null) return undefined;
    const request = rtspAccessRequest(req, need, conn.remoteAddress);
    const grant = `${need.access} ${need.path}`;
    const presented = request.user !== undefined || request.token !== undefined;
    if (!presented && grants.get(conn.id)?.has(grant) === true) {
      decided.set(req, { kind: 'ok', username: '' });
      return undefined;
    }
    return access.authorize(request).then((verdict) => {
      if (verdict.allowed && !conn.closed) {
        let set = grants.get(conn.id);
        if (set === undefined) grants.set(conn.id, (set = new Set()));
        if (set.size < MAX_GRANTS_PER_CONNECTION) set.add(grant);
      }
      decided.set(req, rtspVerdict(verdict));
    });
  }

  /** With the internal method, IP lists are checked here, synchronously; credentials by the handler. */
  function ipVerdict(conn: RtspConnection, req: RtspRequest): AuthVerdict | undefined {
    const access = options.access;
    if (access === undefined || access.external) return undefined;
    const need = handler.accessFor(req, conn);
    if (need === null || !access.isAsync(need.access)) return undefined;
    const refused = access.refuseIp(rtspAccessRequest(req, need, conn.remoteAddress));
    return refused === null ? undefined : rtspVerdict(refused);
  }

  /**
   * An on-demand camera: DESCRIBE waits until its source has a keyframe (or gave up). Only a
   * request that could be authorised starts a source (no Authorization on a protected factory is
   * answered 401 at once, as before; with an external method, only one its check allowed).
   */
  function demand(req: RtspRequest, verdict: AuthVerdict | undefined): Promise<unknown> | undefined {
    if (req.method !== 'DESCRIBE') return undefined;
    if (verdict === undefined && readAuth !== undefined && !req.headers.has('Authorization')) return undefined;
    if (verdict !== undefined && verdict.kind !== 'ok') return undefined;
    let path: string;
    try {
      path = parseRtspUrl(req.uri).path;
    } catch {
      return undefined; // the handler answers the bad URL
    }
    return deps.registry.demand(path);
  }

  function onRequest(conn: RtspConnection, req: RtspRequest): { response: RtspResponse; after: (() => void)[] } {
    conn.touch(now());
    listenerHost.deferred = [];
    let response: RtspResponse;
    try {
      response = handler.handle(req, conn, now(), decided.get(req) ?? ipVerdict(conn, req));
    } catch (err) {
      // A bug on our side must not take the process down: answer 500 and keep serving.
      conn.log.error('RTSP request failed', { method: req.method, err });
      response = createResponse({ statusCode: RtspStatus.InternalServerError, headers: { CSeq: req.headers.get('CSeq') ?? '0' } });
    }
    const after = listenerHost.deferred;
    listenerHost.deferred = [];
    // A session (SETUP passed authentication) makes the connection authorised: it keeps its slot.
    if (!conn.authorised && handler.sessionsOf(conn.id).length > 0) {
      conn.authorise();
      admitted.get(conn.id)?.authorise();
    }
    return { response, after };
  }

  function onMedia(route: MediaRoute | undefined, payload: Buffer): void {
    if (route === undefined) {
      stats.unroutedPackets++;
      return;
    }
    handler.session(route.sessionId)?.touch(now());
    if (route.kind === 'rtp') listenerHost.recorder(route.sessionId)?.pushRtp(route.mediaIndex, payload);
    // RTCP keeps the session alive and is counted; TEARDOWN or the timeout ends a session, not BYE.
    else {
      inspectRtcp(payload, stats.rtcp);
      listenerHost.recorder(route.sessionId)?.pushRtcp(route.mediaIndex, payload);
    }
  }

  const admitted = new Map<string, AdmissionTicket>();
  const server = net.createServer((tcp) => {
    let conn: RtspConnection | undefined;
    const accepted = gate.accept(tcp, (reason) => conn?.destroy(reason));
    if (accepted === undefined) return;
    const { socket, ticket, address } = accepted;
    stats.connectionsAccepted++;
    deps.metrics?.connectionOpened();
    const id = `${certificate === undefined ? 'rtsp' : 'rtsps'}-${++nextConnectionId}`;
    admitted.set(id, ticket);
    conn = new RtspConnection(
      id,
      socket,
      {
        request: onRequest,
        hold: (c, req) => {
          const checking = accessHold(c, req);
          if (checking === undefined) return demand(req, decided.get(req) ?? ipVerdict(c, req));
          // A source starts only for a DESCRIBE the access check allowed.
          return checking.then(() => demand(req, decided.get(req)));
        },
        interleaved: (c, channel, payload) => {
          c.touch(now());
          onMedia(routes.channel(c.id, channel), payload);
        },
        closed: (c) => {
          ticket.release();
          admitted.delete(c.id);
          if (connections.delete(c.id)) deps.metrics?.connectionClosed();
          handler.connectionClosed(c.id);
          listenerHost.connectionClosed(c.id);
          grants.delete(c.id);
          routes.removeConnection(c.id);
        },
        protocolError: (_c, err) => {
          stats.protocolErrors++;
          deps.metrics?.protocolError(err.code);
        },
        shed: (c, reason) => {
          gate.shed(reason, address, { conn: c.id });
          deps.metrics?.connectionShed(reason);
        },
      },
      log,
      now(),
      connectionLimits,
    );
    connections.set(id, conn);
  });
  // Admission enforces the cap (and may close an unauthorised connection for a new one); this
  // is only a backstop against a storm of accepts.
  server.maxConnections = 2 * limits.maxConnections;
  server.on('error', (err) => log.error(`${kind} server error`, { err }));

  udp?.rtp.on('message', (msg, rinfo) => onMedia(routes.udp('rtp', normalizeAddress(rinfo.address), rinfo.port), msg));
  udp?.rtcp.on('message', (msg, rinfo) => onMedia(routes.udp('rtcp', normalizeAddress(rinfo.address), rinfo.port), msg));
  udp?.rtp.on('error', (err) => log.warn('RTP socket error', { err }));
  udp?.rtcp.on('error', (err) => log.warn('RTCP socket error', { err }));

  const sweep = setInterval(() => {
    const t = now();
    for (const s of handler.expire(t)) {
      stats.sessionsExpired++;
      log.info('session timed out', { session: s.id, path: s.path });
      if (s.usesTcp()) connections.get(s.connectionId)?.destroy('session timeout');
    }
    for (const c of connections.values()) {
      if (handler.sessionsOf(c.id).length === 0 && t - c.lastActivityMs > timeoutSec * 1000) c.destroy('idle connection');
    }
  }, SWEEP_INTERVAL_MS);
  sweep.unref();
  const reports = setInterval(() => {
    for (const o of listenerHost.outputs()) o.sendReports();
  }, options.rtcpIntervalMs ?? 5000);
  reports.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port, host, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch(async (err: unknown) => {
    clearInterval(sweep);
    clearInterval(reports);
    await udp?.close();
    throw err;
  });
  const address = server.address() as net.AddressInfo;
  log.info(`${kind} listening`, { port: address.port, udp: udp?.ports ?? null, publish: options.allowPublish ?? false });

  return {
    port: address.port,
    udpPorts: udp?.ports ?? null,
    stats,
    get sessionCount() {
      return handler.sessionCount;
    },
    async close() {
      clearInterval(sweep);
      clearInterval(reports);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const c of [...connections.values()]) c.destroy('listener closing');
      for (const s of handler.sessions()) handler.closeSession(s.id, 'connection-closed');
      await closed;
      await udp?.close();
    },
  };
}
