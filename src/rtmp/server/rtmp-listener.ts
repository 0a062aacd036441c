/**
 * The RTMP listener of a factory: accepts TCP connections (TCP_NODELAY), runs each through an
 * RtmpConnection and binds its publish/play requests to the stream registry. A protocol error
 * closes only the connection that caused it. Admission (per-address cap, total cap, the pool of
 * connections not yet authorised) and the input budget decide who gets and keeps a slot.
 * With `tls` it is the RTMPS listener: the same connections, each TCP socket admitted and then
 * wrapped in TLS (the connection's first-request deadline bounds the TLS handshake too).
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { ChunkLimits } from '../../../protocols/rtmp/chunk/chunk-limits.ts';
import type { HevcSignalling } from '../../../protocols/flv/video-tag-writer.ts';
import type { ProtocolErrorCode } from '../../../protocols/errors.ts';
import type { AccessControl } from '../../access/access-control.ts';
import type { Logger } from '../../log/logger.ts';
import type { ListenerMetrics } from '../../metrics/metrics.ts';
import { DEFAULT_READER_QUEUE, type ReaderQueueOptions } from '../../streams/reader-queue.ts';
import type { AdmissionOptions } from '../../net/admission.ts';
import { ListenerGate } from '../../net/listener-gate.ts';
import { DEFAULT_INPUT_BUDGET, InputBudget } from '../../net/input-budget.ts';
import type { TlsCertificate } from '../../net/tls-certificate.ts';
import type { StreamRegistry } from '../../streams/registry.ts';
import type { PublishRejectReason } from '../../streams/types.ts';
import { RtmpConnection } from './rtmp-connection.ts';
import { RtmpStreamBinding } from './rtmp-stream-binding.ts';
import { LISTEN_BACKLOG } from '../../net/listen-backlog.ts';

export interface RtmpListenerOptions extends AdmissionOptions {
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  /** Bind address. Defaults to '0.0.0.0'. */
  readonly host?: string;
  /** Time allowed for the handshake. Defaults to 10 000 ms. */
  readonly handshakeTimeoutMs?: number;
  /** A connection with no traffic either way for this long is closed. Defaults to 30 000 ms. */
  readonly idleTimeoutMs?: number;
  /** Our outgoing chunk size. Defaults to 4096 bytes. */
  readonly chunkSize?: number;
  /** Window Acknowledgement Size we announce. Defaults to 2 500 000 bytes. */
  readonly windowAckSize?: number;
  /** Chunk layer limits (max message size, chunk streams, buffered bytes). */
  readonly limits?: ChunkLimits;
  /** Accept publishers. Defaults to true. */
  readonly allowPublish?: boolean;
  /** Accept players. Defaults to true. */
  readonly allowPlay?: boolean;
  /**
   * Required to play (the factory's read credentials): the player sends them in the stream name's
   * (or app's) query, `rtmp://host/site/cam?user=U&pass=P`. Unset: anyone may play.
   */
  readonly readCredentials?: { readonly user: string; readonly pass: string };
  /** The node's access check (auth.method, IP lists); unset: the internal checks above only. */
  readonly access?: AccessControl;
  /** H.265 signalling towards players. Defaults to 'enhanced' (Enhanced RTMP 'hvc1'). */
  readonly hevc?: HevcSignalling;
  readonly readerQueue?: ReaderQueueOptions;
  /** Serve RTMPS: every connection speaks TLS with this certificate (reloaded in place). Unset: plain RTMP. */
  readonly tls?: TlsCertificate;
}

export interface RtmpListenerDeps {
  readonly registry: StreamRegistry;
  readonly log: Logger;
  readonly now?: () => number;
  readonly randomBytes?: (size: number) => Buffer;
  /** Connections, protocol errors and publish rejections for /metrics (`metrics.forListener('rtmp', factory)`). */
  readonly metrics?: ListenerMetrics;
  /** The node's input budget, shared by all listeners. Defaults to one of this listener's own. */
  readonly inputBudget?: InputBudget;
}

export interface RtmpListenerStats {
  connectionsAccepted: number;
  protocolErrors: number;
  /** Publishes refused (busy path, bad key, unknown camera, publishing disabled). */
  publishRejected: number;
  /** ProtocolError codes seen, with counts. */
  readonly errorCodes: Map<string, number>;
  /** Connections refused at accept or closed by a limit, by reason. */
  readonly shed: Map<string, number>;
}

export interface RtmpListener {
  readonly port: number;
  readonly stats: Readonly<RtmpListenerStats>;
  readonly connectionCount: number;
  close(): Promise<void>;
}

export async function startRtmpListener(options: RtmpListenerOptions, deps: RtmpListenerDeps): Promise<RtmpListener> {
  const now = deps.now ?? Date.now;
  const startedAt = now();
  const log = deps.log.child({ component: 'rtmp', factory: deps.registry.factory });
  const stats: RtmpListenerStats = { connectionsAccepted: 0, protocolErrors: 0, publishRejected: 0, errorCodes: new Map(), shed: new Map() };
  const connections = new Map<string, { conn: RtmpConnection; binding: RtmpStreamBinding }>();
  let nextId = 0;
  const certificate = options.tls;
  const gate = new ListenerGate(options, { log, now, shedCounts: stats.shed, metrics: deps.metrics, certificate });
  const limits = gate.limits;

  const connectionOptions = {
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? 10_000,
    idleTimeoutMs: options.idleTimeoutMs ?? 30_000,
    firstRequestTimeoutMs: limits.firstRequestTimeoutMs,
    authoriseTimeoutMs: limits.authoriseTimeoutMs,
    inputBudget: deps.inputBudget ?? new InputBudget(DEFAULT_INPUT_BUDGET),
    session: {
      ...(options.chunkSize !== undefined ? { chunkSize: options.chunkSize } : {}),
      ...(options.windowAckSize !== undefined ? { windowAckSize: options.windowAckSize } : {}),
    },
    limits: options.limits ?? {},
  };
  const bindingDeps = {
    registry: deps.registry,
    readerQueue: options.readerQueue ?? DEFAULT_READER_QUEUE,
    now,
    allowPublish: options.allowPublish ?? true,
    allowPlay: options.allowPlay ?? true,
    ...(options.readCredentials !== undefined ? { readCredentials: options.readCredentials } : {}),
    ...(options.access !== undefined ? { access: options.access } : {}),
    flv: options.hevc !== undefined ? { hevc: options.hevc } : {},
    onPublishRejected: (reason: PublishRejectReason) => {
      stats.publishRejected++;
      deps.metrics?.publishRejected(reason);
    },
  };

  const kind = certificate === undefined ? 'RTMP' : 'RTMPS';
  const server = net.createServer((tcp) => {
    let conn: RtmpConnection | undefined;
    const admitted = gate.accept(tcp, (reason) => conn?.destroy(reason));
    if (admitted === undefined) return;
    const { socket, ticket, address } = admitted;
    stats.connectionsAccepted++;
    deps.metrics?.connectionOpened();
    const id = `${certificate === undefined ? 'rtmp' : 'rtmps'}-${++nextId}`;
    conn = new RtmpConnection(
      id,
      socket,
      connectionOptions,
      {
        randomBytes: deps.randomBytes ?? randomBytes,
        uptimeMs: () => now() - startedAt,
        onEvent: (c, event) => {
          if (!c.closed) connections.get(c.id)?.binding.handle(event);
        },
        onProtocolError: (_c, code) => {
          stats.protocolErrors++;
          stats.errorCodes.set(code, (stats.errorCodes.get(code) ?? 0) + 1);
          deps.metrics?.protocolError(code as ProtocolErrorCode);
        },
        onShed: (c, reason) => {
          gate.shed(reason, address, { conn: c.id, buffered: c.authorised ? 'authorised' : 'unauthorised' });
          deps.metrics?.connectionShed(reason);
        },
        onAuthorised: () => ticket.authorise(),
        onClosed: (c) => {
          ticket.release();
          const entry = connections.get(c.id);
          if (entry !== undefined) deps.metrics?.connectionClosed();
          connections.delete(c.id);
          entry?.binding.close();
          c.log.debug('RTMP connection closed');
        },
      },
      log,
    );
    connections.set(id, { conn, binding: new RtmpStreamBinding(conn, bindingDeps) });
    conn.log.debug('RTMP connection accepted');
  });
  // Admission enforces the cap (and may close an unauthorised connection for a new one); this
  // is only a backstop against a storm of accepts.
  server.maxConnections = 2 * limits.maxConnections;
  server.on('error', (err) => log.error(`${kind} server error`, { err }));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port, host: options.host ?? '0.0.0.0', backlog: LISTEN_BACKLOG }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as net.AddressInfo;
  log.info(`${kind} listening`, { port: address.port });

  return {
    port: address.port,
    stats,
    get connectionCount() {
      return connections.size;
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const { conn } of [...connections.values()]) conn.destroy('listener closing');
      await closed;
    },
  };
}
