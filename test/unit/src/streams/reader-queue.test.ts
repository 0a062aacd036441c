import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReaderQueue } from '../../../../src/streams/reader-queue.ts';
import { FanOut } from '../../../../src/streams/fan-out.ts';
import type { ReaderTransport } from '../../../../src/streams/types.ts';

function fakeTransport(): ReaderTransport & { pending: number; written: Buffer[]; closedWith: string | null } {
  const t = {
    pending: 0,
    written: [] as Buffer[],
    closedWith: null as string | null,
    get pendingBytes() {
      return t.pending;
    },
    writev(bufs: readonly Buffer[]) {
      t.written.push(...bufs);
    },
    close(reason: string) {
      t.closedWith = reason;
    },
  };
  return t;
}

const unit = (n: number) => [Buffer.alloc(n, 1)];

test('a slow reader drops until the next GOP start once its socket drains, and counts the drops', () => {
  const t = fakeTransport();
  let now = 0;
  let drops = 0;
  const q = new ReaderQueue(t, { maxPendingBytes: 1000, maxDroppingMs: 10_000 }, () => now, { onDrop: () => drops++ });
  assert.equal(q.write(unit(10), 'video', true, 10), true);
  t.pending = 2000;
  assert.equal(q.write(unit(10), 'video', false, 10), false);
  assert.equal(q.dropping, true);
  t.pending = 100;
  assert.equal(q.write(unit(10), 'video', false, 10), false, 'not a GOP start: still dropping');
  assert.equal(q.write(unit(10), 'audio', false, 10), false);
  assert.equal(q.write(unit(10), 'video', true, 10), true, 'resumes at a keyframe');
  assert.equal(drops, 3);
  assert.equal(q.dropped, 3);
  assert.equal(t.written.length, 2);
});

test('a reader that stays behind is closed, never buffered without bound', () => {
  const t = fakeTransport();
  let now = 0;
  let evicted = 0;
  const q = new ReaderQueue(t, { maxPendingBytes: 1000, maxDroppingMs: 500 }, () => now, { onEvict: () => evicted++ });
  t.pending = 5000;
  for (let i = 0; i < 100 && !q.closed; i++) {
    now += 50;
    q.write(unit(10), 'video', i % 10 === 0, 10);
  }
  assert.equal(q.closed, true);
  assert.equal(evicted, 1);
  assert.match(t.closedWith ?? '', /too slow/);
  assert.equal(t.written.length, 0);
});

test('FanOut writes the same buffers to every reader and replays the GOP to a joining one', () => {
  const fan = new FanOut();
  const a = fakeTransport();
  const qa = new ReaderQueue(a, { maxPendingBytes: 1e6, maxDroppingMs: 1000 }, () => 0);
  fan.add(qa);
  const k = [Buffer.from('key')];
  const p = [Buffer.from('p1')];
  fan.push({ buffers: [Buffer.from('before-key')], track: 'video', startsGop: false, size: 10 });
  fan.push({ buffers: k, track: 'video', startsGop: true, size: 3 });
  fan.push({ buffers: p, track: 'video', startsGop: false, size: 2 });
  const b = fakeTransport();
  fan.add(new ReaderQueue(b, { maxPendingBytes: 1e6, maxDroppingMs: 1000 }, () => 0));
  assert.deepEqual(b.written, [k[0], p[0]]);
  assert.equal(b.written[0], a.written[1], 'the very same Buffer object, not a copy');
  assert.equal(fan.gop.length, 2);
  fan.push({ buffers: [Buffer.from('k2')], track: 'video', startsGop: true, size: 2 });
  assert.equal(fan.gop.length, 1);
});

test('output budget: over the node-wide budget, only readers above an equal share drop; the rest keep flowing', async () => {
  const { OutputBudget } = await import('../../../../src/streams/output-budget.ts');
  const budget = new OutputBudget(3000);
  const now = 0;
  const opts = { maxPendingBytes: 1_000_000, maxDroppingMs: 10_000, budget };
  const fast = fakeTransport();
  const slow = fakeTransport();
  const qFast = new ReaderQueue(fast, opts, () => now);
  const qSlow = new ReaderQueue(slow, opts, () => now);
  assert.equal(budget.readers, 2);
  slow.pending = 2800;
  assert.equal(qSlow.write(unit(100), 'video', true, 100), true, 'under the budget: no drop');
  fast.pending = 200;
  assert.equal(qFast.write(unit(100), 'video', false, 100), true, 'total 3200 > 3000, but the fast reader is under its share');
  assert.equal(budget.totalBytes, 2900 + 300);
  assert.equal(qSlow.write(unit(100), 'video', false, 100), false, 'the slow reader is over its share: it drops');
  assert.equal(qSlow.dropping, true);
  slow.pending = 100;
  assert.equal(qSlow.write(unit(100), 'video', true, 100), true, 'drained: resumes at the next keyframe');
  qSlow.markClosed();
  assert.equal(budget.readers, 1);
  assert.equal(budget.totalBytes, 300, 'a closed reader leaves the total');
});
