import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Frame, StreamDescription } from '../../../../protocols/media/frame.ts';
import { StreamOutputBase, type EncodedUnit } from '../../../../src/streams/output.ts';
import { Stream } from '../../../../src/streams/stream.ts';
import type { ReaderTransport } from '../../../../src/streams/types.ts';
import { fakeTransport } from '../../../helpers/fake-reader-transport.ts';

/** An output whose "encoding" is handed to it by the test. */
class TestOutput extends StreamOutputBase {
  constructor(stream: Stream) {
    super(stream, 'test');
    this.start();
  }
  onDescription(_desc: StreamDescription): void {}
  onFrame(_frame: Frame): void {}
  send(unit: EncodedUnit): void {
    this.push(unit);
  }
}

const setup = (maxPendingBytes = 1e6, maxDroppingMs = 1000, now = () => 0) => ({ options: { maxPendingBytes, maxDroppingMs }, now });
const u = (s: string, startsGop: boolean): EncodedUnit => ({ buffers: [Buffer.from(s)], track: 'video', startsGop, size: s.length });

test('the output base writes the same buffers to every reader and replays the GOP to a joining one', () => {
  const out = new TestOutput(new Stream('site1/cam1', 'raw', () => 0));
  const a = fakeTransport();
  out.addReader(a, setup());
  const k = u('key', true);
  const p = u('p1', false);
  out.send(u('before-key', false));
  out.send(k);
  out.send(p);
  const b = fakeTransport();
  out.addReader(b, setup());
  assert.deepEqual(b.written, [k.buffers[0], p.buffers[0]], 'the joining reader gets the GOP: its bytes, copied into the cache');
  assert.equal(out.gop.length, 2);
  const k2 = u('k2', true);
  out.send(k2);
  assert.equal(a.written[3], k2.buffers[0], 'a live unit goes to every reader as the very same Buffer object');
  assert.equal(b.written[2], k2.buffers[0]);
  assert.equal(out.gop.length, 1);
});

test('the output base counts frames and bytes out per reader (the replayed GOP included), on itself and on the stream', () => {
  const stream = new Stream('site1/cam1', 'raw', () => 0);
  const out = new TestOutput(stream);
  out.addReader(fakeTransport(), setup());
  out.send(u('key', true));
  out.addReader(fakeTransport(), setup()); // takes the cached keyframe: 1 frame, 3 bytes
  out.send(u('p1', false)); // 2 readers x 2 bytes
  assert.deepEqual(out.stats, { readers: 2, framesOut: 4, bytesOut: 3 + 3 + 4, framesDropped: 0, readersEvicted: 0 });
  assert.equal(stream.stats.framesOut, 4);
  assert.equal(stream.stats.bytesOut, 10);
});

test('the output base counts a slow reader\'s drops and eviction; the others keep being served', () => {
  const stream = new Stream('site1/cam1', 'raw', () => 0);
  const out = new TestOutput(stream);
  let now = 0;
  const slow = fakeTransport();
  const fast = fakeTransport();
  out.addReader(slow, setup(100, 500, () => now));
  out.addReader(fast, setup(100, 500, () => now));
  slow.pending = 1000;
  out.send(u('key', true));
  now = 1000;
  out.send(u('p1', false));
  assert.match(slow.closedWith ?? '', /too slow/);
  assert.equal(fast.written.length, 2);
  assert.equal(out.stats.framesDropped, 2);
  assert.equal(out.stats.readersEvicted, 1);
  assert.equal(stream.stats.framesDropped, 2);
  assert.equal(stream.stats.readersEvicted, 1);
});

test('the output closes with its last reader and releases its key; closing closes the readers', () => {
  const stream = new Stream('site1/cam1', 'raw', () => 0);
  const out = stream.output('test', () => new TestOutput(stream));
  const r1: ReaderTransport & { closedWith: string | null } = fakeTransport();
  const detach1 = out.addReader(r1, setup());
  const r2 = fakeTransport();
  out.addReader(r2, setup());
  detach1();
  assert.equal(out.closed, false);
  assert.equal(out.readerCount, 1);
  out.close();
  assert.equal(r2.closedWith, 'stream ended');
  assert.equal(r1.closedWith, null, 'a detached reader is not closed by the output');
  assert.notEqual(stream.output('test', () => new TestOutput(stream)), out, 'the key was released');
});
