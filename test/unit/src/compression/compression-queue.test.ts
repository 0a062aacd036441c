/**
 * compression.maxWorkers (security issue 17.10): at most N workers run at once; later cameras wait
 * in state `queued` (first come, first served) and start when a slot frees; a queued camera that
 * goes away leaves the queue without ever starting a worker. Scripted workers (no ffmpeg).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StreamRegistry } from '../../../../src/streams/registry.ts';
import { CompressionManager } from '../../../../src/compression/compression-manager.ts';
import { defaultMaxWorkers } from '../../../../src/compression/compression-queue.ts';
import { DEFAULT_COMPRESSION_PROFILE, type MainToWorkerMessage } from '../../../../workers/messages.ts';
import { FakeWorker } from './fake-worker.ts';

function setup(maxWorkers: number) {
  const workers: FakeWorker[] = [];
  const states: string[] = [];
  const removed: string[] = [];
  const manager = new CompressionManager({
    raw: new StreamRegistry('raw'),
    compressed: new StreamRegistry('compressed'),
    follow: false,
    maxWorkers,
    profileFor: () => DEFAULT_COMPRESSION_PROFILE,
    inputUrlFor: (p) => `rtsp://127.0.0.1:1/${p}`,
    createWorker: () => {
      const w = new FakeWorker();
      workers.push(w);
      return w;
    },
    listener: {
      onStatus: (s, change) => {
        if (change === 'state') states.push(`${s.path}:${s.state}`);
      },
      onRemoved: (p) => removed.push(p),
    },
  });
  /** Paths whose worker was told to start. */
  const started = (): string[] =>
    workers.flatMap((w) => w.received.filter((m): m is Extract<MainToWorkerMessage, { type: 'start' }> => m.type === 'start').map((m) => m.cameraPath));
  return { manager, workers, states, removed, started };
}

describe('CompressionManager worker cap', () => {
  it('queues cameras over maxWorkers and starts them, in order, as slots free', async () => {
    const { manager, states, removed, started } = setup(2);
    for (const p of ['s/a', 's/b', 's/c', 's/d']) await manager.startCamera(p);
    assert.deepEqual(started(), ['s/a', 's/b'], 'two workers at most');
    assert.equal(manager.queuedCount, 2);
    assert.deepEqual([manager.status('s/c')?.state, manager.status('s/d')?.state], ['queued', 'queued']);
    assert.ok(states.includes('s/c:queued') && states.includes('s/d:queued'), states.join(' '));
    assert.deepEqual(manager.list().map((s) => `${s.path}:${s.state === 'queued' ? 'queued' : 'worker'}`), ['s/a:worker', 's/b:worker', 's/c:queued', 's/d:queued']);

    await manager.stopCamera('s/a');
    assert.deepEqual(started(), ['s/a', 's/b', 's/c'], 'the first queued camera takes the freed slot');
    assert.notEqual(manager.status('s/c')?.state, 'queued');
    assert.equal(manager.queuedCount, 1);

    // A queued camera that goes away never gets a worker.
    await manager.stopCamera('s/d');
    assert.equal(manager.queuedCount, 0);
    assert.ok(removed.includes('s/d'));
    await manager.stopCamera('s/b');
    assert.deepEqual(started(), ['s/a', 's/b', 's/c'], 'nothing left to start');
    await manager.close();
  });

  it('a profile change of a queued camera is kept for its start; close empties the queue', async () => {
    const { manager, removed, started } = setup(1);
    await manager.startCamera('s/a');
    await manager.startCamera('s/b');
    await manager.updateProfile('s/b', { ...DEFAULT_COMPRESSION_PROFILE, id: 'low' });
    assert.equal(manager.status('s/b')?.profileId, 'low');
    assert.deepEqual(started(), ['s/a']);
    await manager.close();
    assert.ok(removed.includes('s/b'));
    assert.deepEqual(started(), ['s/a'], 'close starts nothing from the queue');
  });

  it('defaults to the CPU count, at least 1', () => {
    assert.ok(defaultMaxWorkers() >= 1);
  });
});
