/**
 * HookRunner with real processes (sh, sleep) off a real EventBus: ready commands restart, stop with
 * the stream, and die with their process group; one-shot commands are bounded by their timeout.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { EventBus } from '../../../../src/core/events.ts';
import { parseSettings } from '../../../../src/config/settings.ts';
import { HookRunner } from '../../../../src/hooks/hook-runner.ts';
import { createLogger } from '../../../../src/log/logger.ts';
import { waitFor } from '../../../helpers/server.ts';
import { isAlive, killIfAlive, waitGone } from '../../workers/worker-harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'cupola-hooks-'));
const spawned = new Set<number>();
after(() => {
  for (const pid of spawned) killIfAlive(pid);
  rmSync(dir, { recursive: true, force: true });
});

/** `sh` that records "<its pid> <CUPOLA_PATH> <CUPOLA_EVENT>" and its background sleep's pid, then waits. */
const RECORDER = ['sh', '-c', 'echo "$$ $CUPOLA_PATH $CUPOLA_EVENT" >> "$OUT"; sleep 100 & echo $! >> "$OUT.kids"; echo "recording $CUPOLA_PATH"; wait'];

function lines(file: string): string[][] {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => l.split(' '));
  } catch {
    return [];
  }
}

function setup(name: string, hooks: unknown[]) {
  const out = join(dir, `${name}.txt`);
  const logs: string[] = [];
  const bus = new EventBus();
  const runner = new HookRunner({
    hooks: parseSettings({ hooks }).hooks,
    bus,
    node: { name: 'edge', role: 'slave' },
    urlsFor: () => undefined,
    log: createLogger('debug', { write: (l: string) => logs.push(l) }),
    baseEnv: { ...process.env, OUT: out },
  });
  const pids = (): number[] => lines(out).map((l) => Number(l[0]));
  const kids = (): number[] => lines(`${out}.kids`).map((l) => Number(l[0]));
  const track = (): void => [...pids(), ...kids()].forEach((p) => spawned.add(p));
  return { out, logs, bus, runner, pids, kids, track };
}

describe('HookRunner', () => {
  it('a ready hook is restarted when it exits, logs its output under its name, and stops with the stream (group included)', async () => {
    const t = setup('ready', [{ name: 'rec', on: 'stream.ready', command: RECORDER, backoffInitialMs: 50, backoffMaxMs: 100 }]);
    try {
      t.bus.publish({ type: 'stream.up', stream: { path: 'site1/cam1', factory: 'raw' } as never });
      const [first] = await waitFor(() => (t.pids().length === 1 && t.kids().length === 1 ? t.pids() : null), 5000, 'first run');
      t.track();
      assert.deepEqual(lines(t.out)[0]!.slice(1), ['site1/cam1', 'stream.ready']);
      assert.deepEqual(t.runner.pids('rec'), [first]);
      await waitFor(() => t.logs.some((l) => l.includes('"msg":"hook output"') && l.includes('"hook":"rec"') && l.includes('recording site1/cam1')), 5000, 'output in the log');

      // The command dies on its own (only the leader): its background sleep goes too, and it restarts.
      const firstKid = t.kids()[0]!;
      process.kill(first!, 'SIGKILL');
      const [, second] = await waitFor(() => (t.pids().length === 2 ? t.pids() : null), 5000, 'restart');
      t.track();
      assert.notEqual(second, first);
      assert.ok(await waitGone(firstKid, 5000), 'the first run’s background child was killed with its group');
      await waitFor(() => t.runner.pids('rec')[0] === second, 5000, 'runner tracks the new pid');

      // A second stream.up for the same stream (publisher change) does not start a second copy.
      t.bus.publish({ type: 'stream.up', stream: { path: 'site1/cam1', factory: 'raw' } as never });
      t.bus.publish({ type: 'stream.down', factory: 'compressed', path: 'site1/cam1' }); // other factory: no effect
      assert.deepEqual(t.runner.pids('rec'), [second]);

      await waitFor(() => t.kids().length === 2, 5000, 'second background child');
      t.track();
      const secondKid = t.kids()[1]!;
      t.bus.publish({ type: 'stream.down', factory: 'raw', path: 'site1/cam1' });
      assert.ok(await waitGone(second!, 5000), 'ready hook stopped when the stream ended');
      assert.ok(await waitGone(secondKid, 5000), 'its background child too');
      await waitFor(() => t.runner.stats().running === 0, 5000, 'nothing running');
      assert.equal(t.pids().length, 2, 'not restarted after the stream ended');
    } finally {
      await t.runner.close();
    }
  });

  it('close() kills every hook command and its process group', async () => {
    const t = setup('close', [
      { name: 'rec', on: 'stream.ready', command: RECORDER },
      { name: 'onread', on: 'reader.connect', command: RECORDER },
    ]);
    t.bus.publish({ type: 'stream.up', stream: { path: 'site1/a', factory: 'raw' } as never });
    t.bus.publish({ type: 'stream.up', stream: { path: 'site1/b', factory: 'compressed' } as never });
    t.bus.publish({ type: 'reader.connect', factory: 'raw', path: 'site1/a', protocol: 'rtsp', remote: '127.0.0.1:1' });
    await waitFor(() => t.pids().length === 3 && t.kids().length === 3, 5000, 'three commands');
    t.track();
    assert.deepEqual(lines(t.out).map((l) => l[2]).sort(), ['reader.connect', 'stream.ready', 'stream.ready']);
    await t.runner.close();
    // close() waits for each command to exit; a background child killed with the group may take a
    // moment longer to be gone (the signal is delivered, not awaited). Without the group kill it
    // would live on for its whole sleep.
    for (const pid of t.pids()) assert.equal(isAlive(pid), false, `pid ${pid} survived close()`);
    for (const pid of t.kids()) assert.ok(await waitGone(pid, 2000), `pid ${pid} survived close()`);
    // Events after close start nothing.
    t.bus.publish({ type: 'stream.up', stream: { path: 'site1/c', factory: 'raw' } as never });
    assert.equal(t.runner.stats().running, 0);
  });

  it('a one-shot hook is killed after timeoutMs; restart=false and one-shot hooks are not restarted', async () => {
    const t = setup('oneshot', [
      { name: 'slow', on: 'stream.notReady', command: RECORDER, timeoutMs: 300 },
      { name: 'once', on: 'stream.ready', restart: false, command: ['sh', '-c', 'echo "$$ once" >> "$OUT"'] },
    ]);
    try {
      t.bus.publish({ type: 'stream.down', factory: 'raw', path: 'site1/cam1' });
      const [slow] = await waitFor(() => (t.pids().length === 1 ? t.pids() : null), 5000, 'slow started');
      t.track();
      assert.ok(await waitGone(slow!, 5000), 'killed at its timeout');
      t.bus.publish({ type: 'stream.up', stream: { path: 'site1/cam1', factory: 'raw' } as never });
      await waitFor(() => t.pids().length === 2, 5000, 'once ran');
      await waitFor(() => t.runner.stats().running === 0, 5000, 'both done');
      assert.equal(t.pids().length, 2, 'neither was started again');
    } finally {
      await t.runner.close();
    }
  });

  it('a command that cannot be started is logged and retried with backoff, without throwing', async () => {
    const t = setup('missing', [{ name: 'ghost', on: 'stream.ready', command: [join(dir, 'no-such-program')], backoffInitialMs: 50, backoffMaxMs: 50 }]);
    try {
      t.bus.publish({ type: 'stream.up', stream: { path: 'site1/cam1', factory: 'raw' } as never });
      await waitFor(() => t.logs.filter((l) => l.includes('"msg":"hook failed"') && l.includes('ENOENT')).length >= 2, 5000, 'two failed starts');
    } finally {
      await t.runner.close();
    }
    assert.equal(t.runner.stats().running, 0);
  });
});
