/**
 * Per-stream replication status as the API, events and metrics see it.
 */
import type { FactoryName } from '../streams/types.ts';
import type { PullStateKind } from './pull-state.ts';
import type { UpstreamPorts } from './upstream-api.ts';

/** One pulled stream (GET /api/v1/replication, `replication.state` events). */
export interface PullStatus {
  readonly factory: FactoryName;
  readonly path: string;
  readonly upstream: string;
  /** The URL pulled (without credentials); null before the first connect. */
  readonly url: string | null;
  readonly state: PullStateKind;
  /** Last error (backoff), stop reason (stopped) or stall description. */
  readonly detail?: string;
  /** When the current state began (ISO 8601). */
  readonly since: string;
  /** Next retry (ISO 8601) while in backoff or stalled. */
  readonly retryAt?: string;
  readonly reconnects: number;
  readonly bytes: number;
  readonly frames: number;
  /** Null before the first frame. */
  readonly secondsSinceLastFrame: number | null;
  /** Mean delay over the upstream's timeline (see delay-meter.ts), null when not measured. */
  readonly addedDelaySeconds: number | null;
}

export interface UpstreamStatus {
  readonly id: string;
  readonly apiUrl: string;
  readonly reachable: boolean;
  readonly eventsConnected: boolean;
  readonly error: string | null;
  readonly host: string;
  readonly ports: UpstreamPorts;
  /** Streams it listed last (both factories). */
  readonly streams: number;
}

/** What the runner reports as things happen (the composition root forwards to events and logs). */
export interface ReplicationListener {
  /** A pull changed state. */
  onState?(status: PullStatus): void;
  /** A poll of an upstream finished: what it lists as live (empty while unreachable). */
  onUpstreamStreams?(upstream: string, streams: readonly { readonly factory: FactoryName; readonly path: string }[]): void;
  /** An upstream's media host/ports became known or changed (from its /api/v1/node). */
  onUpstreamPorts?(upstream: string, host: string, ports: UpstreamPorts): void;
  /** The master started (true) or stopped (false) compressing a camera itself. */
  onFailover?(path: string, active: boolean): void;
}
