/**
 * The master's replication: follows every upstream (slave API), pulls each listed stream into the
 * master's registry of the same factory (Factory 1 over RTMP, Factory 2 over RTSP/TCP), pauses a
 * path while a camera publishes to the master directly, and takes over compression for cameras
 * whose compressed feed from the slave is lost. All decisions are the pure plan's; this file wires
 * them to timers, sockets and registries.
 */
import type { EventBody } from '../core/events.ts';
import { silentLogger, type Logger } from '../log/logger.ts';
import type { ReplicationSample } from '../metrics/metrics.ts';
import type { StreamRegistry } from '../streams/registry.ts';
import type { Stream } from '../streams/stream.ts';
import type { FactoryName } from '../streams/types.ts';
import { RECONNECT_BACKOFF as DEFAULT_BACKOFF, type BackoffSchedule as BackoffSettings } from '../../protocols/backoff.ts';
import { CompressionFailoverPlan, DEFAULT_FAILOVER, type CameraObservation, type FailoverSettings } from './compression-failover.ts';
import { diffPulls, freshStreams, pullKey, wantedPulls, type UpstreamSnapshot } from './plan.ts';
import { Pull, type PullTarget } from './pull.ts';
import { DEFAULT_PULL_SETTINGS, type PullSettings } from './pull-state.ts';
import type { OpenSource } from './source.ts';
import { openUpstreamSource } from './sources.ts';
import type { PullStatus, ReplicationListener, UpstreamStatus } from './status.ts';
import { DEFAULT_WATCH_SETTINGS, UpstreamWatch, type UpstreamConfig, type UpstreamWatchSettings } from './upstream-watch.ts';
import { fetchFor } from './tls-fetch.ts';
import { connectEventSocket, type EventSocket, type EventSocketOptions } from './ws/event-socket.ts';

export interface ReplicationOptions {
  /** One per slave; on a path listed by two, the earlier upstream wins. */
  readonly upstreams: readonly UpstreamConfig[];
  readonly watch?: Partial<UpstreamWatchSettings>;
  readonly pull?: Partial<Omit<PullSettings, 'backoff'>> & { readonly backoff?: Partial<BackoffSettings> };
  readonly failover?: Partial<FailoverSettings>;
  /** Period of the timer that drives retries, stall detection and failover. Defaults to 200 ms. */
  readonly tickMs?: number;
}

/** The master's compression, started/stopped per camera on failover (CompressionManager fits). */
export interface LocalCompression {
  startCamera(path: string): unknown;
  stopCamera(path: string): unknown;
}

export interface ReplicationDeps {
  /** The master's Factory 1 and Factory 2. */
  readonly raw: StreamRegistry;
  readonly compressed: StreamRegistry;
  /** Opens upstream play sessions. Defaults to the RTMP (raw) / RTSP over TCP (compressed) clients. */
  readonly openSource?: OpenSource;
  /** Compression failover; without it the master never compresses. */
  readonly compression?: LocalCompression;
  /** Whether a camera should be compressed at all (has a profile, compression enabled). Default: yes. */
  readonly compressionWanted?: (path: string) => boolean;
  /** Where `replication.state` and `replication.failover` events go (the API's EventBus fits). */
  readonly events?: { publish(body: EventBody): unknown };
  readonly listener?: ReplicationListener;
  readonly log?: Logger;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly fetch?: typeof fetch;
  readonly connectEvents?: (o: EventSocketOptions) => EventSocket;
}

export interface ReplicationRunner {
  /** Every pull with its state (API). */
  list(): PullStatus[];
  /** The metrics sampler (Metrics' `replication` sampler). */
  samples(): ReplicationSample[];
  upstreams(): UpstreamStatus[];
  /** Cameras the master compresses itself right now. */
  failovers(): string[];
  close(): Promise<void>;
}

function settingsFrom(o: ReplicationOptions): { pull: PullSettings; watch: UpstreamWatchSettings; failover: FailoverSettings } {
  const { backoff, ...pull } = o.pull ?? {};
  return {
    pull: { ...DEFAULT_PULL_SETTINGS, ...pull, backoff: { ...DEFAULT_BACKOFF, ...backoff } },
    watch: { ...DEFAULT_WATCH_SETTINGS, ...o.watch },
    failover: { ...DEFAULT_FAILOVER, ...o.failover },
  };
}

export function startReplication(options: ReplicationOptions, deps: ReplicationDeps): ReplicationRunner {
  const ids = new Set<string>();
  for (const u of options.upstreams) {
    if (ids.has(u.id)) throw new Error(`replication: upstream id "${u.id}" is used twice`);
    ids.add(u.id);
  }
  const settings = settingsFrom(options);
  const log = deps.log ?? silentLogger;
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const registries: Record<FactoryName, StreamRegistry> = { raw: deps.raw, compressed: deps.compressed };
  const pulls = new Map<string, Pull>();
  const failover = new CompressionFailoverPlan(settings.failover);
  let closed = false;

  const status = (p: Pull): PullStatus => {
    const s = p.state;
    const t = now();
    const delay = p.addedDelayMs();
    return {
      factory: p.factory,
      path: p.path,
      upstream: p.upstreamId,
      url: p.url,
      state: s.kind,
      ...(p.detail !== undefined ? { detail: p.detail } : {}),
      since: new Date(s.since === 0 ? t : s.since).toISOString(),
      ...(s.kind === 'backoff' || s.kind === 'stalled' ? { retryAt: new Date(s.retryAt).toISOString() } : {}),
      reconnects: p.reconnects,
      bytes: p.totalBytes(),
      frames: p.frames,
      secondsSinceLastFrame: p.lastFrameAt === null ? null : (t - p.lastFrameAt) / 1000,
      addedDelaySeconds: delay === null ? null : delay / 1000,
    };
  };

  const onChange = (p: Pull): void => {
    const st = status(p);
    const fields = { factory: st.factory, path: st.path, upstream: st.upstream, state: st.state, detail: st.detail };
    if (st.state === 'live' || st.state === 'stopped') log.info('replication state', fields);
    else log.debug('replication state', fields);
    deps.events?.publish({
      type: 'replication.state',
      factory: st.factory,
      path: st.path,
      state: st.state,
      upstream: st.upstream,
      ...(st.detail !== undefined ? { detail: st.detail } : {}),
    });
    deps.listener?.onState?.(st);
  };

  const watches: UpstreamWatch[] = [];
  const watchById = new Map<string, UpstreamWatch>();

  const targetFor = (watch: UpstreamWatch, factory: FactoryName, path: string): PullTarget => {
    const ports = watch.ports;
    const host = watch.host.includes(':') ? `[${watch.host}]` : watch.host;
    // Over TLS whenever the upstream offers it (its node info announces the TLS port).
    const rtmps = ports.rtmps ?? null;
    const rtsps = ports.rtspsCompressed ?? null;
    const url =
      factory === 'raw'
        ? rtmps !== null ? `rtmps://${host}:${rtmps}/${path}` : `rtmp://${host}:${ports.rtmp}/${path}`
        : rtsps !== null ? `rtsps://${host}:${rtsps}/${path}` : `rtsp://${host}:${ports.rtspCompressed}/${path}`;
    return { url, credentials: watch.config.readCredentials, tls: watch.config.tls };
  };

  const createPull = (factory: FactoryName, path: string, watch: UpstreamWatch): Pull =>
    new Pull(factory, path, watch.config.id, {
      registry: registries[factory],
      open: deps.openSource ?? openUpstreamSource,
      target: () => targetFor(watch, factory, path),
      settings: settings.pull,
      now,
      random,
      log: log.child({ factory, path, upstream: watch.config.id }),
      onChange,
    });

  const reconcile = (): void => {
    const wanted = wantedPulls(watches.map((w) => w.snapshot));
    const existing = new Map([...pulls].map(([k, p]) => [k, p.upstreamId]));
    const diff = diffPulls(wanted, existing);
    for (const key of diff.remove) {
      const pull = pulls.get(key);
      pulls.delete(key);
      pull?.stop('not-listed', true);
    }
    for (const w of diff.add) {
      const watch = watchById.get(w.upstreamId);
      if (watch === undefined) continue;
      const pull = createPull(w.factory, w.path, watch);
      pulls.set(w.key, pull);
      pull.evaluate();
    }
  };

  const onSnapshot = (next: UpstreamSnapshot, previous: UpstreamSnapshot): void => {
    if (closed) return;
    reconcile();
    for (const key of freshStreams(previous, next)) {
      const pull = pulls.get(key);
      if (pull !== undefined && pull.upstreamId === next.upstreamId) pull.dispatch({ type: 'kick' });
    }
    deps.listener?.onUpstreamStreams?.(next.upstreamId, next.reachable ? (next.streams ?? []).map((s) => ({ factory: s.factory, path: s.path })) : []);
  };

  for (const config of options.upstreams) {
    const watch = new UpstreamWatch(config, settings.watch, {
      fetch: deps.fetch ?? fetchFor(config.tls),
      connectEvents: deps.connectEvents ?? connectEventSocket,
      now,
      log: log.child({ upstream: config.id }),
      onSnapshot,
      onPorts: (ports) => deps.listener?.onUpstreamPorts?.(config.id, watch.host, ports),
    });
    watches.push(watch);
    watchById.set(config.id, watch);
  }

  // ---- precedence: react to local publishers coming and going ----
  const onLocalChange = (factory: FactoryName) => (stream: Stream): void => {
    if (closed) return;
    const pull = pulls.get(pullKey(factory, stream.path));
    if (pull === undefined) return;
    const kind = pull.state.kind;
    // A stopped pull may resume (the direct publisher left); a running one pauses if a direct
    // publisher took the path (the registry lets it pre-empt our copy).
    if (kind === 'stopped' || ((kind === 'connecting' || kind === 'live') && stream.publisher !== null && stream.publisher.kind !== 'replication')) {
      pull.evaluate();
    }
  };
  const handlers = (['raw', 'compressed'] as const).map((factory) => {
    const h = onLocalChange(factory);
    registries[factory].on('stream.up', h);
    registries[factory].on('stream.down', h);
    return { factory, h };
  });

  // ---- compression failover ----
  const upstreamListsCompressed = (path: string): boolean =>
    watches.some((w) => w.snapshot.reachable && (w.snapshot.streams ?? []).some((s) => s.factory === 'compressed' && s.path === path && s.publisherKind !== 'replication'));
  const observations = (): CameraObservation[] => {
    const paths = new Set<string>(failover.active);
    for (const s of deps.raw.live()) paths.add(s.path);
    const wanted = deps.compressionWanted ?? (() => true);
    return [...paths].map((path) => ({
      path,
      rawLive: deps.raw.get(path)?.live ?? false,
      upstreamCompressed: upstreamListsCompressed(path) || pulls.get(pullKey('compressed', path))?.state.kind === 'live',
      wanted: wanted(path),
    }));
  };
  const runFailover = (): void => {
    const compression = deps.compression;
    if (compression === undefined) return;
    const decision = failover.update(observations(), now());
    for (const path of decision.stop) {
      log.info('compression failover ended: the slave compresses this camera again', { path });
      void Promise.resolve(compression.stopCamera(path)).catch((err: unknown) => log.warn('stopping local compression failed', { path, error: (err as Error).message }));
      deps.listener?.onFailover?.(path, false);
      deps.events?.publish({ type: 'replication.failover', camera: path, change: 'handback' });
    }
    for (const path of decision.start) {
      log.warn('compression failover: the slave compressed stream is missing, compressing on the master', { path, afterMs: settings.failover.afterMs });
      void Promise.resolve(compression.startCamera(path)).catch((err: unknown) => log.warn('starting local compression failed', { path, error: (err as Error).message }));
      deps.listener?.onFailover?.(path, true);
      deps.events?.publish({ type: 'replication.failover', camera: path, change: 'failover' });
    }
  };

  const tick = (): void => {
    if (closed) return;
    for (const pull of [...pulls.values()]) {
      if (pull.state.kind === 'stopped') pull.evaluate();
      else pull.dispatch({ type: 'tick' });
    }
    runFailover();
  };
  const timer = setInterval(tick, options.tickMs ?? 200);
  timer.unref();
  for (const w of watches) w.start();
  log.info('replication started', { upstreams: options.upstreams.map((u) => ({ id: u.id, apiUrl: u.apiUrl })) });

  return {
    list: () => [...pulls.values()].map(status),
    samples: () =>
      [...pulls.values()].map((p) => {
        const s = status(p);
        return {
          factory: s.factory,
          path: s.path,
          state: s.state,
          source: p.source,
          reconnects: s.reconnects,
          bytes: s.bytes,
          secondsSinceLastFrame: s.secondsSinceLastFrame,
          addedDelaySeconds: s.addedDelaySeconds,
        };
      }),
    upstreams: () =>
      watches.map((w) => ({
        id: w.config.id,
        apiUrl: w.config.apiUrl,
        reachable: w.snapshot.reachable,
        eventsConnected: w.eventsConnected,
        error: w.lastError,
        host: w.host,
        ports: w.ports,
        streams: w.snapshot.streams?.length ?? 0,
      })),
    failovers: () => [...failover.active],
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      for (const w of watches) w.close();
      for (const { factory, h } of handlers) {
        registries[factory].off('stream.up', h);
        registries[factory].off('stream.down', h);
      }
      const all = [...pulls.values()];
      pulls.clear();
      for (const pull of all) pull.stop('shutdown', true);
      const compression = deps.compression;
      if (compression !== undefined) {
        await Promise.allSettled(failover.clear().map((path) => Promise.resolve(compression.stopCamera(path))));
      }
    },
  };
}
