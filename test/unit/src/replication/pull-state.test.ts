import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_PULL_SETTINGS,
  INITIAL_PULL_STATE,
  stepPull,
  type PullEvent,
  type PullState,
  type PullTransition,
} from '../../../../src/replication/pull-state.ts';

const noJitter = (): number => 0;

/** Runs events at the given times from the initial state; returns every transition. */
function run(steps: ReadonlyArray<readonly [number, PullEvent]>, from: PullState = INITIAL_PULL_STATE): PullTransition[] {
  let state = from;
  const out: PullTransition[] = [];
  for (const [now, ev] of steps) {
    const t = stepPull(state, ev, now, noJitter);
    out.push(t);
    state = t.state;
  }
  return out;
}

test('start -> connecting (connect) -> first media -> live', () => {
  const [a, b] = run([[0, { type: 'start' }], [100, { type: 'media' }]]);
  assert.deepEqual(a!.state, { kind: 'connecting', attempt: 0, since: 0 });
  assert.deepEqual(a!.actions, ['connect']);
  assert.equal(a!.reconnect, false);
  assert.deepEqual(b!.state, { kind: 'live', attempt: 0, since: 100, lastMediaAt: 100 });
  assert.deepEqual(b!.actions, []);
});

test('failures back off 0.5, 1, 2, 4, 8, 10, 10 s; each retry is a reconnect', () => {
  let now = 0;
  const delays: number[] = [];
  let state: PullState = INITIAL_PULL_STATE;
  state = stepPull(state, { type: 'start' }, now, noJitter).state;
  for (let i = 0; i < 7; i++) {
    const failed = stepPull(state, { type: 'failed', error: 'ECONNREFUSED' }, now, noJitter);
    assert.deepEqual(failed.actions, ['disconnect']);
    assert.equal(failed.state.kind, 'backoff');
    if (failed.state.kind !== 'backoff') return;
    delays.push(failed.state.retryAt - now);
    // one tick before the retry time: still waiting
    assert.equal(stepPull(failed.state, { type: 'tick' }, failed.state.retryAt - 1, noJitter).state, failed.state);
    now = failed.state.retryAt;
    const retried = stepPull(failed.state, { type: 'tick' }, now, noJitter);
    assert.deepEqual(retried.actions, ['connect']);
    assert.equal(retried.reconnect, true);
    state = retried.state;
  }
  assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
});

test('no media for stallMs while live -> stalled (disconnect), then reconnect after the backoff', () => {
  const t = run([
    [0, { type: 'start' }],
    [10, { type: 'media' }],
    [2000, { type: 'media' }],
    [6999, { type: 'tick' }],
    [7000, { type: 'tick' }],
    [7499, { type: 'tick' }],
    [7500, { type: 'tick' }],
  ]);
  assert.equal(t[3]!.state.kind, 'live');
  assert.deepEqual(t[4]!.state, { kind: 'stalled', attempt: 1, since: 7000, retryAt: 7500 });
  assert.deepEqual(t[4]!.actions, ['disconnect']);
  assert.equal(t[5]!.state.kind, 'stalled');
  assert.deepEqual(t[6]!.state, { kind: 'connecting', attempt: 1, since: 7500 });
  assert.equal(t[6]!.reconnect, true);
});

test('connecting without media for connectTimeoutMs counts as a failure', () => {
  const t = run([[0, { type: 'start' }], [4999, { type: 'tick' }], [5000, { type: 'tick' }]]);
  assert.equal(t[1]!.state.kind, 'connecting');
  const s = t[2]!.state;
  assert.equal(s.kind, 'backoff');
  assert.deepEqual(t[2]!.actions, ['disconnect']);
  if (s.kind === 'backoff') assert.match(s.error, /no media within 5000 ms/);
});

test('a failure after a stable live period restarts the backoff from 0.5 s', () => {
  let state: PullState = { kind: 'live', attempt: 5, since: 0, lastMediaAt: 20_000 };
  let t = stepPull(state, { type: 'failed', error: 'closed' }, DEFAULT_PULL_SETTINGS.stableMs, noJitter);
  assert.equal(t.state.kind === 'backoff' && t.state.retryAt - DEFAULT_PULL_SETTINGS.stableMs, 500);
  // a short live period keeps counting up
  state = { kind: 'live', attempt: 5, since: 0, lastMediaAt: 100 };
  t = stepPull(state, { type: 'failed', error: 'closed' }, 200, noJitter);
  assert.equal(t.state.kind === 'backoff' && t.state.attempt, 6);
});

test('kick skips the remaining backoff/stall wait and resets the attempt count', () => {
  for (const from of [
    { kind: 'backoff', attempt: 6, since: 0, retryAt: 10_000, error: 'x' },
    { kind: 'stalled', attempt: 2, since: 0, retryAt: 1000 },
  ] as const) {
    const t = stepPull(from, { type: 'kick' }, 50, noJitter);
    assert.deepEqual(t.state, { kind: 'connecting', attempt: 0, since: 50 });
    assert.deepEqual(t.actions, ['connect']);
    assert.equal(t.reconnect, true);
  }
  // kick is ignored while connecting, live or stopped
  for (const from of [
    { kind: 'connecting', attempt: 0, since: 0 },
    { kind: 'live', attempt: 0, since: 0, lastMediaAt: 0 },
    INITIAL_PULL_STATE,
  ] as const) {
    const t = stepPull(from, { type: 'kick' }, 50, noJitter);
    assert.equal(t.state, from);
    assert.deepEqual(t.actions, []);
  }
});

test('stop disconnects an open session, records the reason, and start resumes from stopped', () => {
  const live: PullState = { kind: 'live', attempt: 0, since: 0, lastMediaAt: 0 };
  const stopped = stepPull(live, { type: 'stop', reason: 'direct-publisher' }, 10, noJitter);
  assert.deepEqual(stopped.state, { kind: 'stopped', since: 10, reason: 'direct-publisher' });
  assert.deepEqual(stopped.actions, ['disconnect']);
  const fromBackoff = stepPull({ kind: 'backoff', attempt: 1, since: 0, retryAt: 500, error: 'x' }, { type: 'stop', reason: 'not-listed' }, 10, noJitter);
  assert.deepEqual(fromBackoff.actions, []);
  const again = stepPull(stopped.state, { type: 'stop', reason: 'shutdown' }, 20, noJitter);
  assert.deepEqual(again.state, { kind: 'stopped', since: 10, reason: 'shutdown' });
  assert.deepEqual(again.actions, []);
  const resumed = stepPull(stopped.state, { type: 'start' }, 30, noJitter);
  assert.deepEqual(resumed.state, { kind: 'connecting', attempt: 0, since: 30 });
  assert.deepEqual(resumed.actions, ['connect']);
});

test('late media or failures of a torn-down session change nothing', () => {
  const states: PullState[] = [
    { kind: 'backoff', attempt: 1, since: 0, retryAt: 500, error: 'x' },
    { kind: 'stalled', attempt: 1, since: 0, retryAt: 500 },
    { kind: 'stopped', since: 0, reason: 'not-listed' },
  ];
  for (const s of states) {
    for (const ev of [{ type: 'media' }, { type: 'failed', error: 'late' }, { type: 'start' }] as const) {
      if (ev.type === 'start' && s.kind === 'stopped') continue;
      const t = stepPull(s, ev, 100, noJitter);
      assert.equal(t.state, s, `${s.kind} + ${ev.type}`);
      assert.deepEqual(t.actions, []);
    }
  }
});
