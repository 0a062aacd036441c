/** Shared helpers of the load suites: options, sleeping, server CPU/RSS sampling around a window. */
import { cpuSeconds, cpuTimes, rssMb, type ServerProc } from '../lib/servers.ts';

/**
 * The servers a run can compare: Cupola as users run it (built JavaScript), Cupola under tsx (for
 * the runtime comparison), Node-Media-Server and nginx-rtmp (RTMP only, both), gst-rtsp-server
 * (RTSP only: relays Cupola's RTMP), and `cupola-base`: another checkout of Cupola (an earlier
 * commit, `--base-root DIR`) run under tsx, to compare a change with its base in one run.
 */
export const PEERS = ['cupola', 'cupola-tsx', 'cupola-base', 'nms', 'nginx', 'gst'] as const;
export type Peer = (typeof PEERS)[number];
export const isPeer = (s: string): s is Peer => (PEERS as readonly string[]).includes(s);
/** Peers that serve RTSP. */
export const servesRtsp = (p: Peer): boolean => p === 'cupola' || p === 'cupola-tsx' || p === 'cupola-base' || p === 'gst';
/** Peers that take RTMP publishers and serve RTMP readers. */
export const servesRtmp = (p: Peer): boolean => p !== 'gst';
export type PeerServers = Partial<Record<Peer, ServerProc>>;
/** Who publishes in the ingest suite: the load generator's own RTMP publishers, or M ffmpeg processes. */
export const INGEST_PUBLISHERS = ['loadgen', 'ffmpeg'] as const;
export type IngestPublisher = (typeof INGEST_PUBLISHERS)[number];
export const isIngestPublisher = (s: string): s is IngestPublisher => (INGEST_PUBLISHERS as readonly string[]).includes(s);

export interface SuiteOptions {
  readonly readerCounts: readonly number[];
  readonly publisherCounts: readonly number[];
  /** Ingest: the load generator's publishers' RTMP chunk sizes (one step each). */
  readonly chunkSizes: readonly number[];
  /** Ingest: the publisher kinds (one step each; ffmpeg's chunk size is the server's). */
  readonly ingestPublishers: readonly IngestPublisher[];
  /** Length of one measuring window, seconds. */
  readonly seconds: number;
  /** Settling time before a window, seconds. */
  readonly settleSeconds: number;
  /** Readers joining one at a time after a window (first keyframe time). */
  readonly joins: number;
  /** Readers whose every frame is checked for the publisher's stamp (latency). */
  readonly probes: number;
  readonly peers: readonly Peer[];
  readonly cpuProfDir: string | undefined;
  readonly log: (s: string) => void;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface CpuWindow {
  readonly cpuSeconds: number;
  /** The part of cpuSeconds spent in user space (the rest is the kernel's). */
  readonly userSeconds: number;
  readonly loadgenCpuSeconds: number;
  readonly rssMb: number;
}

/** CPU seconds of `pid` (and of the load generator) over `run()`; RSS at the end. */
export async function measureCpu(pid: number, loadgenPid: number, run: () => Promise<void>): Promise<CpuWindow> {
  const c0 = cpuTimes(pid);
  const g0 = cpuSeconds(loadgenPid);
  await run();
  const c1 = cpuTimes(pid);
  const g1 = cpuSeconds(loadgenPid);
  const user = c1.user - c0.user;
  return { cpuSeconds: user + c1.system - c0.system, userSeconds: user, loadgenCpuSeconds: g1 - g0, rssMb: rssMb(pid) };
}

export function round(v: number, digits = 2): number {
  if (!Number.isFinite(v)) return Number.NaN;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
