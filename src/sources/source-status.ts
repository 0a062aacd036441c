/**
 * A pulled camera's state as the API, events, metrics and dashboard show it. The states are the
 * pull engine's (pull-state.ts) in the operator's words: `backoff` (waiting to retry after an
 * error) is `failed` with the last error, a stopped on-demand source nobody reads is `idle`.
 */
import type { PullState } from '../replication/pull-state.ts';

export const SOURCE_STATES = ['idle', 'connecting', 'live', 'stalled', 'failed', 'stopped'] as const;
export type SourceState = (typeof SOURCE_STATES)[number];

export function sourceState(state: PullState): SourceState {
  switch (state.kind) {
    case 'connecting':
    case 'live':
    case 'stalled':
      return state.kind;
    case 'backoff':
      return 'failed';
    case 'stopped':
      return state.reason === 'idle' || state.reason === 'initial' ? 'idle' : 'stopped';
  }
}

/** One pulled camera (GET /api/v1/sources, `source.state` events). Never carries credentials. */
export interface SourceStatus {
  readonly camera: string;
  /** The source URL without user info. */
  readonly url: string;
  readonly scheme: string;
  /** Configured transport (rtsp): auto, udp or tcp. */
  readonly transport: string;
  /** The transport of the last session that played (rtsp), null before one did. */
  readonly activeTransport: 'udp' | 'tcp' | null;
  /** auto: why UDP was given up for TCP, when it was. */
  readonly udpFallback?: string;
  readonly onDemand: boolean;
  readonly state: SourceState;
  /** The last error (failed), the stall (stalled) or why it is stopped. */
  readonly lastError?: string;
  /** When the current state began (ISO 8601). */
  readonly since: string;
  /** Next retry (ISO 8601) while failed or stalled. */
  readonly retryAt?: string;
  /** Reconnects after a failure or stall. */
  readonly restarts: number;
  readonly bytes: number;
  readonly frames: number;
  /** Null before the first frame. */
  readonly secondsSinceLastFrame: number | null;
  /** Readers of the camera's Factory 1 stream now. */
  readonly readers: number;
}
