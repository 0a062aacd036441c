import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Frame } from '../../../../protocols/media/frame.ts';
import { FRAME_GOP, GopCache, SLAB_BYTES, SlabPool, type GopItemKind } from '../../../../src/streams/gop-cache.ts';
import { GopBudget } from '../../../../src/streams/gop-budget.ts';

const frame = (track: 'video' | 'audio', dts: number, keyframe: boolean, bytes: string | Buffer, pts = dts): Frame => ({
  track, dts, pts, keyframe, payload: typeof bytes === 'string' ? Buffer.from(bytes) : bytes,
});

test('the frame cache keeps the frames since the latest keyframe, equal in every field and byte', () => {
  const gop = new GopCache(FRAME_GOP, { maxItems: 100, maxBytes: 1 << 20 });
  gop.push(frame('video', 0, false, 'before any keyframe'));
  assert.equal(gop.length, 0, 'nothing a reader could start from');
  const pushed = [frame('video', 40, true, 'key'), frame('audio', 41.33, true, 'aac'), frame('video', 80, false, 'p', 120)];
  for (const f of pushed) gop.push(f);
  assert.deepEqual(gop.items, pushed);
  assert.equal(gop.bytes, 7);
  gop.push(frame('video', 120, true, 'key2'));
  assert.deepEqual(gop.items, [frame('video', 120, true, 'key2')], 'a keyframe starts the cache afresh');
});

test('the cache holds copies: neither the pushed objects nor their Buffers are kept', () => {
  const gop = new GopCache(FRAME_GOP, { maxItems: 100, maxBytes: 1 << 20 });
  const payload = Buffer.from('keyframe');
  const f = frame('video', 0, true, payload);
  gop.push(f);
  payload.write('XXXXXXXX');
  assert.notEqual(gop.items[0], f);
  assert.equal(gop.items[0]!.payload.toString(), 'keyframe', 'a later write into the source Buffer does not reach the cache');
});

test('views handed out stay valid after the cache has moved on to the next GOP', () => {
  const gop = new GopCache(FRAME_GOP, { maxItems: 100, maxBytes: 1 << 20 });
  gop.push(frame('video', 0, true, Buffer.alloc(1000, 1)));
  const held = gop.items[0]!.payload; // as a reader's socket would hold it
  for (let i = 1; i <= 50; i++) gop.push(frame('video', i * 40, i % 10 === 0, Buffer.alloc(1000, 2)));
  assert.ok(held.every((b) => b === 1), 'no slab is written twice');
});

test('the byte and item limits empty the cache until the next GOP start', () => {
  const gop = new GopCache(FRAME_GOP, { maxItems: 3, maxBytes: 10 });
  gop.push(frame('video', 0, true, '12345'));
  gop.push(frame('video', 40, false, '123456'));
  assert.equal(gop.length, 0, 'over 10 bytes');
  gop.push(frame('video', 80, false, '1'));
  assert.equal(gop.length, 0, 'waits for the next start');
  gop.push(frame('video', 120, true, '1'));
  gop.push(frame('video', 160, false, '1'));
  gop.push(frame('video', 200, false, '1'));
  assert.equal(gop.length, 3);
  gop.push(frame('video', 240, false, '1'));
  assert.equal(gop.length, 0, 'over 3 items');
});

test('a GOP larger than its first slab spreads over several slabs and reads back whole', () => {
  const gop = new GopCache(FRAME_GOP, { maxItems: 1000, maxBytes: 16 << 20 });
  const pushed: Frame[] = [];
  for (let i = 0; i < 300; i++) {
    // 300 frames of 1-3 KiB, distinct contents: ~600 KiB, many slabs
    const f = frame(i % 3 === 2 ? 'audio' : 'video', i * 20, i === 0, Buffer.alloc(1024 + (i % 3) * 1024, i & 0xff));
    pushed.push(f);
    gop.push(f);
  }
  assert.deepEqual(gop.items, pushed);
});

test('bytes are packed end to end: a cache holds only its last slab part-filled, and a buffer crossing slabs reads back whole', () => {
  const pool = new SlabPool(1 << 20);
  const gop = new GopCache(FRAME_GOP, { maxItems: 1000, maxBytes: 16 << 20 }, pool);
  const key = Buffer.alloc(3 * SLAB_BYTES + 123);
  for (let i = 0; i < key.length; i++) key[i] = (i * 7) & 0xff;
  const pushed = [frame('video', 0, true, key)];
  for (let i = 1; i < 40; i++) pushed.push(frame(i % 2 === 0 ? 'audio' : 'video', i * 20, false, Buffer.alloc(1000 + i * 37, i)));
  for (const f of pushed) gop.push(f);
  assert.equal(gop.slabs, Math.ceil(gop.bytes / SLAB_BYTES), 'no slab is left part-filled but the last');
  assert.equal(pool.allocated, gop.slabs);
  const items = gop.items;
  assert.deepEqual(items, pushed);
  assert.equal(items[0]!.payload.buffer.byteLength, key.length, 'the keyframe crosses slabs: a copy of its own');
  assert.equal(items[1]!.payload.buffer.byteLength, SLAB_BYTES, 'a buffer inside one slab is a view of it');
});

test('items of several buffers keep each buffer apart (an RTP packet per buffer)', () => {
  interface Unit { buffers: Buffer[]; start: boolean }
  const kind: GopItemKind<Unit> = {
    startsGop: (u) => u.start,
    fields: 1,
    header: (u, row, at) => void (row[at] = u.start ? 1 : 0),
    buffers: (u) => u.buffers,
    revive: (row, at, buffers) => ({ buffers, start: row[at] === 1 }),
  };
  const gop = new GopCache(kind, { maxItems: 10, maxBytes: 1000 });
  const a = { buffers: [Buffer.from('rtp1'), Buffer.from(''), Buffer.from('rtp-three')], start: true };
  const b = { buffers: [Buffer.from('x')], start: false };
  gop.push(a);
  gop.push(b);
  assert.deepEqual(gop.items, [a, b]);
  assert.equal(gop.items, gop.items, 'revived once per change, for every reader of a join');
});

test('slabs nobody saw are written again by the next GOP; slabs handed out to a reader never are', () => {
  const pool = new SlabPool(1 << 20);
  const gop = new GopCache(FRAME_GOP, { maxItems: 1000, maxBytes: 16 << 20 }, pool);
  const push = (start: number, fill: number): void => {
    gop.push(frame('video', start, true, Buffer.alloc(40_000, fill))); // crosses slabs
    for (let i = 1; i < 20; i++) gop.push(frame('video', start + i * 40, false, Buffer.alloc(5000, fill)));
  };
  push(0, 1);
  const seen = gop.items; // a reader joins during GOP 1
  push(800, 2); // GOP 2: may not write into GOP 1's slabs
  assert.ok(seen.every((f) => f.payload.every((b) => b === 1)), 'what a reader got stays intact');
  const gop2 = gop.items.map((f) => f.payload.buffer);
  assert.ok(gop2.every((ab) => !seen.some((f) => f.payload.buffer === ab)), 'GOP 2 took new slabs');
  // GOP 2 was seen as well (just now): GOP 3 takes new ones; nobody looks at GOP 3, so GOP 4 reuses its slabs
  push(1600, 3);
  const before = pool.allocated;
  push(2400, 4);
  assert.equal(pool.allocated, before, 'GOP 4 wrote into GOP 3\'s slabs (nobody saw them): nothing allocated');
  const gop4 = gop.items;
  assert.ok(gop4.every((f) => f.payload.every((b) => b === 4)));
  assert.ok(gop4.every((f) => !gop2.includes(f.payload.buffer)), 'a seen slab is never reused');
  push(3200, 5);
  push(4000, 6);
  const seen6 = gop.items;
  const gop6 = new Set(seen6.map((f) => f.payload.buffer));
  push(4800, 7); // GOP 6 was seen: GOP 7 must not reuse it
  assert.ok(gop.items.every((f) => !gop6.has(f.payload.buffer)));
  assert.ok(seen6.every((f) => f.payload.every((b) => b === 6)), 'nor write into it');
});

test('the slab pool is shared by caches and keeps at most its cap of free slabs', () => {
  const pool = new SlabPool(2 * SLAB_BYTES);
  const a = new GopCache(FRAME_GOP, { maxItems: 1000, maxBytes: 16 << 20 }, pool);
  const b = new GopCache(FRAME_GOP, { maxItems: 1000, maxBytes: 16 << 20 }, pool);
  a.push(frame('video', 0, true, Buffer.alloc(100, 1)));
  for (let i = 1; i < 8; i++) a.push(frame('video', i * 40, false, Buffer.alloc(SLAB_BYTES - 100, 1))); // 7 slabs' worth minus 600 bytes
  assert.equal(pool.allocated, 7);
  a.push(frame('video', 2000, true, Buffer.alloc(100, 1))); // GOP end: 2 of 7 kept, the new GOP takes 1
  assert.equal(pool.freeSlabs, 1);
  b.push(frame('video', 0, true, Buffer.alloc(100, 2))); // another stream takes the last free one
  assert.equal(pool.freeSlabs, 0);
  assert.equal(pool.allocated, 7);
  b.push(frame('video', 40, false, Buffer.alloc(SLAB_BYTES / 2, 2)));
  b.push(frame('video', 80, false, Buffer.alloc(SLAB_BYTES / 2 - 100, 2)));
  assert.equal(pool.allocated, 7, 'a full slab exactly: no new one');
  b.push(frame('video', 120, false, Buffer.alloc(1, 2)));
  assert.equal(pool.allocated, 8);
  assert.ok(b.items.every((f) => f.payload.every((x) => x === 2)));
});

test('the node\'s GOP budget bounds every cache together: the cache that would pass it lets its GOP go until the next keyframe', () => {
  const budget = new GopBudget(100);
  const a = new GopCache(FRAME_GOP, { maxItems: 100, maxBytes: 1 << 20, budget });
  const b = new GopCache(FRAME_GOP, { maxItems: 100, maxBytes: 1 << 20, budget });
  a.push(frame('video', 0, true, Buffer.alloc(60)));
  assert.equal(budget.heldBytes, 60);
  b.push(frame('video', 0, true, Buffer.alloc(30)));
  b.push(frame('video', 40, false, Buffer.alloc(30))); // 120 in all: over
  assert.equal(b.length, 0, 'the cache that would pass the budget holds nothing');
  assert.equal(budget.heldBytes, 60, 'and gave back what it held');
  assert.equal(budget.refusals, 1);
  b.push(frame('video', 80, false, Buffer.alloc(10)));
  assert.equal(b.length, 0, 'it waits for the next keyframe');
  a.push(frame('video', 40, true, Buffer.alloc(20))); // a new GOP: a gives back 60, takes 20
  assert.equal(budget.heldBytes, 20);
  b.push(frame('video', 120, true, Buffer.alloc(30)));
  assert.equal(b.length, 1);
  assert.equal(budget.heldBytes, 50);
  a.clear();
  b.clear();
  assert.equal(budget.heldBytes, 0, 'every byte taken is given back');
});

test('a cache of 0 bytes caches nothing (the GOP cache turned off)', () => {
  const gop = new GopCache(FRAME_GOP, { maxItems: 100, maxBytes: 0 });
  gop.push(frame('video', 0, true, 'key'));
  gop.push(frame('video', 40, false, 'p'));
  assert.equal(gop.length, 0);
});

test('readers joining during one GOP get the same item objects; an array handed out never changes', () => {
  const gop = new GopCache(FRAME_GOP, { maxItems: 100, maxBytes: 1 << 20 });
  gop.push(frame('video', 0, true, 'key'));
  const first = gop.items;
  gop.push(frame('video', 40, false, 'p1'));
  const second = gop.items;
  assert.equal(first.length, 1, 'the array the first joiner got is as it was');
  assert.equal(second.length, 2);
  assert.equal(second[0], first[0], 'the keyframe is the same object for both joiners');
  assert.equal(second[1]!.payload.toString(), 'p1');
  gop.push(frame('video', 80, true, 'key2'));
  assert.notEqual(gop.items[0], first[0], 'a new GOP, new items');
});
