import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteQueue } from '../../../../protocols/bytes/byte-queue.ts';

/** A Buffer that owns its memory, as a socket read of a few bytes does. */
const own = (bytes: number[]): Buffer => {
  const b = Buffer.allocUnsafeSlow(bytes.length);
  b.set(bytes);
  return b;
};

test('byte queue: tiny reads that own their memory are copied into one tail (no Buffer per byte)', () => {
  const q = new ByteQueue();
  const input = Array.from({ length: 3000 }, (_, i) => i & 0xff);
  const pieces = input.map((v) => own([v]));
  for (const p of pieces) q.push(p);
  assert.equal(q.length, 3000);
  assert.ok(q.retainedBytes <= 4096, `retained ${q.retainedBytes}`);
  const head = q.consume(10);
  q.push(own([1, 2, 3]));
  assert.deepEqual([...head], input.slice(0, 10), 'bytes handed out are not rewritten by later pushes');
  assert.deepEqual([...q.consume(2993)], [...input.slice(10), 1, 2, 3]);
  assert.equal(q.length, 0);
  assert.deepEqual(pieces.map((p) => p[0]), input, 'pushed Buffers untouched');
});

test('byte queue: a connection that sent a few small messages keeps a small tail, a trickling one grows it to 4 KiB', () => {
  const q = new ByteQueue();
  q.push(own(Array.from({ length: 200 }, (_, i) => i & 0xff))); // a command of a reader
  assert.equal(q.retainedBytes, 512, 'first tail: the smallest that holds any small piece');
  assert.equal(q.consume(200).length, 200);
  q.push(own([1, 2, 3, 4])); // an acknowledgement later: same tail
  assert.equal(q.retainedBytes, 512);
  assert.deepEqual([...q.consume(4)], [1, 2, 3, 4]);
  const sizes = new Set<number>();
  for (let i = 0; i < 40; i++) {
    q.push(own(Array.from({ length: 300 }, () => i)));
    sizes.add(q.retainedBytes);
    assert.deepEqual([...q.consume(300)], Array.from({ length: 300 }, () => i));
  }
  assert.deepEqual([...sizes].sort((a, b) => a - b), [512, 1024, 2048, 4096], 'tails double up to 4 KiB');
});

test('byte queue: a view into a large parent is kept as a view and counted with its parent', () => {
  const parent = Buffer.alloc(65536, 7);
  const q = new ByteQueue();
  q.push(parent.subarray(65530));
  assert.equal(q.length, 6);
  assert.equal(q.retainedBytes, 65536);
  assert.equal(q.consume(6).buffer, parent.buffer);
});

test('byte queue: consumeInto copies across pieces into the target', () => {
  const q = new ByteQueue();
  q.push(Buffer.from('hello '));
  q.push(Buffer.from('world!'));
  const out = Buffer.alloc(14, 0x2e);
  q.consumeInto(out, 1, 11);
  assert.equal(out.toString(), '.hello world..');
  assert.equal(q.consume(1).toString(), '!');
  assert.throws(() => q.consumeInto(out, 0, 1), RangeError);
});

test('byte queue: what is left of lent bytes at endLent is copied (small into the tail, large into a buffer of its own)', () => {
  const lent = Buffer.alloc(65536);
  const q = new ByteQueue();
  q.push(own([1, 2]));
  lent.fill(3, 0, 10);
  q.pushLent(lent.subarray(0, 10));
  assert.equal(q.length, 12);
  assert.deepEqual([...q.consume(4)], [1, 2, 3, 3], 'consumed across the owned and the lent piece');
  q.endLent();
  lent.fill(0xee);
  assert.equal(q.length, 8);
  assert.ok(q.retainedBytes <= 512, `small rest copied into the tail: retained ${q.retainedBytes}`);
  assert.deepEqual([...q.consume(8)], [3, 3, 3, 3, 3, 3, 3, 3]);
  // A large rest, with part of the lent piece consumed first (the head offset).
  lent.fill(5, 0, 3000);
  q.pushLent(lent.subarray(0, 3000));
  q.skip(1000);
  q.endLent();
  lent.fill(0xee);
  assert.equal(q.retainedBytes, 2000, 'exactly the rest');
  assert.ok(q.consume(2000).every((b) => b === 5));
  // Everything consumed before endLent: nothing to copy.
  q.pushLent(lent.subarray(0, 100));
  q.skip(100);
  q.endLent();
  assert.equal(q.retainedBytes, 0);
});

test('byte queue: consumeKept copies lent bytes and hands owned ones out as views; withLent ends the loan when the parser throws', () => {
  const owned = Buffer.alloc(65536, 1);
  const lent = Buffer.alloc(65536, 2);
  const q = new ByteQueue();
  q.push(owned.subarray(0, 600));
  assert.equal(q.consumeKept(600).buffer, owned.buffer, 'owned: a view');
  q.withLent(lent.subarray(0, 600), () => {
    const kept = q.consumeKept(300);
    assert.notEqual(kept.buffer, lent.buffer, 'lent: a copy');
    assert.ok(kept.every((b) => b === 2));
  });
  lent.fill(0xee);
  assert.ok(q.consume(300).every((b) => b === 2), 'the rest was copied at the end of the loan');
  assert.throws(() => q.withLent(lent.subarray(0, 700), () => {
    throw new Error('parser failed');
  }), /parser failed/);
  lent.fill(0xdd);
  assert.ok(q.consume(700).every((b) => b === 0xee), 'copied although the parser threw');
});
