import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Frame, StreamDescription } from '../../../../protocols/media/frame.ts';
import { StreamOutputBase, type EncodedUnit } from '../../../../src/streams/output.ts';
import { Stream } from '../../../../src/streams/stream.ts';
import type { ReaderTransport } from '../../../../src/streams/types.ts';
import { fakeTransport } from '../../../helpers/fake-reader-transport.ts';

/** An output whose "encoding" is a marker byte before the payload; it counts its replays. */
class TestOutput extends StreamOutputBase {
  replays = 0;
  constructor(stream: Stream) {
    super(stream, 'test');
    this.start();
  }
  onDescription(_desc: StreamDescription): void {}
  onFrame(frame: Frame): void {
    this.push(encode(frame));
  }
  send(unit: EncodedUnit): void {
    this.push(unit);
  }
  protected replay(frames: readonly Frame[]): EncodedUnit[] {
    this.replays++;
    return frames.map(encode);
  }
}

function encode(f: Frame): EncodedUnit {
  const b = Buffer.concat([Buffer.from('#'), f.payload]);
  return { buffers: [b], track: f.track, startsGop: f.track === 'video' && f.keyframe, size: b.length };
}

const DESC: StreamDescription = { video: { codec: 'h264', sps: Buffer.from([0x67, 0x42]), pps: Buffer.from([0x68]) } };
const frame = (s: string, keyframe: boolean, dts = 0): Frame => ({ track: 'video', dts, pts: dts, keyframe, payload: Buffer.from(s) });
function describedStream(): Stream {
  const stream = new Stream('site1/cam1', 'raw', () => 0);
  stream.setDescription(DESC);
  return stream;
}

const setup = (maxPendingBytes = 1e6, maxDroppingMs = 1000, now = () => 0) => ({ options: { maxPendingBytes, maxDroppingMs }, now });
const u = (s: string, startsGop: boolean): EncodedUnit => ({ buffers: [Buffer.from(s)], track: 'video', startsGop, size: s.length });
const text = (bufs: readonly Buffer[]): string[] => bufs.map((b) => b.toString());

test('a joining reader gets the GOP made again from the stream\'s frames; live units go to every reader as the same Buffer', () => {
  const stream = describedStream();
  const out = new TestOutput(stream);
  const a = fakeTransport();
  out.addReader(a, setup());
  stream.pushFrame(frame('before-key', false, 0)); // no keyframe yet: the stream drops nothing, caches nothing
  stream.pushFrame(frame('key', true, 40));
  stream.pushFrame(frame('p1', false, 80));
  assert.equal(out.keepingGop, true, 'the first reader joined during this GOP: the output keeps its units');
  const b = fakeTransport();
  out.addReader(b, setup());
  assert.deepEqual(text(b.written), ['#key', '#p1'], 'the joining reader starts at the keyframe');
  stream.pushFrame(frame('k2', true, 120));
  assert.equal(a.written.at(-1), b.written.at(-1), 'a live unit goes to every reader as the very same Buffer object');
  assert.deepEqual(out.gop.map((x) => text(x.buffers).join('')), ['#k2']);
});

test('an output lets its copy of the GOP go after a whole GOP without a join, and makes it again for the next joiner', () => {
  const stream = describedStream();
  const out = new TestOutput(stream);
  stream.pushFrame(frame('k1', true, 0));
  out.addReader(fakeTransport(), setup());
  assert.equal(out.replays, 1);
  stream.pushFrame(frame('p1', false, 40));
  stream.pushFrame(frame('k2', true, 80)); // the join was during the GOP before: still kept
  assert.equal(out.keepingGop, true);
  stream.pushFrame(frame('p2', false, 120));
  stream.pushFrame(frame('k3', true, 160)); // a whole GOP (k2, p2) without a join
  assert.equal(out.keepingGop, false, 'no copy once readers stopped joining');
  stream.pushFrame(frame('p3', false, 200));
  const late = fakeTransport();
  out.addReader(late, setup());
  assert.equal(out.replays, 2, 'the late joiner\'s GOP was made again from the stream');
  assert.deepEqual(text(late.written), ['#k3', '#p3']);
  const next = fakeTransport();
  out.addReader(next, setup());
  assert.equal(out.replays, 2, 'a second joiner in the same GOP shares the copy');
  assert.deepEqual(text(next.written), ['#k3', '#p3']);
  assert.equal(next.written[0]!.buffer, late.written[0]!.buffer, 'both got views of the same cached bytes');
});

test('the output base counts frames and bytes out per reader (the replayed GOP included), on itself and on the stream', () => {
  const stream = describedStream();
  const out = new TestOutput(stream);
  out.addReader(fakeTransport(), setup());
  stream.pushFrame(frame('key', true)); // 1 reader x 4 bytes
  out.addReader(fakeTransport(), setup()); // takes the cached keyframe: 1 frame, 4 bytes
  out.send(u('p1', false)); // 2 readers x 2 bytes
  assert.deepEqual(out.stats, { readers: 2, framesOut: 4, bytesOut: 4 + 4 + 4, framesDropped: 0, readersEvicted: 0 });
  assert.equal(stream.stats.framesOut, 4);
  assert.equal(stream.stats.bytesOut, 12);
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

test('with the GOP cache off a joining reader starts at the next keyframe, and the stream still counts as startable', () => {
  const stream = new Stream('site1/cam1', 'raw', () => 0, { maxItems: 1500, maxBytes: 0 });
  stream.attachPublisher({ kind: 'rtmp', remote: 'camera' });
  stream.setDescription(DESC);
  const out = new TestOutput(stream);
  out.addReader(fakeTransport(), setup());
  stream.pushFrame(frame('key', true, 0));
  stream.pushFrame(frame('p1', false, 40));
  assert.equal(stream.startable, true, 'a keyframe came: a new reader can start (at the next one)');
  const late = fakeTransport();
  out.addReader(late, setup());
  assert.deepEqual(text(late.written), [], 'nothing cached to start with');
  stream.pushFrame(frame('k2', true, 80));
  assert.deepEqual(text(late.written), ['#k2']);
});
