/**
 * WebSocket /api/v1/events: a snapshot on connect (streams, URLs, cameras without their publish
 * keys, and compression and replication status where the node has them), then every bus event as
 * one JSON text message, URL credentials redacted. Upgrades from a foreign browser Origin are refused. A client that falls behind by more than maxBackpressure is disconnected
 * rather than buffered without bound; it reconnects and gets a fresh snapshot. Sockets from one
 * address (IPv4, or IPv6 /64) are capped (limits.maxConnectionsPerIp): past it the upgrade is
 * answered 429.
 */
import type { TemplatedApp, WebSocket } from 'uWebSockets.js';
import type { ConfigStore } from '../config/store.ts';
import type { TokenAuth } from './auth.ts';
import type { AccessControl } from '../access/access-control.ts';
import { apiAccessRequest, apiRefusal } from './api-access.ts';
import type { EventBus } from '../core/events.ts';
import { errorReply, writeReply } from './http.ts';
import type { OriginPolicy } from './origin-policy.ts';
import { publicCamera } from '../core/public-camera.ts';
import { redactCredentials } from '../core/redact-credentials.ts';
import type { ApiLogger, CompressionView, ReplicationView, StreamsView } from './types.ts';
import type { UrlManager } from '../core/url-manager.ts';
import { ipKey } from '../net/admission.ts';

export const EVENTS_PATH = '/api/v1/events';
const TOPIC = 'events';
/** Bytes queued for one client before it is dropped. */
export const MAX_SOCKET_BACKPRESSURE = 1024 * 1024;

export interface EventSocketDeps {
  readonly auth: TokenAuth;
  /** The node's access check (external methods, IP lists); unset: the token only. */
  readonly access?: AccessControl;
  /** A browser page of another origin may not open the socket (it would read every event). */
  readonly origins: OriginPolicy;
  readonly bus: EventBus;
  readonly streams: StreamsView;
  readonly urls: UrlManager;
  readonly store: ConfigStore;
  readonly log: ApiLogger;
  readonly compression?: CompressionView;
  readonly replication?: ReplicationView;
  /** Event sockets from one address at most. Defaults to 256. */
  readonly maxSocketsPerIp?: number;
}

type UserData = { readonly ip: string };

export function attachEventSocket(app: TemplatedApp, deps: EventSocketDeps): { close(): void } {
  const sockets = new Set<WebSocket<UserData>>();
  const perIp = new Map<string, number>();
  const maxPerIp = deps.maxSocketsPerIp ?? 256;
  app.ws<UserData>(EVENTS_PATH, {
    maxPayloadLength: 4 * 1024,
    maxBackpressure: MAX_SOCKET_BACKPRESSURE,
    closeOnBackpressureLimit: 1,
    idleTimeout: 120,
    sendPingsAutomatically: true,
    upgrade: (res, req, context) => {
      const origin = req.getHeader('origin');
      if (!deps.origins.allows(origin, req.getHeader('host'))) {
        writeReply(res, errorReply(403, `WebSocket from Origin ${origin} refused: not this API's origin nor listed in api.allowedOrigins`));
        return;
      }
      // Browsers cannot set headers on a WebSocket: the token may also come as ?token=.
      const header = req.getHeader('authorization');
      const query = new URLSearchParams(req.getQuery() ?? '');
      const token = query.get('token');
      const key = req.getHeader('sec-websocket-key');
      const protocol = req.getHeader('sec-websocket-protocol');
      const extensions = req.getHeader('sec-websocket-extensions');
      const remote = Buffer.from(res.getRemoteAddressAsText()).toString();
      const ip = ipKey(remote);
      if ((perIp.get(ip) ?? 0) >= maxPerIp) {
        writeReply(res, errorReply(429, `more than ${maxPerIp} event sockets from this address`));
        return;
      }
      const internalOk = (): boolean => (header !== '' ? deps.auth.checkHeader(header) : deps.auth.checkToken(token ?? ''));
      const access = deps.access;
      if (access === undefined || !access.isAsync('api')) {
        if (!internalOk()) return writeReply(res, errorReply(401, 'missing or wrong bearer token'));
        res.upgrade<UserData>({ ip }, key, protocol, extensions, context);
        return;
      }
      // An external check: uWS lets the upgrade finish later if we watch for the client leaving.
      let aborted = false;
      res.onAborted(() => {
        aborted = true;
      });
      void access.authorize(apiAccessRequest('ws', header, { ip: remote, url: EVENTS_PATH }, token ?? undefined), internalOk).then((verdict) => {
        if (aborted) return;
        const refused = apiRefusal(verdict);
        if (refused !== null) return writeReply(res, refused);
        res.cork(() => res.upgrade<UserData>({ ip }, key, protocol, extensions, context));
      });
    },
    open: (ws) => {
      const ip = ws.getUserData().ip;
      perIp.set(ip, (perIp.get(ip) ?? 0) + 1);
      sockets.add(ws);
      const snapshot = {
        type: 'snapshot',
        seq: deps.bus.lastSeq,
        time: new Date().toISOString(),
        streams: deps.streams.list(),
        urls: deps.urls.list(),
        cameras: deps.store.catalog().cameras.map(publicCamera),
        ...(deps.compression !== undefined ? { compression: deps.compression.list() } : {}),
        ...(deps.replication !== undefined ? { replication: deps.replication.list() } : {}),
      };
      ws.send(redactCredentials(JSON.stringify(snapshot)), false);
      ws.subscribe(TOPIC);
    },
    message: () => {
      // The stream is one-way; client messages (if any) are ignored.
    },
    close: (ws) => {
      if (!sockets.delete(ws)) return;
      const ip = ws.getUserData().ip;
      const n = (perIp.get(ip) ?? 1) - 1;
      if (n <= 0) perIp.delete(ip);
      else perIp.set(ip, n);
    },
  });
  const unsubscribe = deps.bus.subscribe((event) => {
    if (sockets.size > 0) app.publish(TOPIC, redactCredentials(JSON.stringify(event)), false);
  });
  return {
    close() {
      unsubscribe();
      for (const ws of [...sockets]) ws.end(1001, 'server shutting down');
      sockets.clear();
    },
  };
}
