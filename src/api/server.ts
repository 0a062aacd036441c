/**
 * The HTTP API on uWebSockets.js: JSON under /api/v1, the event WebSocket, /healthz, /readyz,
 * /metrics, and optionally static files at / (the dashboard). Everything it shows comes through
 * injected interfaces; it owns no state of the media path.
 *
 * With `tls` the port speaks HTTPS (and WSS for the events) through uWebSockets.js's SSLApp. uWS
 * cannot swap the certificate of a running SSLApp (addServerName only adds SNI names, and clients
 * that connect by IP send none), so a renewed certificate re-listens: a new SSLApp with the same
 * routes takes the port over, and the old one keeps serving the connections it has (HTTP keep-alive,
 * event WebSockets) for RETIRED_APP_DRAIN_MS, then closes them (WebSocket clients reconnect).
 */
import uWS from 'uWebSockets.js';
import type { MetricsAuthMode } from '../config/settings.ts';
import type { ConfigStore } from '../config/store.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { TokenAuth } from './auth.ts';
import { catalogRoutes, type RouteDef } from './catalog-routes.ts';
import type { EventBus } from '../core/events.ts';
import { errorReply, uwsHandler, writeReply, type HandleOptions, type Reply } from './http.ts';
import { apiGuard, UNAUTHORIZED } from './api-access.ts';
import type { AccessControl } from '../access/access-control.ts';
import { OriginPolicy } from './origin-policy.ts';
import { staticDirectory, type StaticFiles } from './static-files.ts';
import { silentLogger, type ApiLogger, type CompressionView, type NodeInfo, type ReadinessCheck, type ReplicationView, type StreamsView } from './types.ts';
import type { UrlManager } from '../core/url-manager.ts';
import { attachEventSocket } from './event-socket.ts';
import { listenExclusive } from './uws-listen.ts';
import type { TlsCertificate } from '../net/tls-certificate.ts';
import { snapshotRoute } from '../snapshots/snapshot-route.ts';
import type { SnapshotService } from '../snapshots/snapshot-service.ts';
import { attachWhepRoutes } from '../webrtc/whep-routes.ts';
import type { WhepAuth } from '../webrtc/whep-auth.ts';
import type { WhepService } from '../webrtc/whep-service.ts';

export interface ApiServerOptions {
  /** Interface to bind. Defaults to 127.0.0.1. */
  readonly host?: string;
  /** 0 picks a free port; the bound one is in ApiServer.port. */
  readonly port: number;
  /** Bearer token; unset disables auth. */
  readonly token?: string;
  /**
   * /metrics: `none` (default) is open; `token` needs `metricsToken` when given, or the API token
   * (both are accepted when both are set).
   */
  readonly metricsAuth?: MetricsAuthMode;
  /** A bearer token accepted on /metrics only (with metricsAuth `token`). */
  readonly metricsToken?: string;
  /** Browser origins besides the API's own allowed to write and to open the event socket. Defaults to none. */
  readonly allowedOrigins?: readonly string[];
  /** Directory served at / (the dashboard). */
  readonly staticDir?: string;
  /** Time a readiness check may take before it counts as failed (ms). Defaults to 2000. */
  readonly readinessTimeoutMs?: number;
  /** Speak HTTPS/WSS with this certificate; a renewal re-listens (see above). Unset: plain HTTP. */
  readonly tls?: TlsCertificate;
  /** After a renewal, how long the previous app keeps its connections (ms). Defaults to RETIRED_APP_DRAIN_MS. */
  readonly renewalDrainMs?: number;
  /**
   * Event WebSockets from one address at most (limits.maxConnectionsPerIp). Defaults to 256.
   * Plain HTTP connections have no per-address cap: uWebSockets.js offers no accept hook; it
   * closes a connection idle or with an incomplete request after ~10 s by itself.
   */
  readonly maxConnectionsPerIp?: number;
  /**
   * The node's access check for /api/v1 and the event WebSocket (auth.method, IP lists); unset:
   * the token only. /metrics keeps its own tokens.
   */
  readonly access?: AccessControl;
}

/** How long the app that served the previous certificate keeps its open connections after a renewal (ms). */
export const RETIRED_APP_DRAIN_MS = 30_000;

export interface ApiServerDeps {
  readonly store: ConfigStore;
  readonly streams: StreamsView;
  readonly urls: UrlManager;
  readonly bus: EventBus;
  readonly metrics?: Metrics;
  /** Listeners bound, store reachable, ...: all must pass for /readyz to answer 200. */
  readonly readiness?: readonly ReadinessCheck[];
  readonly node?: NodeInfo;
  /** GET /api/v1/compression; absent: 404. */
  readonly compression?: CompressionView;
  /** GET /api/v1/replication (master); absent: 404. */
  readonly replication?: ReplicationView;
  /** GET /api/v1/sources and /api/v1/sources/:site/:name (pulled cameras); absent: an empty list. */
  readonly sources?: { list(): readonly object[]; get(camera: string): object | undefined };
  /** GET /api/v1/cameras/:site/:name/snapshot.jpg (the dashboard's thumbnails); absent: 404. */
  readonly snapshots?: Pick<SnapshotService, 'get'>;
  readonly log?: ApiLogger;
  /** Overrides staticDir (tests, embedded assets). */
  readonly staticFiles?: StaticFiles;
  /** WebRTC playback under /whep/<factory>/<site>/<camera> (src/webrtc/whep-routes.ts); absent: 404. */
  readonly whep?: { readonly service: WhepService; readonly auth: WhepAuth };
  /**
   * Browser playback routes (GET /hls/...): their own guards check read access (the factory's read
   * rule through the access check, not the API token alone) and they answer with CORS headers; OPTIONS preflights under their
   * prefixes are answered with `corsHeaders`.
   */
  readonly playback?: { readonly routes: readonly (RouteDef & { readonly guard?: NonNullable<HandleOptions['guard']> })[]; readonly prefixes: readonly string[]; readonly corsHeaders: Readonly<Record<string, string>> };
}

export interface ApiServer {
  readonly port: number;
  close(): Promise<void>;
}

async function runCheck(c: ReadinessCheck, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = await Promise.race([
      Promise.resolve().then(() => c.check()),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return result === false ? 'failed' : 'ok';
  } catch (err) {
    return `failed: ${(err as Error).message}`;
  } finally {
    clearTimeout(timer);
  }
}

export function startApiServer(options: ApiServerOptions, deps: ApiServerDeps): Promise<ApiServer> {
  const log = deps.log ?? silentLogger;
  const auth = new TokenAuth(options.token);
  const staticFiles = deps.staticFiles ?? (options.staticDir !== undefined ? staticDirectory(options.staticDir) : undefined);
  const unauthorized = UNAUTHORIZED;
  const guardApi = apiGuard(options.access, auth);
  const origins = new OriginPolicy(options.allowedOrigins);
  // /metrics with metricsAuth `token`: any of the enabled tokens (each checked, in constant time).
  const metricsAuths = options.metricsAuth === 'token' ? [new TokenAuth(options.metricsToken), auth].filter((a) => a.enabled) : [];
  const guardMetrics = (authorization: string): Reply | null =>
    metricsAuths.map((a) => a.checkHeader(authorization)).some(Boolean) ? null : unauthorized;
  const readinessTimeoutMs = options.readinessTimeoutMs ?? 2000;

  const routes: (RouteDef & { guard?: NonNullable<HandleOptions['guard']> })[] = [
    ...catalogRoutes(deps.store, deps.compression !== undefined ? { compression: deps.compression } : {}).map((r) => ({ ...r, guard: guardApi })),
    {
      method: 'get',
      pattern: '/api/v1/streams',
      paramCount: 0,
      guard: guardApi,
      handler: (ctx) => {
        const factory = ctx.query.get('factory');
        const items = deps.streams.list().filter((s) => factory === null || s.factory === factory);
        return { status: 200, body: { items } };
      },
    },
    { method: 'get', pattern: '/api/v1/urls', paramCount: 0, guard: guardApi, handler: () => ({ status: 200, body: { items: deps.urls.list() } }) },
    {
      method: 'get',
      pattern: '/api/v1/cameras/:site/:name/urls',
      paramCount: 2,
      guard: guardApi,
      handler: (ctx) => {
        const id = `${ctx.params[0]!}/${ctx.params[1]!}`;
        const u = deps.urls.get(id);
        return u === undefined ? errorReply(404, `camera "${id}" not found`) : { status: 200, body: u };
      },
    },
    {
      method: 'get',
      pattern: '/api/v1/compression',
      paramCount: 0,
      guard: guardApi,
      handler: () => (deps.compression === undefined ? errorReply(404, 'this node does not compress') : { status: 200, body: { items: deps.compression.list() } }),
    },
    {
      method: 'get',
      pattern: '/api/v1/replication',
      paramCount: 0,
      guard: guardApi,
      handler: () => {
        const r = deps.replication;
        if (r === undefined) return errorReply(404, 'this node does not replicate (role master does)');
        return { status: 200, body: { items: r.list(), upstreams: r.upstreams(), failovers: r.failovers() } };
      },
    },
    {
      method: 'get',
      pattern: '/api/v1/sources',
      paramCount: 0,
      guard: guardApi,
      handler: () => ({ status: 200, body: { items: deps.sources?.list() ?? [] } }),
    },
    {
      method: 'get',
      pattern: '/api/v1/sources/:site/:name',
      paramCount: 2,
      guard: guardApi,
      handler: (ctx) => {
        const id = `${ctx.params[0]!}/${ctx.params[1]!}`;
        const s = deps.sources?.get(id);
        return s === undefined ? errorReply(404, `camera "${id}" has no source pulled here`) : { status: 200, body: s };
      },
    },
    {
      method: 'get',
      pattern: '/api/v1/node',
      paramCount: 0,
      guard: guardApi,
      handler: () => ({ status: 200, body: deps.node ?? { name: 'cupola', role: 'unknown', version: 'unknown' } }),
    },
    ...(deps.snapshots !== undefined ? [{ ...snapshotRoute(deps.snapshots), guard: guardApi }] : []),
    {
      method: 'get',
      pattern: '/api/v1/webrtc/sessions',
      paramCount: 0,
      guard: guardApi,
      handler: () => ({ status: 200, body: { items: deps.whep?.service.list() ?? [] } }),
    },
    ...(deps.playback?.routes ?? []),
    { method: 'get', pattern: '/healthz', paramCount: 0, handler: () => ({ status: 200, body: { status: 'ok' } }) },
    {
      method: 'get',
      pattern: '/readyz',
      paramCount: 0,
      handler: async () => {
        const checks = deps.readiness ?? [];
        const results = await Promise.all(checks.map(async (c) => [c.name, await runCheck(c, readinessTimeoutMs)] as const));
        const ready = results.every(([, r]) => r === 'ok');
        return { status: ready ? 200 : 503, body: { status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results) } };
      },
    },
    {
      method: 'get',
      pattern: '/metrics',
      paramCount: 0,
      ...(metricsAuths.length > 0 ? { guard: guardMetrics } : {}),
      handler: async () => {
        if (deps.metrics === undefined) return errorReply(404, 'metrics are not enabled');
        return { status: 200, body: await deps.metrics.text(), contentType: deps.metrics.contentType };
      },
    },
  ];

  const handlers = routes.map((r) => ({
    r,
    handler: uwsHandler(r.handler, {
      paramCount: r.paramCount,
      readBody: r.body === true,
      ...(r.guard !== undefined ? { guard: r.guard } : {}),
      log,
      route: `${r.method} ${r.pattern}`,
      origins,
    }),
  }));

  /** One uWS app with every route (a certificate renewal makes another). */
  const makeApp = (): { app: uWS.TemplatedApp; close(): void } => {
    // SSLApp loads (and checks) the pair when constructed: it gets the pair TlsCertificate checked.
    const app =
      options.tls === undefined
        ? uWS.App()
        : options.tls.withPemFiles((certFile, keyFile) => uWS.SSLApp({ cert_file_name: certFile, key_file_name: keyFile }));
    for (const { r, handler } of handlers) app[r.method](r.pattern, handler);

    for (const prefix of deps.playback?.prefixes ?? []) {
      // CORS preflight of a cross-site read that sends Authorization (reads only: writes stay same-origin).
      app.options(`${prefix}/*`, (res) => writeReply(res, { status: 204, headers: { ...deps.playback!.corsHeaders, 'access-control-max-age': '600' } }));
    }

    const socket = attachEventSocket(app, {
      auth,
      ...(options.access !== undefined ? { access: options.access } : {}),
      origins,
      bus: deps.bus,
      streams: deps.streams,
      urls: deps.urls,
      store: deps.store,
      log,
      ...(deps.compression !== undefined ? { compression: deps.compression } : {}),
      ...(deps.replication !== undefined ? { replication: deps.replication } : {}),
      ...(options.maxConnectionsPerIp !== undefined ? { maxSocketsPerIp: options.maxConnectionsPerIp } : {}),
    });

    if (deps.whep !== undefined) attachWhepRoutes(app, { ...deps.whep, origins, log });
    app.any('/*', (res, req) => {
      const method = req.getMethod().toUpperCase();
      const url = req.getUrl();
      if (staticFiles === undefined || method !== 'GET' || url.startsWith('/api/')) {
        writeReply(res, errorReply(404, `no route for ${method} ${url}`));
        return;
      }
      let aborted = false;
      res.onAborted(() => {
        aborted = true;
      });
      void staticFiles(url).then(
        (file) => {
          if (aborted) return;
          writeReply(res, file === null ? errorReply(404, `${url} not found`) : { status: 200, body: file.body, contentType: file.contentType });
        },
        () => {
          if (!aborted) writeReply(res, errorReply(500, 'cannot read file'));
        },
      );
    });

    return {
      app,
      close: () => {
        socket.close();
        // Closes keep-alive HTTP connections too, so the process can exit at once.
        (app as unknown as { close?: () => void }).close?.();
      },
    };
  };

  const host = options.host ?? '127.0.0.1';
  let current: ReturnType<typeof makeApp>;
  try {
    current = makeApp();
  } catch (err) {
    return Promise.reject(new Error(`API: ${(err as Error).message}`, { cause: err }));
  }
  return listenExclusive(current.app, host, options.port).then(
    ({ socket: first, port }) => {
      let listenSocket: uWS.us_listen_socket | null = first;
      let closed: Promise<void> | null = null;
      const drainMs = options.renewalDrainMs ?? RETIRED_APP_DRAIN_MS;
      const retired = new Set<{ close(): void }>();
      const retire = (old: { close(): void }): void => {
        retired.add(old);
        setTimeout(() => {
          if (retired.delete(old)) old.close();
        }, drainMs).unref();
      };
      let renewing: Promise<void> = Promise.resolve();
      const renew = (): Promise<void> =>
        (renewing = renewing.then(async () => {
          if (closed !== null) return;
          const next = makeApp();
          // The port is free between these two calls only (no SO_REUSEPORT: the bind is exclusive).
          if (listenSocket !== null) uWS.us_listen_socket_close(listenSocket);
          listenSocket = null;
          try {
            listenSocket = (await listenExclusive(next.app, host, port)).socket;
          } catch (err) {
            next.close();
            log.error('HTTPS re-listen with the renewed certificate failed; serving the previous one', { err: (err as Error).message });
            listenSocket = (await listenExclusive(current.app, host, port)).socket;
            return;
          }
          retire(current);
          current = next;
          log.info('HTTPS serves the renewed certificate', { port, drainMs });
        }).catch((err: unknown) => log.error('HTTPS certificate renewal failed', { err: (err as Error).message })));
      const unsubscribe = options.tls?.onChange(() => void renew());
      return {
        port,
        close: () => {
          closed ??= (async () => {
            unsubscribe?.();
            await renewing;
            if (listenSocket !== null) uWS.us_listen_socket_close(listenSocket);
            current.close();
            for (const old of retired) old.close();
            retired.clear();
          })();
          return closed;
        },
      };
    },
    (err: unknown) => {
      current.close();
      throw new Error(`API ${(err as Error).message}`, { cause: err });
    },
  );
}
