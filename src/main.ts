/**
 * The composition root: the one place that constructs and wires every part of a node.
 *
 * slave:      Factory 1 (RTMP + RTSP), Factory 2 (RTSP, RECORD accepted), per-camera compression
 *             workers (unless --no-compress), API, metrics.
 * master:     the same listeners, replication of the upstream slave(s), compression takeover.
 * compressor: API + metrics only; compresses every camera of the upstream slave into its Factory 2.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ClientTls } from './net/client-socket.ts';
import { fetchFor } from './replication/tls-fetch.ts';
import { randomBytes } from 'node:crypto';
import { accessControlFromSettings } from './access/access-control.ts';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import { connectCatalogEvents } from './api/catalog-events.ts';
import { EventBus } from './api/events.ts';
import { connectRegistryEvents } from './api/registry-events.ts';
import { startApiServer } from './api/server.ts';
import { firstOf, staticDirectory, staticFileMap } from './api/static-files.ts';
import { createRequire } from 'node:module';
import { HlsService } from './hls/hls-service.ts';
import { HlsReadAuth } from './hls/hls-read-auth.ts';
import { HLS_CORS_HEADERS, hlsRoute } from './hls/hls-routes.ts';
import { registryStreamsView } from './api/streams-view.ts';
import type { StreamInfo, StreamsView } from './api/types.ts';
import { UrlManager } from './api/url-manager.ts';
import { peerEndpoint, selfEndpoint, withLearntPorts, type NodeEndpoint } from './api/urls.ts';
import { WebhookDispatcher } from './api/webhooks.ts';
import { HookRunner } from './hooks/hook-runner.ts';
import type { ServeOptions } from './cli/serve-options.ts';
import { findCamera, profileFor } from './config/catalog.ts';
import { diffCatalog } from './config/diff.ts';
import { FileStore } from './config/file-store.ts';
import { redactMongoUrl } from './config/mongo-url.ts';
import { readSettingsFile, tlsWanted, type Settings } from './config/settings.ts';
import type { ConfigStore } from './config/store.ts';
import { CompressionManager } from './compression/compression-manager.ts';
import { defaultMaxWorkers } from './compression/compression-queue.ts';
import { startCompressorRole } from './compression/compressor-role.ts';
import { DEFAULT_BACKOFF, type CompressionProfile } from '../workers/messages.ts';
import type { Logger } from './log/logger.ts';
import { keepListening, listenersReadiness, type KeptListener } from './net/keep-listening.ts';
import { startRtmpListener, type RtmpListenerOptions } from './rtmp/server/rtmp-listener.ts';
import { TlsCertificate } from './net/tls-certificate.ts';
import { startRtspListener, type RtspAuthOptions } from './rtsp/server/rtsp-listener.ts';
import { Metrics } from './metrics/metrics.ts';
import { registryStreamSampler } from './metrics/registry-sampler.ts';
import { CompressionBook } from './node/compression-book.ts';
import { cameraPublishAuthorizer, compressedPublishAuthorizer } from './node/publish-authorizer.ts';
import { autoRegisterDefault } from './config/publish-policy.ts';
import { settingsFromOptions } from './node/settings-from-options.ts';
import { StreamRegistry } from './streams/registry.ts';
import { ClipCache, ffmpegClipEncoder } from './placeholder/placeholder-encoder.ts';
import { PlaceholderService } from './placeholder/placeholder-service.ts';
import { OutputBudget } from './streams/output-budget.ts';
import { InputBudget } from './net/input-budget.ts';
import { localRawRtspUrl, localSnapshotService } from './snapshots/local-snapshots.ts';
import type { SnapshotService } from './snapshots/snapshot-service.ts';
import type { FactoryAuth, RemoteNode } from './config/settings.ts';
import { DEFAULT_BACKOFF as DEFAULT_REPLICATION_BACKOFF } from './replication/backoff.ts';
import { startReplication, type ReplicationRunner } from './replication/runner.ts';
import { startSources, type SourceRunner } from './sources/source-runner.ts';
import { SourceFailoverPlan } from './sources/source-failover.ts';
import { DEFAULT_WATCH_SETTINGS, UpstreamWatch, type UpstreamConfig } from './replication/upstream-watch.ts';
import { connectEventSocket } from './replication/ws/event-socket.ts';
import { whepFromSettings } from './webrtc/whep-from-settings.ts';
import type { UpstreamPorts } from './replication/upstream-api.ts';

export const VERSION = '0.1.0';
const DASHBOARD_DIR = fileURLToPath(new URL('./dashboard/', import.meta.url));
/** Browser libraries the dashboard loads, served from the installed packages (no build step). */
const VENDOR_FILES: Readonly<Record<string, string>> = { '/vendor/hls.min.js': createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js') };

export interface NodePorts {
  rtmp: number | null;
  rtsp: number | null;
  compressedRtsp: number | null;
  api: number | null;
  /** TLS listeners: null when off (or, for port 0, not bound yet). */
  rtmps: number | null;
  rtsps: number | null;
  compressedRtsps: number | null;
}

export interface RunningNode {
  readonly ports: NodePorts;
  readonly settings: Settings;
  /** Listeners that could not bind (yet): retried with backoff while the others serve. */
  listenersDown(): string[];
  close(): Promise<void>;
}

function rtspAuth(a: FactoryAuth, nonceLifetimeSec: number): { read?: RtspAuthOptions; publish?: RtspAuthOptions } {
  const one = (c: FactoryAuth['read']): RtspAuthOptions | undefined =>
    c === undefined
      ? undefined
      : { credentials: [{ username: c.user, password: c.pass }], schemes: c.method === 'basic' ? ['basic'] : ['digest'], nonceLifetimeMs: nonceLifetimeSec * 1000 };
  const read = one(a.read);
  const publish = one(a.publish);
  return { ...(read ? { read } : {}), ...(publish ? { publish } : {}) };
}

/** A configured upstream (slave) as the replication follows it. */
function upstreamConfig(u: RemoteNode): UpstreamConfig {
  const host = u.host.includes(':') && !u.host.startsWith('[') ? `[${u.host}]` : u.host;
  return {
    id: u.id,
    apiUrl: u.apiUrl ?? `http://${host}:${u.ports.api}`,
    apiToken: u.apiToken,
    host: u.host,
    ports: {
      rtmp: u.ports.rtmp,
      rtspRaw: u.ports.rtspRaw,
      rtspCompressed: u.ports.rtspCompressed,
      ...(u.ports.rtmps !== undefined ? { rtmps: u.ports.rtmps } : {}),
      ...(u.ports.rtspsRaw !== undefined ? { rtspsRaw: u.ports.rtspsRaw } : {}),
      ...(u.ports.rtspsCompressed !== undefined ? { rtspsCompressed: u.ports.rtspsCompressed } : {}),
    },
    readCredentials: u.readCredentials,
    ...(u.tlsCaFile !== undefined || u.tlsInsecure ? { tls: upstreamTrust(u) } : {}),
  };
}

/** How an upstream's certificate is checked (tlsCaFile read once, at start-up). */
function upstreamTrust(u: RemoteNode): ClientTls {
  let ca: Buffer | undefined;
  if (u.tlsCaFile !== undefined) {
    try {
      ca = readFileSync(u.tlsCaFile);
    } catch (err) {
      throw new Error(`upstream ${u.id}: cannot read tlsCaFile ${u.tlsCaFile}: ${(err as Error).message}`, { cause: err });
    }
  }
  return { ...(ca !== undefined ? { ca } : {}), rejectUnauthorized: !u.tlsInsecure };
}

/** The user name a compressor pushes to Factory 2 with when the API token is its password. */
export const COMPRESSOR_PUSH_USER = 'compressor';

/**
 * Who may push to this node's Factory 2 over RTSP (security issue 17.1): its publish credentials
 * when set, else user `compressor` with the API token as password (Digest), else nobody.
 */
export function compressedPushAuth(settings: Settings): RtspAuthOptions | undefined {
  const nonceLifetimeSec = settings.limits.rtspDigestNonceLifetimeSec;
  const explicit = rtspAuth(settings.factories.compressed.auth, nonceLifetimeSec).publish;
  if (explicit !== undefined) return explicit;
  const token = settings.api.token;
  return token === undefined
    ? undefined
    : { credentials: [{ username: COMPRESSOR_PUSH_USER, password: token }], schemes: ['digest'], nonceLifetimeMs: nonceLifetimeSec * 1000 };
}

/** What a compressor role sends to push to its upstream's Factory 2: explicit, else the API token. */
export function upstreamPushCredentials(u: RemoteNode): { user: string; pass: string } | undefined {
  if (u.pushCredentials !== undefined) return u.pushCredentials;
  return u.apiToken === undefined ? undefined : { user: COMPRESSOR_PUSH_USER, pass: u.apiToken };
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

export async function startNode(options: ServeOptions, log: Logger): Promise<RunningNode> {
  const fileLayer = options.config !== undefined ? await readSettingsFile(options.config) : undefined;
  const settings = settingsFromOptions(options, fileLayer, options.config ?? 'command line');
  const role = settings.node.role;
  const bindHost = settings.node.bindHost;
  const closers: (() => Promise<void> | void)[] = [];
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
    closers.push(() => store.close());

    const metrics = new Metrics();
    const bus = new EventBus();
    const book = new CompressionBook(bus, log.child({ component: 'compression' }));
    const comp = settings.compression;
    const supervision = {
      stallTimeoutMs: comp.stallTimeoutMs,
      backoff: { ...DEFAULT_BACKOFF, initialMs: comp.backoffInitialMs, maxMs: Math.max(comp.backoffMaxMs, comp.backoffInitialMs) },
    };
    const defaultProfile = settings.compression.defaultProfile;
    // Auto-registration (security issue 17.6): explicit, or on only while nothing is secured.
    const factoryAuthConfigured =
      settings.auth.method !== 'internal' || [settings.factories.raw.auth, settings.factories.compressed.auth].some((a) => a.read !== undefined || a.publish !== undefined);
    // Who may publish, read and use the API (issue 14): IP lists, then internal checks or the operator's service.
    const access = accessControlFromSettings(settings.auth, log);
    if (access.external) {
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
    /**
     * A camera's profile: catalog cameras (enabled) get theirs; cameras not (yet) in the catalog the
     * default one only while auto-registration is on (they are being registered), else none: a
     * stranger's publish never starts an encoder (security issue 17.10).
     */
    const cameraProfile = (path: string): CompressionProfile | undefined => {
      const catalog = store.catalog();
      const camera = findCamera(catalog, path);
      if (camera === undefined) return autoRegisterOn() ? catalog.profiles.find((p) => p.id === defaultProfile) : undefined;
      if (!camera.enabled) return undefined;
      return profileFor(catalog, camera, defaultProfile);
    };
    /** The compressor role follows the slave's cameras (the slave admitted them), not this node's catalog. */
    const followedCameraProfile = (path: string): CompressionProfile | undefined => {
      const catalog = store.catalog();
      const camera = findCamera(catalog, path);
      if (camera === undefined) return catalog.profiles.find((p) => p.id === defaultProfile);
      return camera.enabled ? profileFor(catalog, camera, defaultProfile) : undefined;
    };
    const maxWorkers = settings.compression.maxWorkers ?? defaultMaxWorkers();

    const lim = settings.limits;
    const raw = new StreamRegistry('raw', {
      authorize: cameraPublishAuthorizer(store, { enabled: autoRegisterOn, maxRegistrations: autoRegisterMax }, log.child({ component: 'cameras' })),
      unpublishedGraceMs: lim.unpublishedGraceMs,
    });
    const pushAuth = compressedPushAuth(settings);
    const compressed = new StreamRegistry('compressed', {
      // With an external method the operator's service decides who may push (the listener asks it).
      authorize: compressedPublishAuthorizer(store, pushAuth !== undefined || access.external),
      unpublishedGraceMs: lim.unpublishedGraceMs,
    });
    // Memory budgets shared by every listener and reader of this node.
    const inputBudget = new InputBudget({ maxTotalBytes: lim.maxInputBytes, maxConnectionBytes: lim.maxConnectionInputBytes, maxUnauthorisedBytes: lim.maxUnauthorisedInputBytes });
    const outputBudget = new OutputBudget(lim.maxOutputBytes);
    metrics.setSamplers({ budgets: () => ({ inputBytes: inputBudget.totalBytes, outputBytes: outputBudget.totalBytes }) });
    const readerQueue = { maxPendingBytes: lim.readerMaxPendingBytes, maxDroppingMs: lim.readerMaxDroppingMs, budget: outputBudget };
    const admission = {
      maxConnections: lim.maxConnections,
      maxConnectionsPerIp: lim.maxConnectionsPerIp,
      ...(lim.maxUnauthorisedConnections !== undefined ? { maxUnauthorisedConnections: lim.maxUnauthorisedConnections } : {}),
      firstRequestTimeoutMs: lim.firstRequestTimeoutMs,
      authoriseTimeoutMs: lim.authoriseTimeoutMs,
    };
    const rtspLimits = { sessionTimeoutSec: lim.rtspSessionTimeoutSec, mtu: lim.rtpMtu, ...admission, readerQueue };
    closers.push(() => raw.close(), () => compressed.close());
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
      closers.push(() => service.close());
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
      closers.push(() => cert.close());
    }
    const readiness: { name: string; check: () => boolean | Promise<boolean | void> }[] = [{ name: 'store', check: () => store.ping() }];
    let snapshots: SnapshotService | undefined;
    // Every listener is kept bound on its own: one that cannot bind is retried with backoff while
    // the others serve, and readiness names it (the node exits only when asked to).
    const kept: KeptListener<unknown>[] = [];
    const listenerBackoff = { ...DEFAULT_REPLICATION_BACKOFF, initialMs: settings.listeners.retryInitialMs, maxMs: Math.max(settings.listeners.retryMaxMs, settings.listeners.retryInitialMs) };
    /** Run, in order, once a listener that failed to bind is up (for port 0, its port is known only then). */
    const onListenerUp: (() => void)[] = [];
    const keep = async <T extends { port: number; close(): Promise<void> }>(name: string, host: string, port: number, bind: () => Promise<T>): Promise<KeptListener<T>> => {
      const k = await keepListening(bind, {
        name,
        address: `${host}:${port}`,
        backoff: listenerBackoff,
        log,
        onUp: () => onListenerUp.forEach((f) => f()),
      });
      kept.push(k);
      closers.push(() => k.close());
      return k;
    };
    /** A kept listener's bound port; while down, the configured one (null for port 0: not known yet). */
    const portOf = (k: KeptListener<{ port: number }>, configured: number): number | null => k.current?.port ?? (configured === 0 ? null : configured);
    readiness.push({ name: 'listeners', check: listenersReadiness(() => kept) });
    if (role !== 'compressor') {
      const rawSettings = settings.factories.raw;
      const compressedSettings = settings.factories.compressed;
      const rtmpOptions = (port: number): RtmpListenerOptions => ({
        port,
        host: bindHost,
        handshakeTimeoutMs: lim.rtmpHandshakeTimeoutMs,
        idleTimeoutMs: lim.rtmpIdleTimeoutMs,
        ...admission,
        limits: { maxBufferedBytes: lim.maxConnectionInputBytes },
        readerQueue,
        // RTMP play honours the same read credentials as RTSP (security issue 17.9), as ?user=&pass=.
        ...(rawRead !== undefined ? { readCredentials: { user: rawRead.user, pass: rawRead.pass } } : {}),
        access,
      });
      const rtmp = await keep('rtmp', bindHost, rawSettings.rtmpPort, () =>
        startRtmpListener(rtmpOptions(rawSettings.rtmpPort), { registry: raw, log, metrics: metrics.forListener('rtmp', 'raw'), inputBudget }),
      );
      const rtspRaw = await keep('rtsp-raw', bindHost, rawSettings.rtspPort, () =>
        startRtspListener(
          // Cameras that push RTSP (ANNOUNCE/RECORD) land in Factory 1 like RTMP ones, under the same
          // publish policy (known camera and key, or auto-registration).
          { port: rawSettings.rtspPort, host: bindHost, allowPublish: true, auth: rtspAuth(rawSettings.auth, lim.rtspDigestNonceLifetimeSec), access, ...rtspLimits },
          { registry: raw, log, metrics: metrics.forListener('rtsp', 'raw'), inputBudget },
        ),
      );
      const compressedRead = rtspAuth(compressedSettings.auth, lim.rtspDigestNonceLifetimeSec).read;
      const compressedAuth = { ...(compressedRead !== undefined ? { read: compressedRead } : {}), ...(pushAuth !== undefined ? { publish: pushAuth } : {}) };
      const rtspCompressed = await keep('rtsp-compressed', bindHost, compressedSettings.rtspPort, () =>
        startRtspListener(
          { port: compressedSettings.rtspPort, host: bindHost, allowPublish: true, auth: compressedAuth, access, ...rtspLimits },
          { registry: compressed, log, metrics: metrics.forListener('rtsp', 'compressed'), inputBudget },
        ),
      );
      if (pushAuth === undefined && !access.external) {
        log.info('Factory 2 refuses remote RTSP pushes (ANNOUNCE/RECORD): to let a compressor role push, set api.token (--api-token; the compressor sends it) or factories.compressed.auth.publish');
      }
      // The TLS twins of the three listeners: the same listener code with the certificate; RTSPS
      // is TCP interleaved only. Each is off unless its port is set.
      const tlsPort = (p: number | undefined): number | undefined => (certificate === undefined ? undefined : p);
      const rtmpsPort = tlsPort(rawSettings.rtmpsPort);
      const rtspsRawPort = tlsPort(rawSettings.rtspsPort);
      const rtspsCompressedPort = tlsPort(compressedSettings.rtspsPort);
      const rtmps =
        rtmpsPort === undefined
          ? undefined
          : await keep('rtmps', bindHost, rtmpsPort, () =>
              startRtmpListener({ ...rtmpOptions(rtmpsPort), tls: certificate! }, { registry: raw, log, metrics: metrics.forListener('rtmps', 'raw'), inputBudget }),
            );
      const rtspsRaw =
        rtspsRawPort === undefined
          ? undefined
          : await keep('rtsps-raw', bindHost, rtspsRawPort, () =>
              startRtspListener(
                { port: rtspsRawPort, host: bindHost, allowPublish: true, auth: rtspAuth(rawSettings.auth, lim.rtspDigestNonceLifetimeSec), access, ...rtspLimits, tls: certificate! },
                { registry: raw, log, metrics: metrics.forListener('rtsps', 'raw'), inputBudget },
              ),
            );
      const rtspsCompressed =
        rtspsCompressedPort === undefined
          ? undefined
          : await keep('rtsps-compressed', bindHost, rtspsCompressedPort, () =>
              startRtspListener(
                { port: rtspsCompressedPort, host: bindHost, allowPublish: true, auth: compressedAuth, access, ...rtspLimits, tls: certificate! },
                { registry: compressed, log, metrics: metrics.forListener('rtsps', 'compressed'), inputBudget },
              ),
            );
      const mediaPorts = (): void => {
        ports.rtmp = portOf(rtmp, rawSettings.rtmpPort);
        ports.rtsp = portOf(rtspRaw, rawSettings.rtspPort);
        ports.compressedRtsp = portOf(rtspCompressed, compressedSettings.rtspPort);
        ports.rtmps = rtmps === undefined ? null : portOf(rtmps, rtmpsPort!);
        ports.rtsps = rtspsRaw === undefined ? null : portOf(rtspsRaw, rtspsRawPort!);
        ports.compressedRtsps = rtspsCompressed === undefined ? null : portOf(rtspsCompressed, rtspsCompressedPort!);
      };
      mediaPorts();
      onListenerUp.push(mediaPorts);
      // Dashboard thumbnails: grabbed from this node's own Factory 1 RTSP URL.
      const thumbs = localSnapshotService({
        isLive: (id) => raw.get(id)?.live === true,
        get rtspPort() {
          return ports.rtsp ?? 0;
        },
        bindHost,
        ...rawReadCredentials,
      });
      closers.push(() => thumbs.close());
      snapshots = thumbs;
    }

    const endpoints = (apiPort?: number): NodeEndpoint[] => {
      const self = selfEndpoint(settings, {
        ...(ports.rtmp !== null ? { rtmp: ports.rtmp } : {}),
        ...(ports.rtsp !== null ? { rtspRaw: ports.rtsp } : {}),
        ...(ports.compressedRtsp !== null ? { rtspCompressed: ports.compressedRtsp } : {}),
        ...(apiPort !== undefined ? { api: apiPort } : {}),
        ...(ports.rtmps !== null ? { rtmps: ports.rtmps } : {}),
        ...(ports.rtsps !== null ? { rtspsRaw: ports.rtsps } : {}),
        ...(ports.compressedRtsps !== null ? { rtspsCompressed: ports.compressedRtsps } : {}),
      });
      const peer = peerEndpoint(settings);
      if (peer === undefined) return [self];
      // The master learns its slave's real media ports from the slave's API.
      return [self, learntPeerPorts === null ? peer : withLearntPorts(peer, learntPeerPorts)];
    };
    let learntPeerPorts: UpstreamPorts | null = null;
    let boundApiPort: number | undefined;
    const urls = new UrlManager({ endpoints: endpoints(), catalog: store.catalog(), bus });
    const unwire = [
      connectRegistryEvents(raw, { bus, urls, metrics }),
      connectRegistryEvents(compressed, { bus, urls, metrics }),
      connectCatalogEvents(store, bus, urls, metrics),
    ];
    closers.push(() => unwire.forEach((u) => u()));
    // Hooks follow the bus; closing kills every hook command with its process group.
    const hooks = new HookRunner({
      hooks: settings.hooks,
      bus,
      node: { name: settings.node.name, role },
      urlsFor: (path) => urls.get(path),
      log: log.child({ component: 'hooks' }),
    });
    closers.push(() => hooks.close());

    // Compression: the slave's own workers follow Factory 1.
    let compression: CompressionManager | undefined;
    /** Factory 1's RTSP URL of a camera on this node, for its own compression input (read at each start). */
    const ownRawRtspUrl = (path: string): string => localRawRtspUrl({ rtspPort: ports.rtsp ?? 0, bindHost, ...rawReadCredentials }, path);
    if (role === 'slave' && settings.compression.enabled) {
      compression = new CompressionManager({
        raw,
        compressed,
        profileFor: cameraProfile,
        inputUrlFor: ownRawRtspUrl,
        listener: book,
        maxWorkers,
        ...supervision,
        log: log.child({ component: 'compression' }),
      });
      compression.start();
      const manager = compression;
      closers.push(() => manager.close());
    }
    let compressorRole: ReturnType<typeof startCompressorRole> | undefined;
    // Live config: restart only the cameras whose profile changed.
    let catalogBefore = store.catalog();
    const unwatch = store.watch((change) => {
      const diff = diffCatalog(catalogBefore, change.catalog, defaultProfile);
      catalogBefore = change.catalog;
      for (const path of diff.recompress) {
        log.info('camera profile changed; restarting its compression', { camera: path });
        void compression?.updateProfile(path, raw.get(path)?.live ? cameraProfile(path) : undefined);
        // The compressor role follows the slave's cameras, not a local Factory 1.
        void compressorRole?.updateProfile(path, followedCameraProfile(path));
      }
    });
    closers.push(unwatch);

    if (role === 'compressor') {
      const upstream = settings.node.upstreams[0];
      if (upstream === undefined) throw new Error('role compressor needs --upstream http://SLAVE:8080');
      const pushCredentials = upstreamPushCredentials(upstream);
      if (pushCredentials === undefined) {
        log.warn("the upstream has no apiToken or pushCredentials: the slave's Factory 2 will refuse the compressed pushes (--upstream-token, i.e. node.upstreams[].apiToken, set to the slave's api.token)", { upstream: upstream.id });
      }
      const followed = upstreamConfig(upstream);
      compressorRole = startCompressorRole({
        upstream: followed.apiUrl,
        ...(followed.ports !== undefined ? { ports: followed.ports } : {}),
        ...(upstream.apiToken !== undefined ? { apiToken: upstream.apiToken } : {}),
        ...(followed.tls !== undefined ? { tls: followed.tls } : {}),
        ...(pushCredentials !== undefined ? { pushCredentials } : {}),
        ...(upstream.readCredentials !== undefined ? { readCredentials: upstream.readCredentials } : {}),
        profileFor: followedCameraProfile,
        listener: book,
        maxWorkers,
        ...supervision,
        log: log.child({ component: 'compressor' }),
      });
      const r = compressorRole;
      closers.push(() => r.close());
      readiness.push({ name: 'upstream', check: () => r.upstreamReachable });
    }
    // The configured peer (a slave's master): what it has live, and its ports, feed URL management,
    // so this node's best URLs point at the peer when only the peer has a stream.
    const configuredPeer = settings.node.peer;
    if (configuredPeer !== undefined && role !== 'compressor') {
      const peerConfig = upstreamConfig(configuredPeer);
      const peerWatch = new UpstreamWatch(
        peerConfig,
        { ...DEFAULT_WATCH_SETTINGS, pollIntervalMs: settings.replication.pollIntervalMs },
        {
          fetch: fetchFor(peerConfig.tls),
          connectEvents: connectEventSocket,
          now: Date.now,
          log: log.child({ component: 'peer' }),
          onSnapshot: (next) => urls.setPeerLive(next.reachable ? (next.streams ?? []).map((x) => ({ factory: x.factory, path: x.path })) : []),
          onPorts: (learnt) => {
            learntPeerPorts = learnt;
            urls.setEndpoints(endpoints(boundApiPort));
          },
        },
      );
      peerWatch.start();
      closers.push(() => peerWatch.close());
    }

    let replication: ReplicationRunner | undefined;
    if (role === 'master') {
      if (settings.node.upstreams.length === 0) throw new Error('role master needs --upstream http://SLAVE:8080 (the slave API to replicate)');
      // Failover: the same per-camera workers as the slave's, started only for cameras whose
      // compressed feed from the slave is lost.
      const takeover = settings.compression.enabled
        ? new CompressionManager({
            raw,
            compressed,
            follow: false,
            profileFor: cameraProfile,
            inputUrlFor: ownRawRtspUrl,
            listener: book,
            maxWorkers,
            ...supervision,
            log: log.child({ component: 'compression' }),
          })
        : undefined;
      if (takeover !== undefined) {
        takeover.start();
        compression = takeover;
        closers.push(() => takeover.close());
      }
      // Without a configured peer, the master's peer is its first upstream (followed right here).
      const peerId = configuredPeer === undefined ? peerEndpoint(settings)?.name : undefined;
      const r = settings.replication;
      replication = startReplication(
        {
          upstreams: settings.node.upstreams.map(upstreamConfig),
          watch: { pollIntervalMs: r.pollIntervalMs },
          pull: { stallMs: r.stallMs, connectTimeoutMs: r.connectTimeoutMs, backoff: { initialMs: r.backoffInitialMs, maxMs: Math.max(r.backoffMaxMs, r.backoffInitialMs) } },
          failover: { afterMs: r.failoverAfterMs },
        },
        {
          raw,
          compressed,
          ...(takeover !== undefined ? { compression: takeover } : {}),
          compressionWanted: (path) => settings.compression.enabled && cameraProfile(path) !== undefined,
          events: bus,
          listener: {
            onUpstreamStreams: (upstream, streams) => {
              if (upstream === peerId) urls.setPeerLive(streams);
            },
            onUpstreamPorts: (upstream, _host, learnt) => {
              if (upstream !== peerId) return;
              learntPeerPorts = learnt;
              urls.setEndpoints(endpoints(boundApiPort));
            },
          },
          log: log.child({ component: 'replication' }),
        },
      );
      const runner = replication;
      closers.push(() => runner.close());
    }

    // Pulled cameras (catalog cameras with a `source`) land in Factory 1 like pushing ones.
    let sources: SourceRunner | undefined;
    const sourceFailover = role === 'master' && settings.sources.failover && replication !== undefined ? new SourceFailoverPlan(settings.sources.failoverAfterMs) : undefined;
    if (role === 'slave' || sourceFailover !== undefined) {
      const repl = replication;
      const runner = startSources({
        raw,
        catalog: () => store.catalog(),
        watchCatalog: (fn) => store.watch(fn),
        settings: settings.sources,
        events: bus,
        log: log.child({ component: 'sources' }),
        // Master: a camera is pulled here only while the slave replicating it (else every slave) is gone.
        ...(sourceFailover !== undefined && repl !== undefined
          ? {
              failover: {
                active: (camera: string) => {
                  const now = Date.now();
                  const upstreams = repl.upstreams();
                  sourceFailover.observe(upstreams, now);
                  const pull = repl.list().find((p) => p.factory === 'raw' && p.path === camera);
                  return sourceFailover.active(pull !== undefined ? [pull.upstream] : upstreams.map((u) => u.id), now);
                },
              },
            }
          : {}),
      });
      sources = runner;
      raw.setDemandHandler((path) => (runner.isOnDemand(path) ? runner.demand(path) : undefined));
      closers.push(() => runner.close());
    }

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
    closers.push(() => webhooks.close());
    // LL-HLS for both factories (slave and master; replicated cameras too), served by the API.
    const hls = role !== 'compressor' && settings.hls.enabled ? new HlsService({ registries: { raw, compressed }, settings: settings.hls, metrics: metrics.hls }) : undefined;
    if (hls !== undefined) closers.push(() => hls.close());
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
    if (whep !== undefined) closers.push(() => whep.service.close());
    const api = await keep('api', apiHost, settings.api.port, () =>
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
          ...(role !== 'master' || compression !== undefined ? { compression: book } : {}),
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
      boundApiPort = ports.api ?? undefined;
      urls.setEndpoints(endpoints(boundApiPort));
    };
    onListenerUp.push(apiPorts);
    apiPorts();
    return { ports, settings, listenersDown: () => kept.filter((k) => k.down !== null).map((k) => k.name), close };
  } catch (err) {
    await close();
    throw err;
  }
}
