/**
 * What the master pulls, decided from what its upstreams list and who already publishes locally.
 * Pure: the runner passes in the upstream snapshots and the local registry's publishers.
 */
import type { FactoryName, PublisherKind } from '../streams/types.ts';

/** One stream an upstream (a slave's API) lists as live. */
export interface UpstreamStream {
  readonly factory: FactoryName;
  readonly path: string;
  /** Who publishes it on the upstream; replicated copies are never pulled again (no loops). */
  readonly publisherKind?: PublisherKind | undefined;
  /**
   * When the upstream's publication started (ms since the epoch, as estimated from its uptime); a
   * change by more than SINCE_TOLERANCE_MS means a new publication.
   */
  readonly since?: number | undefined;
  /** The upstream's measured incoming bitrate (bit/s), when it lists one. */
  readonly bitrateBps?: number;
}

/** The last thing learnt from one upstream. */
export interface UpstreamSnapshot {
  readonly upstreamId: string;
  /** The last listing succeeded. */
  readonly reachable: boolean;
  /** The streams of the last successful listing (kept while the upstream is unreachable); null before any. */
  readonly streams: readonly UpstreamStream[] | null;
}

/** Two `since` estimates closer than this are the same publication (uptime rounding, request delay). */
export const SINCE_TOLERANCE_MS = 1500;

export interface WantedPull {
  readonly key: string;
  readonly factory: FactoryName;
  readonly path: string;
  readonly upstreamId: string;
}

export function pullKey(factory: FactoryName, path: string): string {
  return `${factory}:${path}`;
}

/**
 * Every stream to pull, from every upstream. While an upstream is unreachable its last listing
 * still counts: its pulls keep retrying with backoff instead of being dropped (the slave may only
 * have lost its API). When two upstreams list the same path, the one earlier in the list wins.
 */
export function wantedPulls(snapshots: readonly UpstreamSnapshot[]): Map<string, WantedPull> {
  const out = new Map<string, WantedPull>();
  for (const snap of snapshots) {
    for (const s of snap.streams ?? []) {
      if (s.publisherKind === 'replication') continue;
      const key = pullKey(s.factory, s.path);
      if (!out.has(key)) out.set(key, { key, factory: s.factory, path: s.path, upstreamId: snap.upstreamId });
    }
  }
  return out;
}

export interface PullDiff {
  /** Pulls to create (new key, or the key moved to another upstream). */
  readonly add: readonly WantedPull[];
  /** Keys of existing pulls to remove (no longer listed, or moved to another upstream). */
  readonly remove: readonly string[];
}

/** The change from the pulls that exist (key -> upstream id) to the wanted ones. */
export function diffPulls(wanted: ReadonlyMap<string, WantedPull>, existing: ReadonlyMap<string, string>): PullDiff {
  const add: WantedPull[] = [];
  const remove: string[] = [];
  for (const [key, upstreamId] of existing) {
    const w = wanted.get(key);
    if (w === undefined || w.upstreamId !== upstreamId) remove.push(key);
  }
  for (const w of wanted.values()) {
    if (existing.get(w.key) !== w.upstreamId) add.push(w);
  }
  return { add, remove };
}

/**
 * Keys of streams that are fresh on the upstream since the previous snapshot: newly listed, listed
 * again after the upstream was unreachable, or republished (their `since` changed). A pull waiting
 * in backoff for such a stream retries at once.
 */
export function freshStreams(previous: UpstreamSnapshot | undefined, next: UpstreamSnapshot): string[] {
  if (!next.reachable || next.streams === null) return [];
  const before = new Map<string, UpstreamStream>();
  if (previous?.reachable && previous.streams !== null) {
    for (const s of previous.streams) before.set(pullKey(s.factory, s.path), s);
  }
  const out: string[] = [];
  for (const s of next.streams) {
    const key = pullKey(s.factory, s.path);
    const old = before.get(key);
    if (old === undefined || republished(old.since, s.since)) out.push(key);
  }
  return out;
}

function republished(before: number | undefined, after: number | undefined): boolean {
  if (before === undefined || after === undefined) return before !== after;
  return Math.abs(after - before) > SINCE_TOLERANCE_MS;
}

export type PullDecision = { readonly run: true } | { readonly run: false; readonly reason: 'direct-publisher' | 'path-taken' };

/**
 * Precedence: a camera publishing directly to the master (RTMP or RTSP, its backup URL) owns the
 * path; so does the master's own compression worker (failover) on Factory 2. Replication of that
 * path pauses while such a publisher is there and resumes when it leaves. `localPublisher` is the
 * kind currently publishing the path locally, null when none; `own` is the kind the pull publishes
 * as ('replication', or 'source' for a pulled camera, which yields to a pushing camera alike).
 */
export function decidePull(localPublisher: PublisherKind | null, own: PublisherKind = 'replication'): PullDecision {
  if (localPublisher === null || localPublisher === own) return { run: true };
  if (localPublisher === 'rtmp' || localPublisher === 'rtsp') return { run: false, reason: 'direct-publisher' };
  return { run: false, reason: 'path-taken' };
}

/** A direct publisher takes precedence over (pre-empts) a replicated copy; nothing else does. */
export function preempts(incoming: PublisherKind, holder: PublisherKind): boolean {
  return holder === 'replication' && (incoming === 'rtmp' || incoming === 'rtsp');
}
