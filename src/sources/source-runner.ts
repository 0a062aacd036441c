/**
 * Pulled cameras: every enabled catalog camera with a `source` URL is pulled into Factory 1 by the
 * same pull engine replication uses (src/replication/pull.ts: backoff with jitter, stall detection,
 * states), publishing as 'source'. From the registry on, such a camera is served, compressed,
 * replicated and measured like a pushing one.
 *
 * Always-on sources start at once; `sourceOnDemand` ones start when a reader asks for the path
 * (demand()) and stop `onDemandCloseAfterMs` after the last reader left. The catalog is followed
 * live: a changed source (URL, credentials, transport, mode) restarts only that camera.
 */
import type { EventBody } from '../core/events.ts';
import type { Catalog } from '../config/catalog.ts';
import type { SourcesSettings } from '../config/settings.ts';
import type { Camera } from '../config/model.ts';
import { silentLogger, type Logger } from '../log/logger.ts';
import { Pull } from '../replication/pull.ts';
import { DEFAULT_PULL_SETTINGS, type PullSettings } from '../replication/pull-state.ts';
import type { OpenSource } from '../replication/source.ts';
import { RECONNECT_BACKOFF } from '../../protocols/backoff.ts';
import type { StreamRegistry } from '../streams/registry.ts';
import { maskSecret } from './mask-secret.ts';
import { cameraSourceOpener, newTransportMemory, type TransportMemory } from './open-camera-source.ts';
import { sourceState, type SourceStatus } from './source-status.ts';

export interface SourceRunnerDeps {
  readonly raw: StreamRegistry;
  readonly catalog: () => Catalog;
  /** Calls back on every catalog change; returns the unsubscribe function. */
  readonly watchCatalog: (onChange: () => void) => () => void;
  readonly settings: SourcesSettings;
  /** `source.state` events (the API's EventBus fits). */
  readonly events?: { publish(body: EventBody): unknown };
  readonly log?: Logger;
  readonly now?: () => number;
  readonly random?: () => number;
  /** Builds a camera's opener; tests pass scripted sources. Defaults to Cupola's RTSP/RTMP clients. */
  readonly opener?: (camera: Camera, memory: TransportMemory) => OpenSource;
  /** Period of the timer that drives retries, stalls and on-demand closing. Defaults to 200 ms. */
  readonly tickMs?: number;
  /**
   * Master (`sources.failover`): a camera is pulled only while this says the slave that pulls it is
   * gone; when it turns false the pull stops (handed back). Absent (slave): always pulled.
   */
  readonly failover?: { active(camera: string): boolean };
}

export interface SourceSample {
  readonly camera: string;
  readonly state: SourceStatus['state'];
  /** Identity for cumulative counters: one per pull. */
  readonly source: object;
  readonly restarts: number;
  readonly bytes: number;
  readonly secondsSinceLastFrame: number | null;
}

export interface SourceRunner {
  list(): SourceStatus[];
  get(camera: string): SourceStatus | undefined;
  samples(): SourceSample[];
  /** Whether `path` is a camera this runner pulls on demand. */
  isOnDemand(path: string): boolean;
  /**
   * A reader asks for `path`: starts its on-demand source if needed. Resolves true once the stream
   * has a keyframe to serve, false when it has none within onDemandStartTimeoutMs (or no source).
   */
  demand(path: string): Promise<boolean>;
  close(): void;
}

interface Entry {
  readonly camera: Camera;
  /** The fields whose change restarts the pull. */
  readonly key: string;
  readonly pull: Pull;
  readonly memory: TransportMemory;
  /** on-demand: a reader asked; cleared when the pull is closed for lack of readers. */
  demanded: boolean;
  /** on-demand: when the stream last had no reader while pulling (ms), null while it has some. */
  unreadSince: number | null;
  /** Master: taken over from the slave right now. */
  takenOver: boolean;
}

function sourceKey(c: Camera): string {
  return JSON.stringify([c.source, c.sourceTransport, c.sourceOnDemand, c.sourceUser, c.sourcePass]);
}

function pullSettings(s: SourcesSettings): PullSettings {
  return {
    ...DEFAULT_PULL_SETTINGS,
    stallMs: s.stallMs,
    connectTimeoutMs: s.connectTimeoutMs,
    backoff: { ...RECONNECT_BACKOFF, initialMs: s.backoffInitialMs, maxMs: Math.max(s.backoffMaxMs, s.backoffInitialMs) },
  };
}

/** How often demand() looks whether the stream has its first keyframe (ms). */
const DEMAND_POLL_MS = 50;

export function startSources(deps: SourceRunnerDeps): SourceRunner {
  const log = deps.log ?? silentLogger;
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const settings = pullSettings(deps.settings);
  const entries = new Map<string, Entry>();
  const opener = deps.opener ?? ((camera: Camera, memory: TransportMemory) => cameraSourceOpener({ transport: camera.sourceTransport ?? 'auto', udpFallbackMs: deps.settings.udpFallbackMs }, memory));
  let closed = false;

  const status = (e: Entry): SourceStatus => {
    const p = e.pull;
    const s = p.state;
    const t = now();
    const c = e.camera;
    const detail = p.detail;
    const state = sourceState(s);
    return {
      camera: c.id,
      url: c.source!,
      scheme: new URL(c.source!).protocol.replace(/:$/, ''),
      transport: c.sourceTransport ?? 'auto',
      activeTransport: e.memory.current,
      ...(e.memory.udpFailed !== null ? { udpFallback: maskSecret(e.memory.udpFailed, c.sourcePass) } : {}),
      onDemand: c.sourceOnDemand === true,
      state,
      ...(detail !== undefined && state !== 'idle' ? { lastError: detail } : {}),
      since: new Date(s.since === 0 ? t : s.since).toISOString(),
      ...(s.kind === 'backoff' || s.kind === 'stalled' ? { retryAt: new Date(s.retryAt).toISOString() } : {}),
      restarts: p.reconnects,
      bytes: p.totalBytes(),
      frames: p.frames,
      secondsSinceLastFrame: p.lastFrameAt === null ? null : (t - p.lastFrameAt) / 1000,
      readers: deps.raw.get(c.id)?.readerCount() ?? 0,
    };
  };

  const onChange = (e: Entry): void => {
    if (closed && e.pull.state.kind !== 'stopped') return;
    const st = status(e);
    const fields = { camera: st.camera, state: st.state, ...(st.lastError !== undefined ? { error: st.lastError } : {}) };
    if (st.state === 'failed' || st.state === 'stalled') log.warn('source state', fields);
    else log.info('source state', fields);
    deps.events?.publish({ type: 'source.state', camera: st.camera, state: st.state, ...(st.lastError !== undefined ? { detail: st.lastError } : {}) });
  };

  const create = (camera: Camera): Entry => {
    const memory = newTransportMemory();
    const secret = camera.sourcePass;
    const redact = (text: string): string => maskSecret(text, secret);
    const entry: Entry = {
      camera,
      key: sourceKey(camera),
      memory,
      demanded: false,
      unreadSince: null,
      takenOver: false,
      pull: new Pull('raw', camera.id, 'source', {
        registry: deps.raw,
        open: opener(camera, memory),
        // RTSP answers the camera's Digest/Basic challenge with them; RTMP puts them in the query.
        target: () => ({ url: camera.source!, ...(camera.sourceUser !== undefined ? { credentials: { user: camera.sourceUser, pass: camera.sourcePass ?? '' } } : {}) }),
        settings,
        now,
        random,
        log: log.child({ camera: camera.id }),
        onChange: () => onChange(entry),
        publisherKind: 'source',
        label: 'source',
        redact,
      }),
    };
    return entry;
  };

  const wanted = (): Map<string, Camera> => {
    const out = new Map<string, Camera>();
    for (const c of deps.catalog().cameras) if (c.enabled && c.source !== undefined) out.set(c.id, c);
    return out;
  };

  const running = (e: Entry): boolean => (deps.failover === undefined || e.takenOver) && (e.camera.sourceOnDemand !== true || e.demanded);

  /** Master: follows the failover decision; returns false when the camera is the slave's now. */
  const followFailover = (e: Entry): void => {
    if (deps.failover === undefined) return;
    const active = deps.failover.active(e.camera.id);
    if (active === e.takenOver) return;
    e.takenOver = active;
    if (active) {
      log.warn('source failover: the slave that pulls this camera is unreachable; pulling it here', { camera: e.camera.id });
    } else {
      log.info('source failover ended: the slave is back; handing the camera back', { camera: e.camera.id });
      e.pull.stop('idle');
    }
  };

  const reconcile = (): void => {
    if (closed) return;
    const want = wanted();
    for (const [id, e] of entries) {
      const c = want.get(id);
      if (c !== undefined && sourceKey(c) === e.key) continue;
      entries.delete(id);
      e.pull.stop('not-listed', true);
      if (c !== undefined) log.info('camera source changed; reconnecting', { camera: id });
    }
    for (const [id, c] of want) {
      if (entries.has(id)) continue;
      const e = create(c);
      entries.set(id, e);
      followFailover(e);
      if (running(e)) e.pull.evaluate();
    }
  };

  const tick = (): void => {
    if (closed) return;
    const t = now();
    for (const e of [...entries.values()]) {
      followFailover(e);
      if (e.camera.sourceOnDemand === true && e.demanded) {
        const readers = deps.raw.get(e.camera.id)?.subscriberCount ?? 0;
        if (readers > 0) e.unreadSince = null;
        else if (e.unreadSince === null) e.unreadSince = t;
        else if (t - e.unreadSince >= deps.settings.onDemandCloseAfterMs) {
          log.info('on-demand source closed: no reader left', { camera: e.camera.id, afterMs: deps.settings.onDemandCloseAfterMs });
          e.demanded = false;
          e.unreadSince = null;
          e.pull.stop('idle');
          continue;
        }
      }
      if (!running(e)) continue;
      if (e.pull.state.kind === 'stopped') e.pull.evaluate();
      else e.pull.dispatch({ type: 'tick' });
    }
  };

  // A pusher that leaves the path lets a waiting source resume at once (not at the next tick).
  const onDown = (stream: { path: string }): void => {
    const e = entries.get(stream.path);
    if (e !== undefined && running(e) && e.pull.state.kind === 'stopped') e.pull.evaluate();
  };
  deps.raw.on('stream.down', onDown);

  const unwatch = deps.watchCatalog(reconcile);
  const timer = setInterval(tick, deps.tickMs ?? 200);
  timer.unref();
  reconcile();

  const hasKeyframe = (path: string): boolean => deps.raw.get(path)?.startable === true;

  return {
    list: () => [...entries.values()].map(status),
    get: (camera) => {
      const e = entries.get(camera);
      return e === undefined ? undefined : status(e);
    },
    samples: () =>
      [...entries.values()].map((e) => {
        const s = status(e);
        return { camera: s.camera, state: s.state, source: e.pull.source, restarts: s.restarts, bytes: s.bytes, secondsSinceLastFrame: s.secondsSinceLastFrame };
      }),
    isOnDemand: (path) => entries.get(path)?.camera.sourceOnDemand === true,
    demand(path) {
      const e = entries.get(path);
      if (e === undefined || closed) return Promise.resolve(false);
      // Master: the slave pulls this camera; a reader here waits for replication, not for us.
      if (deps.failover !== undefined && !e.takenOver) return Promise.resolve(false);
      e.unreadSince = null;
      if (!e.demanded) {
        e.demanded = true;
        log.info('on-demand source starting: a reader asked', { camera: path });
        if (e.pull.state.kind === 'stopped') e.pull.evaluate();
      }
      if (hasKeyframe(path)) return Promise.resolve(true);
      const deadline = now() + deps.settings.onDemandStartTimeoutMs;
      return new Promise((resolve) => {
        const poll = setInterval(() => {
          if (hasKeyframe(path)) {
            clearInterval(poll);
            resolve(true);
          } else if (closed || now() >= deadline) {
            clearInterval(poll);
            resolve(false);
          }
        }, DEMAND_POLL_MS); // kept referenced: bounded by the start timeout, and a reader waits on it
      });
    },
    close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      unwatch();
      deps.raw.off('stream.down', onDown);
      for (const e of entries.values()) e.pull.stop('shutdown', true);
      entries.clear();
    },
  };
}
