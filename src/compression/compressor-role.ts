/**
 * The `compressor` role of the 3-machine layout: follows a slave's live cameras (its API, polled;
 * its event stream, when reachable, only makes the next poll happen at once), and for each raw
 * stream runs one worker whose ffmpeg reads the slave's Factory 1 over RTSP/TCP and pushes the
 * compressed result to the slave's Factory 2 with RTSP ANNOUNCE/RECORD over TCP.
 *
 * A failed poll changes nothing (cameras keep running; their ffmpeg backs off by itself if the
 * slave is really gone); polls retry with capped exponential backoff. Only a successful listing
 * that no longer shows a camera stops it.
 *
 * The slave's media ports come from its GET /api/v1/node, asked again whenever it was unreachable or
 * its event stream closed (a restarted slave may have moved). The ports it last announced stay in
 * effect until it announces others; no camera starts before they are known (a slave without that
 * route, 404, gets the configured ports), so ffmpeg never dials default ports another program may
 * serve. Cameras whose URLs changed are restarted.
 */
import type { ClientTls } from '../net/client-socket.ts';
import { fetchFor } from '../replication/tls-fetch.ts';
import { silentLogger, type Logger } from '../log/logger.ts';
import { parseNodeInfo, parseStreamListing, type UpstreamPorts } from '../replication/upstream-api.ts';
import { DEFAULT_UPSTREAM_PORTS } from '../replication/upstream-watch.ts';
import { connectEventSocket, type EventSocket } from '../replication/ws/event-socket.ts';
import { Backoff } from '../../workers/backoff.ts';
import { DEFAULT_BACKOFF, DEFAULT_COMPRESSION_PROFILE, type BackoffOptions, type CompressionProfile } from '../../workers/messages.ts';
import { CameraWorker, type CompressorWorker } from './camera-worker.ts';
import { COMPRESSOR_WORKER_ENTRY, sameProfile } from './compression-manager.ts';
import { CompressionQueue } from './compression-queue.ts';
import type { CameraCompressionStatus, CompressionListener } from './compression-status.ts';
import { startWorker } from './start-worker.ts';

export interface CompressorRoleOptions {
  /** The slave's API base URL, e.g. `http://slave:8080`. */
  readonly upstream: string;
  /** Bearer token of the slave's API. */
  readonly apiToken?: string;
  /** An https:// API: how its certificate is checked (node.upstreams[].tlsCaFile / tlsInsecure). */
  readonly tls?: ClientTls;
  /** The slave's media ports when its API does not announce them (settings). Defaults to 1935/8554/8555. */
  readonly ports?: Partial<UpstreamPorts>;
  /** Profile per camera; undefined skips the camera. Defaults to DEFAULT_COMPRESSION_PROFILE for all. */
  readonly profileFor?: (path: string) => CompressionProfile | undefined;
  /**
   * Sent when pushing to the slave's Factory 2 (RTSP Digest/Basic, as ffmpeg URL user info): the
   * slave's `factories.compressed.auth.publish`, or user `compressor` with its API token. Never logged.
   */
  readonly pushCredentials?: { readonly user: string; readonly pass: string };
  /** Sent when reading the slave's Factory 1 (its `factories.raw.auth.read`). Never logged. */
  readonly readCredentials?: { readonly user: string; readonly pass: string };
  /** Where ffmpeg reads a camera. Defaults to rtsp://UPSTREAM_HOST:<slave's raw RTSP port>/path. */
  readonly rawRtspUrl?: (path: string) => string;
  /** Where ffmpeg pushes. Defaults to rtsp://UPSTREAM_HOST:<slave's compressed RTSP port>/path. */
  readonly compressedRtspUrl?: (path: string) => string;
  /** Time between two listings of the slave's streams (ms). Defaults to 3000. */
  readonly pollIntervalMs?: number;
  /** Per request (ms). Defaults to 3000. */
  readonly requestTimeoutMs?: number;
  /** Subscribe to the slave's /api/v1/events to react at once. Defaults to true. */
  readonly followEvents?: boolean;
  /** Retry schedule of failed polls and of each camera's ffmpeg. */
  readonly backoff?: BackoffOptions;
  /** No ffmpeg progress for this long restarts it (ms). Defaults to 10000. */
  readonly stallTimeoutMs?: number;
  readonly ffmpegPath?: string;
  /** ffmpeg running at once; more cameras wait `queued`. Defaults to the CPU count (compression.maxWorkers). */
  readonly maxWorkers?: number;
  readonly listener?: CompressionListener;
  readonly log?: Logger;
  readonly now?: () => number;
  readonly createWorker?: () => CompressorWorker;
}

export interface CompressorRole {
  /** Status of every camera being compressed. */
  list(): CameraCompressionStatus[];
  /** Whether the last poll of the slave's API succeeded (for /readyz). */
  readonly upstreamReachable: boolean;
  /**
   * The camera's effective profile changed (this node's catalog): restarts only its worker, and only
   * if the profile really differs; undefined stops compressing it. Resolves once the old ffmpeg is gone.
   */
  updateProfile(path: string, profile: CompressionProfile | undefined): Promise<void>;
  close(): Promise<void>;
}

/** Cameras to compress: the raw streams of a listing. Pure. */
export function camerasToCompress(listing: ReturnType<typeof parseStreamListing>): Set<string> {
  return new Set(listing.filter((s) => s.factory === 'raw').map((s) => s.path));
}

/** Per camera path, the bitrates (bit/s) the slave measures on its raw and compressed streams. Pure. */
export function listingBitrates(items: unknown): Map<string, { raw: number; compressed: number }> {
  const out = new Map<string, { raw: number; compressed: number }>();
  if (!Array.isArray(items)) return out;
  for (const item of items.slice(0, MAX_LISTED_BITRATES)) {
    if (typeof item !== 'object' || item === null) continue;
    const { factory, path, bitrateBps } = item as { factory?: unknown; path?: unknown; bitrateBps?: unknown };
    if (typeof path !== 'string' || (factory !== 'raw' && factory !== 'compressed')) continue;
    if (typeof bitrateBps !== 'number' || !Number.isFinite(bitrateBps) || bitrateBps < 0) continue;
    const entry = out.get(path) ?? { raw: 0, compressed: 0 };
    entry[factory] = bitrateBps;
    out.set(path, entry);
  }
  return out;
}
const MAX_LISTED_BITRATES = 10_000;

/** GET /api/v1/streams answers `{items: [...]}`; the shared parser reads arrays and `{streams}`. */
function unwrapItems(body: unknown): unknown {
  if (typeof body === 'object' && body !== null && Array.isArray((body as { items?: unknown }).items)) {
    return (body as { items: unknown[] }).items;
  }
  return body;
}

export function startCompressorRole(o: CompressorRoleOptions): CompressorRole {
  const log = o.log ?? silentLogger;
  const now = o.now ?? Date.now;
  const base = o.upstream.replace(/\/+$/, '');
  const host = new URL(base).hostname;
  const backoffOptions = o.backoff ?? DEFAULT_BACKOFF;
  const pollBackoff = new Backoff(backoffOptions);
  const cameras = new Map<string, CameraWorker>();
  /** Per path, the stop in progress: a camera is started again only once its old ffmpeg is gone. */
  const stopping = new Map<string, Promise<void>>();
  /** Cameras over the worker cap. */
  const queue = new CompressionQueue(o.maxWorkers, o.listener, now);
  const busy = (): number => cameras.size + stopping.size;
  const configuredPorts: UpstreamPorts = { ...DEFAULT_UPSTREAM_PORTS, ...o.ports };
  /** The ports the slave last announced (configured ones after a 404); null until known. */
  let ports: UpstreamPorts | null = null;
  /** Ask /api/v1/node again at the next poll (start, after the slave was unreachable, events closed). */
  let nodeStale = true;
  let bitrates = new Map<string, { raw: number; compressed: number }>();
  let reachable = false;
  let closed = false;
  let timer: NodeJS.Timeout | null = null;
  let polling = false;
  let pollAgain = false;
  let events: EventSocket | null = null;
  let eventsTimer: NodeJS.Timeout | null = null;

  const apiFetch = fetchFor(o.tls);
  const headers: Record<string, string> = o.apiToken !== undefined ? { authorization: `Bearer ${o.apiToken}` } : {};
  const getJson = async (path: string): Promise<unknown> => {
    const res = await apiFetch(`${base}${path}`, { headers, signal: AbortSignal.timeout(o.requestTimeoutMs ?? 3000) });
    if (!res.ok) {
      await res.body?.cancel();
      throw Object.assign(new Error(`GET ${path}: HTTP ${res.status}`), { status: res.status });
    }
    return (await res.json()) as unknown;
  };

  const rawUrl = (path: string): string =>
    o.rawRtspUrl?.(path) ?? `rtsp://${host}:${(ports ?? configuredPorts).rtspRaw}/${path}`;
  const pushUrl = (path: string): string =>
    o.compressedRtspUrl?.(path) ?? `rtsp://${host}:${(ports ?? configuredPorts).rtspCompressed}/${path}`;
  /** ffmpeg takes RTSP credentials as URL user info (percent-encoded); the logged URL stays without. */
  const withCredentials = (url: string, c: { readonly user: string; readonly pass: string } | undefined): string => {
    if (c === undefined) return url;
    const u = new URL(url);
    u.username = encodeURIComponent(c.user);
    u.password = encodeURIComponent(c.pass);
    return u.toString();
  };

  const startCamera = (path: string, profile: CompressionProfile): void => {
    const cam = new CameraWorker(path, profile, {
      compressed: null,
      raw: null,
      remoteBitrates: () => {
        const b = bitrates.get(path);
        return b === undefined ? undefined : { inputBps: b.raw, outputBps: b.compressed };
      },
      createWorker: o.createWorker ?? (() => startWorker(COMPRESSOR_WORKER_ENTRY, { name: `compress:${path}` })),
      inputUrl: withCredentials(rawUrl(path), o.readCredentials),
      output: { kind: 'push', url: withCredentials(pushUrl(path), o.pushCredentials) },
      stallTimeoutMs: o.stallTimeoutMs ?? 10_000,
      backoff: backoffOptions,
      ...(o.ffmpegPath !== undefined ? { ffmpegPath: o.ffmpegPath } : {}),
      stopTimeoutMs: 5000,
      onStatus: (s, change) => o.listener?.onStatus(s, change),
      log: log.child({ component: 'compressor', path }),
      now,
    });
    cameras.set(path, cam);
    log.info('compressing camera', { path, profile: profile.id, from: rawUrl(path), to: pushUrl(path) });
    cam.start();
  };

  const stopCamera = (path: string, reason = 'camera gone from the slave'): Promise<void> => {
    const cam = cameras.get(path);
    if (cam === undefined) return stopping.get(path) ?? Promise.resolve();
    cameras.delete(path);
    log.info(`${reason}; stopping its compression`, { path });
    const done: Promise<void> = cam.stop().finally(() => {
      if (stopping.get(path) === done) stopping.delete(path);
      o.listener?.onRemoved?.(path);
      drain();
    });
    stopping.set(path, done);
    return done;
  };

  /** Starts a camera now, or queues it when every worker slot is taken. */
  const admit = (path: string, profile: CompressionProfile): void => {
    if (queue.hasSlot(busy())) startCamera(path, profile);
    else {
      queue.add(path, profile);
      log.info('compression queued: all worker slots busy', { path, maxWorkers: queue.maxWorkers, queued: queue.size });
    }
  };

  /** A slot freed: start the longest-waiting cameras that fit. */
  const drain = (): void => {
    while (!closed && queue.hasSlot(busy())) {
      const next = queue.take((path) => !stopping.has(path) && !cameras.has(path));
      if (next === undefined) return;
      startCamera(next.path, next.profile);
    }
  };

  const learnPorts = async (): Promise<void> => {
    let next: UpstreamPorts | null = null;
    try {
      next = { ...configuredPorts, ...parseNodeInfo(await getJson('/api/v1/node')).ports };
    } catch (err) {
      if ((err as { status?: unknown }).status !== 404) {
        // Says nothing about the ports: keep those known, ask again at the next poll.
        log.debug('slave node info unavailable', { error: (err as Error).message });
        return;
      }
      next = ports ?? configuredPorts; // an API without /api/v1/node
    }
    nodeStale = false;
    const before = ports;
    if (before !== null && before.rtmp === next.rtmp && before.rtspRaw === next.rtspRaw && before.rtspCompressed === next.rtspCompressed) return;
    ports = next;
    log.info('slave media ports', { upstream: base, ...next });
    if (before === null) return;
    // Restarted on other ports: each camera again on its new URLs (the next poll starts it).
    for (const path of [...cameras.keys()]) void stopCamera(path, 'slave media ports changed').then(() => schedule(0));
  };

  const poll = async (): Promise<void> => {
    // Without the event stream a restart cannot be seen: node info is then read at every poll.
    if (nodeStale || ports === null || o.followEvents === false) await learnPorts();
    if (ports === null) throw new Error('slave media ports unknown (GET /api/v1/node has not answered yet)');
    const items = unwrapItems(await getJson('/api/v1/streams'));
    const wanted = camerasToCompress(parseStreamListing(items, now()));
    if (closed) return;
    bitrates = listingBitrates(items);
    for (const path of [...cameras.keys()]) if (!wanted.has(path)) void stopCamera(path);
    for (const q of queue.list()) if (!wanted.has(q.path)) queue.remove(q.path);
    for (const path of wanted) {
      if (cameras.has(path) || stopping.has(path) || queue.has(path)) continue; // a stopping camera: the next poll starts it
      const profile = (o.profileFor ?? (() => DEFAULT_COMPRESSION_PROFILE))(path);
      if (profile !== undefined) admit(path, profile);
    }
  };

  const schedule = (delayMs: number): void => {
    if (closed) return;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(() => void tick(), delayMs);
  };

  const tick = async (): Promise<void> => {
    timer = null;
    if (polling) {
      pollAgain = true;
      return;
    }
    polling = true;
    try {
      await poll();
      if (!reachable) log.info('slave API reachable', { upstream: base });
      reachable = true;
      pollBackoff.reset();
      schedule(o.pollIntervalMs ?? 3000);
    } catch (err) {
      const delay = pollBackoff.next();
      if (reachable || pollBackoff.attempt === 1) log.warn('slave API unreachable; retrying', { upstream: base, error: (err as Error).message, delayMs: delay });
      reachable = false;
      nodeStale = true;
      schedule(delay);
    } finally {
      polling = false;
      if (pollAgain && !closed) {
        pollAgain = false;
        schedule(0);
      }
    }
  };

  const eventsBackoff = new Backoff(backoffOptions);
  const connectEvents = (): void => {
    if (closed || o.followEvents === false) return;
    events = connectEventSocket({
      url: `${base}/api/v1/events`,
      token: o.apiToken,
      ...(o.tls !== undefined ? { tls: o.tls } : {}),
      onOpen: () => eventsBackoff.reset(),
      onEvent: (e) => {
        const type = typeof e === 'object' && e !== null ? (e as { type?: unknown }).type : undefined;
        if (type === 'stream.up' || type === 'stream.down') schedule(0);
      },
      onClose: (reason) => {
        events = null;
        if (closed) return;
        // The slave may have restarted on other ports: ask at the next poll (ports kept till then).
        nodeStale = true;
        log.debug('slave event stream closed; polling continues', { reason });
        eventsTimer = setTimeout(connectEvents, eventsBackoff.next());
      },
    });
  };

  schedule(0);
  connectEvents();

  return {
    list: () => [...[...cameras.values()].map((c) => c.status()), ...queue.list()],
    get upstreamReachable() {
      return reachable;
    },
    async updateProfile(path, profile) {
      if (profile === undefined ? queue.remove(path) : queue.update(path, profile)) return;
      const cam = cameras.get(path);
      if (cam === undefined) {
        schedule(0); // e.g. a camera that had no profile: the next poll starts it if the slave has it
        return;
      }
      if (profile !== undefined && sameProfile(cam.profile, profile)) return;
      await stopCamera(path, profile === undefined ? 'camera has no profile any more' : 'compression profile changed');
      if (profile !== undefined && !closed && !cameras.has(path)) startCamera(path, profile);
    },
    async close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      if (eventsTimer !== null) clearTimeout(eventsTimer);
      events?.close();
      queue.clear();
      for (const path of [...cameras.keys()]) void stopCamera(path, 'shutting down');
      await Promise.all([...stopping.values()]);
    },
  };
}
