/**
 * The composition root: composes the core every role shares — the config store, metrics, the
 * event bus, both registries and their publish checks, budgets, placeholders, URL management,
 * hooks, webhooks and the API — and dispatches to the role (src/roles/):
 *
 * slave:      Factory 1 (RTMP + RTSP), Factory 2 (RTSP, RECORD accepted), per-camera compression
 *             workers (unless --no-compress), API, metrics.
 * master:     the same listeners, replication of the upstream slave(s), compression takeover.
 * compressor: API + metrics only; compresses every camera of the upstream slave into its Factory 2.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import { accessControlFromSettings } from './access/access-control.ts';
import { startApiServer } from './api/server.ts';
import { firstOf, staticDirectory, staticFileMap } from './api/static-files.ts';
import type { ReadinessCheck, StreamInfo, StreamsView } from './api/types.ts';
import { CompressionBook } from './compression/compression-book.ts';
import { cameraProfile, followedCameraProfile, followProfileChanges } from './compression/camera-profiles.ts';
import { defaultMaxWorkers } from './compression/compression-queue.ts';
import { findCamera } from './config/catalog.ts';
import { FileStore } from './config/file-store.ts';
import { redactMongoUrl } from './config/mongo-url.ts';
import { autoRegisterDefault } from './config/publish-policy.ts';
import { tlsWanted, type Role, type Settings } from './config/settings.ts';
import type { ConfigStore } from './config/store.ts';
import { connectCatalogEvents } from './core/catalog-events.ts';
import { EventBus } from './core/events.ts';
import { compressedPushAuth } from './core/factory-auth.ts';
import { NodeEndpoints, type NodePorts } from './core/node-endpoints.ts';
import { cameraPublishAuthorizer, compressedPublishAuthorizer } from './core/publish-authorizer.ts';
import { connectRegistryEvents } from './core/registry-events.ts';
import { registryStreamsView } from './core/streams-view.ts';
import { UrlManager } from './core/url-manager.ts';
import { WebhookDispatcher } from './core/webhooks.ts';
import { HlsService } from './hls/hls-service.ts';
import { HlsReadAuth } from './hls/hls-read-auth.ts';
import { HLS_CORS_HEADERS, hlsRoute } from './hls/hls-routes.ts';
import { HookRunner } from './hooks/hook-runner.ts';
import type { Logger } from './log/logger.ts';
import { Metrics } from './metrics/metrics.ts';
import { registryStreamSampler } from './metrics/registry-sampler.ts';
import { InputBudget } from './net/input-budget.ts';
import { KeptListeners, portOf } from './net/keep-listening.ts';
import { TlsCertificate } from './net/tls-certificate.ts';
import { ClipCache, ffmpegClipEncoder } from './placeholder/placeholder-encoder.ts';
import { PlaceholderService } from './placeholder/placeholder-service.ts';
import { startCompressor } from './roles/compressor.ts';
import { startFactoryListeners } from './roles/factory-listeners.ts';
import { startMaster } from './roles/master.ts';
import type { NodeCore, RunningRole } from './roles/role.ts';
import { startSlave } from './roles/slave.ts';
import { localSnapshotService } from './snapshots/local-snapshots.ts';
import type { SnapshotService } from './snapshots/snapshot-service.ts';
import { OutputBudget } from './streams/output-budget.ts';
import { GopBudget } from './streams/gop-budget.ts';
import { DEFAULT_GOP_LIMITS } from './streams/gop-cache.ts';
import { StreamRegistry } from './streams/registry.ts';
import { whepFromSettings } from './webrtc/whep-from-settings.ts';
import { RECONNECT_BACKOFF } from '../protocols/backoff.ts';
import { DEFAULT_BACKOFF } from '../workers/messages.ts';

export const VERSION = '0.1.0';
const DASHBOARD_DIR = fileURLToPath(new URL('./dashboard/', import.meta.url));
/** Browser libraries the dashboard loads, served from the installed packages (no build step). */
const VENDOR_FILES: Readonly<Record<string, string>> = { '/vendor/hls.min.js': createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js') };

const ROLES: Readonly<Record<Role, (core: NodeCore) => RunningRole>> = { slave: startSlave, master: startMaster, compressor: startCompressor };

export interface RunningNode {
  readonly ports: NodePorts;
  readonly settings: Settings;
  /** Listeners that could not bind (yet): retried with backoff while the others serve. */
  listenersDown(): string[];
  close(): Promise<void>;
}

export interface StartNodeOptions {
  /** Start from the default catalog, discarding the stored one (`--reset-catalog`). */
  readonly resetCatalog?: boolean;
}

/** The MongoDB store's module (and the driver) is loaded only when the node uses it. */
async function openStore(settings: Settings, log: Logger, resetCatalog: boolean): Promise<ConfigStore> {
  const defaultProfile = settings.compression.defaultProfile;
  const common = {
    defaultProfile,
    resetCatalog,
    onWarning: (msg: string) => log.warn('config store', { detail: msg }),
    onListenerError: (err: unknown) => log.error('config listener failed', { err: String(err) }),
  };
  if (settings.store.mongoUrl !== undefined) {
    log.info('config store: MongoDB', { url: redactMongoUrl(settings.store.mongoUrl), database: settings.store.mongoDatabase });
    const { MongoStore } = await import('./config/mongo-store.ts');
    return new MongoStore({ url: settings.store.mongoUrl, database: settings.store.mongoDatabase, ...common });
  }
  log.info('config store: embedded file', { dataDir: settings.store.dataDir });
  return new FileStore({ dataDir: settings.store.dataDir, ...common });
}

/** Warns about the settings an external auth.method replaces (they are not checked any more). */
function warnReplacedAuth(settings: Settings, log: Logger): void {
  log.info('external authentication', { method: settings.auth.method, url: settings.auth.method === 'http' ? settings.auth.http.url : settings.auth.jwt.jwksUrl });
  const replaced = [
    settings.factories.raw.auth.read && 'factories.raw.auth.read',
    settings.factories.raw.auth.publish && 'factories.raw.auth.publish',
    settings.factories.compressed.auth.read && 'factories.compressed.auth.read',
    settings.factories.compressed.auth.publish && 'factories.compressed.auth.publish',
    settings.api.token !== undefined && 'api.token (except for /metrics)',
  ].filter(Boolean);
  if (replaced.length > 0) log.warn(`auth.method ${settings.auth.method} decides access: these settings are not checked any more`, { settings: replaced });
}

export async function startNode(settings: Settings, log: Logger, options: StartNodeOptions = {}): Promise<RunningNode> {
  const role = settings.node.role;
  const bindHost = settings.node.bindHost;
  const closers: (() => Promise<void> | void)[] = [];
  const onClose = (c: () => Promise<void> | void): void => void closers.push(c);
  const close = async (): Promise<void> => {
    for (const c of closers.reverse()) {
      try {
        await c();
      } catch (err) {
        log.warn('error while closing', { err: (err as Error).message });
      }
    }
    closers.length = 0;
  };

  try {
    log.info('node starting', { role, version: VERSION });
    const store = await openStore(settings, log, options.resetCatalog === true);
    await store.load();
    onClose(() => store.close());

    const metrics = new Metrics();
    const bus = new EventBus();
    const book = new CompressionBook(bus, log.child({ component: 'compression' }));
    const comp = settings.compression;
    const workers = {
      stallTimeoutMs: comp.stallTimeoutMs,
      backoff: { ...DEFAULT_BACKOFF, initialMs: comp.backoffInitialMs, maxMs: Math.max(comp.backoffMaxMs, comp.backoffInitialMs) },
      maxWorkers: comp.maxWorkers ?? defaultMaxWorkers(),
    };
    const defaultProfile = comp.defaultProfile;
    // Auto-registration (security issue 17.6): explicit, or on only while nothing is secured.
    const factoryAuthConfigured =
      settings.auth.method !== 'internal' || [settings.factories.raw.auth, settings.factories.compressed.auth].some((a) => a.read !== undefined || a.publish !== undefined);
    // Who may publish, read and use the API (issue 14): IP lists, then internal checks or the operator's service.
    const access = accessControlFromSettings(settings.auth, log);
    if (access.external) warnReplacedAuth(settings, log);
    const autoRegisterOn = (): boolean => settings.cameras.autoRegister ?? autoRegisterDefault(store.catalog(), factoryAuthConfigured);
    const autoRegisterMax = settings.cameras.autoRegisterMax;
    if (role !== 'compressor' && autoRegisterOn()) {
      log.warn(
        settings.cameras.autoRegister === true
          ? 'cameras.autoRegister is on: any publisher may add cameras to the catalog (set it to false once the cameras are configured)'
          : 'auto-registration is on because nothing is secured yet (no publish key, no factory credentials): any publisher may add cameras; it turns off once a camera has a publish key, or set cameras.autoRegister to false',
        { max: autoRegisterMax },
      );
    }

    const lim = settings.limits;
    // One budget for every GOP cache of the node, both factories.
    const gopBudget = new GopBudget(lim.maxGopCacheBytes);
    const gopLimits = { ...DEFAULT_GOP_LIMITS, maxBytes: lim.gopCacheBytes, budget: gopBudget };
    const raw = new StreamRegistry('raw', {
      authorize: cameraPublishAuthorizer(store, { enabled: autoRegisterOn, maxRegistrations: autoRegisterMax }, log.child({ component: 'cameras' })),
      unpublishedGraceMs: lim.unpublishedGraceMs,
      gopLimits,
    });
    const pushAuth = compressedPushAuth(settings);
    const compressed = new StreamRegistry('compressed', {
      // With an external method the operator's service decides who may push (the listener asks it).
      authorize: compressedPublishAuthorizer(store, pushAuth !== undefined || access.external),
      unpublishedGraceMs: lim.unpublishedGraceMs,
      gopLimits,
    });
    // Memory budgets shared by every listener and reader of this node.
    const inputBudget = new InputBudget({ maxTotalBytes: lim.maxInputBytes, maxConnectionBytes: lim.maxConnectionInputBytes, maxUnauthorisedBytes: lim.maxUnauthorisedInputBytes });
    const outputBudget = new OutputBudget(lim.maxOutputBytes);
    metrics.setSamplers({ budgets: () => ({ inputBytes: inputBudget.totalBytes, outputBytes: outputBudget.totalBytes, gopCacheBytes: gopBudget.heldBytes, gopCacheRefusals: gopBudget.refusals }) });
    const readerQueue = { maxPendingBytes: lim.readerMaxPendingBytes, maxDroppingMs: lim.readerMaxDroppingMs, budget: outputBudget };
    onClose(() => raw.close());
    onClose(() => compressed.close());
    // Always-available cameras: a placeholder keeps their readers fed while they are offline.
    const alwaysAvailable = (path: string): boolean => {
      const camera = findCamera(store.catalog(), path);
      if (camera === undefined) return settings.cameras.alwaysAvailable;
      return camera.enabled && (camera.alwaysAvailable ?? settings.cameras.alwaysAvailable);
    };
    const fontFile = existsSync(settings.cameras.placeholderFontFile) ? settings.cameras.placeholderFontFile : undefined;
    const placeholderLog = log.child({ component: 'placeholder' });
    if (fontFile === undefined) placeholderLog.warn('placeholder font file not found: offline placeholders carry no text', { fontFile: settings.cameras.placeholderFontFile });
    const clips = new ClipCache(ffmpegClipEncoder(ffmpegInstaller.path, fontFile));
    for (const registry of [raw, compressed]) {
      const service = new PlaceholderService({ registry, wanted: alwaysAvailable, clips, log: placeholderLog });
      onClose(() => service.close());
    }

    // How this node's own clients (compression input, thumbnails) read its Factory 1 over RTSP.
    const rawRead = settings.factories.raw.auth.read;
    let rawReadCredentials: { credentials?: { user: string; pass: string } } = rawRead !== undefined ? { credentials: { user: rawRead.user, pass: rawRead.pass } } : {};
    if (access.external) {
      // Our own readers do not depend on the operator's service: a per-run secret only they know.
      const own = { user: 'cupola-internal', pass: randomBytes(24).toString('base64url') };
      access.trustReader(own);
      rawReadCredentials = { credentials: own };
    }
    const ports: NodePorts = { rtmp: null, rtsp: null, compressedRtsp: null, api: null, rtmps: null, rtsps: null, compressedRtsps: null };
    // One certificate for every TLS listener, reloaded in place when its files change.
    let certificate: TlsCertificate | undefined;
    if (tlsWanted(settings)) {
      const t = settings.tls;
      const cert = await TlsCertificate.open({ certFile: t.certFile!, keyFile: t.keyFile!, watchIntervalMs: t.watchIntervalMs, log: log.child({ component: 'tls' }) });
      certificate = cert;
      onClose(() => cert.close());
    }
    const readiness: ReadinessCheck[] = [{ name: 'store', check: () => store.ping() }];
    let snapshots: SnapshotService | undefined;
    // Every listener is kept bound on its own: one that cannot bind is retried with backoff while
    // the others serve, and readiness names it (the node exits only when asked to).
    const listeners = new KeptListeners({
      backoff: { ...RECONNECT_BACKOFF, initialMs: settings.listeners.retryInitialMs, maxMs: Math.max(settings.listeners.retryMaxMs, settings.listeners.retryInitialMs) },
      log,
      onClose,
    });
    readiness.push({ name: 'listeners', check: listeners.readiness() });
    if (role !== 'compressor') {
      await startFactoryListeners({ settings, log, access, metrics, raw, compressed, inputBudget, readerQueue, pushAuth, certificate, listeners, ports });
      // Dashboard thumbnails: grabbed from this node's own Factory 1 RTSP URL.
      const thumbs = localSnapshotService({
        isLive: (id) => raw.get(id)?.live === true,
        get rtspPort() {
          return ports.rtsp ?? 0;
        },
        bindHost,
        ...rawReadCredentials,
      });
      onClose(() => thumbs.close());
      snapshots = thumbs;
    }

    const endpoints = new NodeEndpoints(settings, ports, (list) => urls.setEndpoints(list));
    const urls = new UrlManager({ endpoints: endpoints.list(), catalog: store.catalog(), bus });
    const unwire = [
      connectRegistryEvents(raw, { bus, urls, metrics }),
      connectRegistryEvents(compressed, { bus, urls, metrics }),
      connectCatalogEvents(store, bus, urls, metrics),
    ];
    onClose(() => unwire.forEach((u) => u()));
    // Hooks follow the bus; closing kills every hook command with its process group.
    const hooks = new HookRunner({
      hooks: settings.hooks,
      bus,
      node: { name: settings.node.name, role },
      urlsFor: (path) => urls.get(path),
      log: log.child({ component: 'hooks' }),
    });
    onClose(() => hooks.close());

    // Live config: restart only the cameras whose profile changed (in the role, once it runs).
    let running: RunningRole | undefined;
    onClose(
      followProfileChanges(store, defaultProfile, (path) => {
        log.info('camera profile changed; restarting its compression', { camera: path });
        running?.profileChanged(path);
      }),
    );
    const core: NodeCore = {
      settings,
      log,
      store,
      bus,
      book,
      access,
      raw,
      compressed,
      urls,
      endpoints,
      ports,
      rawReadCredentials,
      workers,
      cameraProfile: (path) => cameraProfile(store.catalog(), path, defaultProfile, autoRegisterOn),
      followedCameraProfile: (path) => followedCameraProfile(store.catalog(), path, defaultProfile),
      addReadiness: (check) => void readiness.push(check),
      onClose,
    };
    running = ROLES[role](core);
    const { replication, sources } = running;

    metrics.setSamplers({
      streams: registryStreamSampler([raw, compressed]),
      ...(sources !== undefined ? { sources: () => sources.samples() } : {}),
      compression: () => book.samples(),
      ...(replication !== undefined ? { replication: () => replication.samples() } : {}),
    });
    const baseView = registryStreamsView([raw, compressed]);
    const streamsView: StreamsView = {
      list: (): StreamInfo[] =>
        baseView.list().map((s) => {
          const c = s.factory === 'compressed' ? book.get(s.path) : undefined;
          return c === undefined ? s : ({ ...s, compression: c } as StreamInfo);
        }),
    };
    const webhooks = new WebhookDispatcher({ webhooks: settings.api.webhooks, bus, log });
    onClose(() => webhooks.close());
    // LL-HLS for both factories (slave and master; replicated cameras too), served by the API.
    const hls = role !== 'compressor' && settings.hls.enabled ? new HlsService({ registries: { raw, compressed }, settings: settings.hls, metrics: metrics.hls }) : undefined;
    if (hls !== undefined) onClose(() => hls.close());
    const hlsAuth = new HlsReadAuth({ raw: settings.factories.raw.auth.read, compressed: settings.factories.compressed.auth.read }, settings.api.token);
    const playback =
      hls === undefined
        ? undefined
        : {
            routes: [hlsRoute({ service: hls, auth: hlsAuth, access, metrics: metrics.hls, knows: (p: string) => urls.get(p) !== undefined || raw.get(p) !== undefined || compressed.get(p) !== undefined })],
            prefixes: ['/hls'],
            corsHeaders: HLS_CORS_HEADERS,
          };
    const apiHost = settings.api.bindHost ?? bindHost;
    const nodePorts = {
      get rtmp() {
        return ports.rtmp;
      },
      get rtspRaw() {
        return ports.rtsp;
      },
      get rtspCompressed() {
        return ports.compressedRtsp;
      },
      // The TLS ports (null when off): a master replicates over TLS when they are offered.
      get rtmps() {
        return ports.rtmps;
      },
      get rtspsRaw() {
        return ports.rtsps;
      },
      get rtspsCompressed() {
        return ports.compressedRtsps;
      },
    };
    // WebRTC playback (WHEP) on the API port, for both factories (replicated streams included).
    const whep = role !== 'compressor' && settings.webrtc.enabled ? whepFromSettings(settings, apiHost, { raw, compressed }, readerQueue, metrics, log, access) : undefined;
    if (whep !== undefined) onClose(() => whep.service.close());
    const api = await listeners.keep('api', apiHost, settings.api.port, () =>
      startApiServer(
        {
          host: apiHost,
          port: settings.api.port,
          ...(settings.api.token !== undefined ? { token: settings.api.token } : {}),
          metricsAuth: settings.api.metricsAuth,
          ...(settings.api.metricsToken !== undefined ? { metricsToken: settings.api.metricsToken } : {}),
          allowedOrigins: settings.api.allowedOrigins,
          access,
          staticDir: settings.api.staticDir ?? DASHBOARD_DIR,
          maxConnectionsPerIp: lim.maxConnectionsPerIp,
          ...(settings.api.https && certificate !== undefined ? { tls: certificate } : {}),
        },
        {
          store,
          streams: streamsView,
          urls,
          bus,
          metrics,
          readiness,
          node: { name: settings.node.name, role, version: VERSION, ports: nodePorts },
          ...(running.servesCompression ? { compression: book } : {}),
          ...(replication !== undefined ? { replication } : {}),
          ...(sources !== undefined ? { sources } : {}),
          ...(snapshots !== undefined ? { snapshots } : {}),
          ...(whep !== undefined ? { whep } : {}),
          ...(playback !== undefined ? { playback } : {}),
          staticFiles: firstOf(staticDirectory(settings.api.staticDir ?? DASHBOARD_DIR), staticFileMap(VENDOR_FILES)),
          log,
        },
      ),
    );
    const apiPorts = (): void => {
      ports.api = portOf(api, settings.api.port);
      endpoints.setApiPort(ports.api ?? undefined);
    };
    listeners.whenUp(apiPorts);
    apiPorts();
    return { ports, settings, listenersDown: () => listeners.down(), close };
  } catch (err) {
    await close();
    throw err;
  }
}
