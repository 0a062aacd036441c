/**
 * The state machine of one replicated stream (one path of one factory pulled from one upstream).
 * Pure: the runner feeds events with the current time and executes the returned actions.
 *
 *   stopped --start--> connecting --media--> live --no media for stallMs--> stalled
 *                          |  ^                |                               |
 *                 failed/timeout  \--retryAt--- backoff <------failed---------/ (retryAt)
 *
 * A `kick` (evidence that the upstream stream is fresh: it re-appeared in the upstream's list or a
 * stream.up event arrived) skips the remaining wait of backoff/stalled, so the master is live again
 * within moments of the slave's stream returning instead of after the capped backoff.
 */
import { backoffDelayMs, RECONNECT_BACKOFF, type BackoffSchedule } from '../../protocols/backoff.ts';

export type PullStateKind = 'connecting' | 'live' | 'backoff' | 'stalled' | 'stopped';

/**
 * Why a pull is stopped: not listed upstream (or removed from the catalog), a camera publishes
 * directly, shutdown, never started, or an on-demand source with no reader (`idle`).
 */
export type StopReason = 'initial' | 'not-listed' | 'direct-publisher' | 'path-taken' | 'shutdown' | 'idle';

export type PullState =
  | { readonly kind: 'connecting'; readonly attempt: number; readonly since: number }
  | { readonly kind: 'live'; readonly attempt: number; readonly since: number; readonly lastMediaAt: number }
  | { readonly kind: 'backoff'; readonly attempt: number; readonly since: number; readonly retryAt: number; readonly error: string }
  | { readonly kind: 'stalled'; readonly attempt: number; readonly since: number; readonly retryAt: number }
  | { readonly kind: 'stopped'; readonly since: number; readonly reason: StopReason };

export type PullEvent =
  | { readonly type: 'start' }
  | { readonly type: 'media' }
  | { readonly type: 'failed'; readonly error: string }
  | { readonly type: 'tick' }
  | { readonly type: 'kick' }
  | { readonly type: 'stop'; readonly reason: StopReason };

/** `connect`: open the upstream session and publish; `disconnect`: close both. */
export type PullAction = 'connect' | 'disconnect';

export interface PullTransition {
  readonly state: PullState;
  readonly actions: readonly PullAction[];
  /** The connect is a reconnect (after a failure or stall), for the reconnect counter. */
  readonly reconnect: boolean;
}

export interface PullSettings {
  /** Live with no media for this long: the pull is stalled and reconnects. Defaults to 5000 ms. */
  readonly stallMs: number;
  /** Connecting without the first frame for this long counts as a failure. Defaults to 5000 ms. */
  readonly connectTimeoutMs: number;
  /** Live for this long: the next failure restarts the backoff from its initial delay. Defaults to 10 000 ms. */
  readonly stableMs: number;
  readonly backoff: BackoffSchedule;
}

export const DEFAULT_PULL_SETTINGS: PullSettings = Object.freeze({
  stallMs: 5000,
  connectTimeoutMs: 5000,
  stableMs: 10_000,
  backoff: RECONNECT_BACKOFF,
});

export const INITIAL_PULL_STATE: PullState = Object.freeze({ kind: 'stopped', since: 0, reason: 'initial' });

const NO_ACTIONS: readonly PullAction[] = Object.freeze([]);

function same(state: PullState): PullTransition {
  return { state, actions: NO_ACTIONS, reconnect: false };
}

/** Consecutive failures after this one: a failure after a stable live period counts as the first. */
function failuresAfter(state: PullState & { attempt: number }, now: number, settings: PullSettings): number {
  if (state.kind === 'live' && now - state.since >= settings.stableMs) return 1;
  return state.attempt + 1;
}

export function stepPull(state: PullState, event: PullEvent, now: number, random: () => number, settings: PullSettings = DEFAULT_PULL_SETTINGS): PullTransition {
  const retry = (attempt: number): number => now + backoffDelayMs(attempt - 1, settings.backoff, random);
  switch (event.type) {
    case 'start':
      if (state.kind !== 'stopped') return same(state);
      return { state: { kind: 'connecting', attempt: 0, since: now }, actions: ['connect'], reconnect: false };
    case 'stop':
      if (state.kind === 'stopped') return same(state.reason === event.reason ? state : { ...state, reason: event.reason });
      return {
        state: { kind: 'stopped', since: now, reason: event.reason },
        actions: state.kind === 'connecting' || state.kind === 'live' ? ['disconnect'] : NO_ACTIONS,
        reconnect: false,
      };
    case 'media':
      if (state.kind === 'connecting') return same({ kind: 'live', attempt: state.attempt, since: now, lastMediaAt: now });
      if (state.kind === 'live') return same({ ...state, lastMediaAt: now });
      return same(state); // a late frame of a session already torn down
    case 'failed': {
      if (state.kind !== 'connecting' && state.kind !== 'live') return same(state);
      const attempt = failuresAfter(state, now, settings);
      return {
        state: { kind: 'backoff', attempt, since: now, retryAt: retry(attempt), error: event.error },
        actions: ['disconnect'],
        reconnect: false,
      };
    }
    case 'kick':
      if (state.kind !== 'backoff' && state.kind !== 'stalled') return same(state);
      return { state: { kind: 'connecting', attempt: 0, since: now }, actions: ['connect'], reconnect: true };
    case 'tick':
      return tick(state, now, settings, retry);
    default:
      return assertNever(event);
  }
}

function tick(state: PullState, now: number, settings: PullSettings, retry: (attempt: number) => number): PullTransition {
  switch (state.kind) {
    case 'connecting': {
      if (now - state.since < settings.connectTimeoutMs) return same(state);
      const attempt = state.attempt + 1;
      const error = `no media within ${settings.connectTimeoutMs} ms of connecting`;
      return { state: { kind: 'backoff', attempt, since: now, retryAt: retry(attempt), error }, actions: ['disconnect'], reconnect: false };
    }
    case 'live': {
      if (now - state.lastMediaAt < settings.stallMs) return same(state);
      const attempt = failuresAfter(state, now, settings);
      return { state: { kind: 'stalled', attempt, since: now, retryAt: retry(attempt) }, actions: ['disconnect'], reconnect: false };
    }
    case 'backoff':
    case 'stalled':
      if (now < state.retryAt) return same(state);
      return { state: { kind: 'connecting', attempt: state.attempt, since: now }, actions: ['connect'], reconnect: true };
    case 'stopped':
      return same(state);
    default:
      return assertNever(state);
  }
}

function assertNever(x: never): never {
  throw new Error(`unexpected ${JSON.stringify(x)}`);
}
