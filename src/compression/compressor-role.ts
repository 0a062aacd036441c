/**
 * The `compressor` role of the 3-machine layout: follows a slave's live cameras with an
 * UpstreamWatch (its API polled; its event stream, when reachable, makes the next poll happen at
 * once), and compresses each raw stream with a CompressionManager whose sink is the slave: each
 * ffmpeg reads the slave's Factory 1 over RTSP/TCP and pushes the compressed result to the slave's
 * Factory 2 with RTSP ANNOUNCE/RECORD over TCP.
 *
 * A failed poll changes nothing (cameras keep running; their ffmpeg backs off by itself if the
 * slave is really gone). Only a successful listing that no longer shows a camera stops it.
 *
 * The slave's media ports come from its GET /api/v1/node (the watch asks again whenever the slave
 * was unreachable or its event stream closed: a restarted slave may have moved). The ports it last
 * announced stay in effect until it announces others; no camera starts before they are known (a
 * slave without that route, 404, gets the configured ports), so ffmpeg never dials default ports
 * another program may serve. Cameras whose URLs changed are restarted.
 */
import type { ClientTls } from '../net/client-socket.ts';
import { fetchFor } from '../replication/tls-fetch.ts';
import { silentLogger, type Logger } from '../log/logger.ts';
import type { UpstreamStream } from '../replication/plan.ts';
import type { UpstreamPorts } from '../replication/upstream-api.ts';
import { UpstreamWatch } from '../replication/upstream-watch.ts';
import { connectEventSocket } from '../replication/ws/event-socket.ts';
import type { CompressionProfile } from '../config/model.ts';
import { DEFAULT_COMPRESSION_PROFILE, type BackoffOptions } from '../../workers/messages.ts';
import type { CompressorWorker } from './camera-worker.ts';
import { CompressionManager } from './compression-manager.ts';
import type { CameraCompressionStatus, CompressionListener } from './compression-status.ts';

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
  /** Subscribe to the slave's /api/v1/events to react at once (without it, node info is read at every poll). Defaults to true. */
  readonly followEvents?: boolean;
  /** Retry schedule of each camera's ffmpeg. */
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
export function camerasToCompress(streams: readonly UpstreamStream[]): Set<string> {
  return new Set(streams.filter((s) => s.factory === 'raw').map((s) => s.path));
}

/** Per camera path, the bitrates (bit/s) the slave measures on its raw and compressed streams. Pure. */
export function streamBitrates(streams: readonly UpstreamStream[]): Map<string, { raw: number; compressed: number }> {
  const out = new Map<string, { raw: number; compressed: number }>();
  for (const s of streams) {
    if (s.bitrateBps === undefined) continue;
    const entry = out.get(s.path) ?? { raw: 0, compressed: 0 };
    entry[s.factory] = s.bitrateBps;
    out.set(s.path, entry);
  }
  return out;
}

const samePorts = (a: UpstreamPorts, b: UpstreamPorts): boolean => a.rtmp === b.rtmp && a.rtspRaw === b.rtspRaw && a.rtspCompressed === b.rtspCompressed;

/** ffmpeg takes RTSP credentials as URL user info (percent-encoded); the logged URL stays without. */
function withCredentials(url: string, c: { readonly user: string; readonly pass: string } | undefined): string {
  if (c === undefined) return url;
  const u = new URL(url);
  u.username = encodeURIComponent(c.user);
  u.password = encodeURIComponent(c.pass);
  return u.toString();
}

export function startCompressorRole(o: CompressorRoleOptions): CompressorRole {
  const log = o.log ?? silentLogger;
  const now = o.now ?? Date.now;
  const base = o.upstream.replace(/\/+$/, '');
  const host = new URL(base).hostname;
  let bitrates = new Map<string, { raw: number; compressed: number }>();
  /** The ports the cameras run on: null until the slave's are known. */
  let portsInUse: UpstreamPorts | null = null;
  let closed = false;

  const rawUrl = (path: string): string => o.rawRtspUrl?.(path) ?? `rtsp://${host}:${watch.ports.rtspRaw}/${path}`;
  const pushUrl = (path: string): string => o.compressedRtspUrl?.(path) ?? `rtsp://${host}:${watch.ports.rtspCompressed}/${path}`;
  const profileFor = o.profileFor ?? (() => DEFAULT_COMPRESSION_PROFILE);

  const manager = new CompressionManager({
    raw: null,
    compressed: null,
    follow: false,
    pushSink: {
      urlFor: (path) => withCredentials(pushUrl(path), o.pushCredentials),
      bitrates: (path) => {
        const b = bitrates.get(path);
        return b === undefined ? undefined : { inputBps: b.raw, outputBps: b.compressed };
      },
    },
    profileFor,
    inputUrlFor: (path) => withCredentials(rawUrl(path), o.readCredentials),
    ...(o.listener !== undefined ? { listener: o.listener } : {}),
    ...(o.maxWorkers !== undefined ? { maxWorkers: o.maxWorkers } : {}),
    ...(o.stallTimeoutMs !== undefined ? { stallTimeoutMs: o.stallTimeoutMs } : {}),
    ...(o.backoff !== undefined ? { backoff: o.backoff } : {}),
    ...(o.ffmpegPath !== undefined ? { ffmpegPath: o.ffmpegPath } : {}),
    ...(o.createWorker !== undefined ? { createWorker: o.createWorker } : {}),
    log,
    now,
  });

  const stopCamera = (path: string, reason: string): Promise<void> => {
    log.info(`${reason}; stopping its compression`, { path });
    return manager.stopCamera(path);
  };

  const watch: UpstreamWatch = new UpstreamWatch(
    { id: base, apiUrl: base, apiToken: o.apiToken, ports: o.ports, tls: o.tls },
    { pollIntervalMs: o.pollIntervalMs ?? 3000, requestTimeoutMs: o.requestTimeoutMs ?? 3000, events: o.followEvents !== false },
    {
      fetch: fetchFor(o.tls),
      connectEvents: connectEventSocket,
      now,
      log,
      onPorts: (ports) => {
        const before = portsInUse;
        if (before === null || samePorts(before, ports)) return;
        portsInUse = ports;
        // Restarted on other ports: each camera again on its new URLs (the next poll starts it).
        for (const s of manager.list()) void stopCamera(s.path, 'slave media ports changed').then(() => watch.pollNow());
      },
      onSnapshot: (next) => {
        // A failed poll changes nothing; no camera starts before the slave's ports are known.
        if (closed || !next.reachable || next.streams === null || watch.node === null) return;
        portsInUse ??= watch.ports;
        bitrates = streamBitrates(next.streams);
        const wanted = camerasToCompress(next.streams);
        for (const s of manager.list()) if (!wanted.has(s.path)) void stopCamera(s.path, 'camera gone from the slave');
        for (const path of wanted) {
          if (manager.status(path) !== undefined) continue;
          const profile = profileFor(path);
          if (profile === undefined) continue;
          log.info('compressing camera', { path, profile: profile.id, from: rawUrl(path), to: pushUrl(path) });
          void manager.startCamera(path);
        }
      },
    },
  );
  watch.start();

  return {
    list: () => manager.list(),
    get upstreamReachable() {
      return watch.snapshot.reachable && watch.node !== null;
    },
    async updateProfile(path, profile) {
      if (manager.status(path) === undefined && profile !== undefined) {
        watch.pollNow(); // e.g. a camera that had no profile: the next poll starts it if the slave has it
        return;
      }
      await manager.updateProfile(path, profile);
    },
    async close() {
      closed = true;
      watch.close();
      await manager.close();
    },
  };
}
