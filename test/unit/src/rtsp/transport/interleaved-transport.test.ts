import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { InterleavedTransport } from '../../../../../src/rtsp/transport/interleaved-transport.ts';

/** A socket stand-in that keeps every Buffer written to it (no handle: the write queue uses socket.write). */
function fakeSocket(): { socket: Socket; written: Buffer[] } {
  const written: Buffer[] = [];
  const socket = { destroyed: false, writable: true, writableLength: 0, cork() {}, uncork() {}, write: (b: Buffer) => written.push(b) > 0 };
  return { socket: socket as unknown as Socket, written };
}

const channels = (video: number) => new Map([['video', video] as const, ['audio', video + 2] as const]);
const expected = (channel: number, packets: Buffer[]) =>
  Buffer.concat(packets.flatMap((p) => [Buffer.from([0x24, channel, p.length >> 8, p.length & 0xff]), p]));

test('a unit is framed once per channel and the same Buffer goes to every reader on that channel', async () => {
  const readers = [fakeSocket(), fakeSocket(), fakeSocket()];
  const transports = readers.map((r, i) => new InterleavedTransport(r.socket, channels(i === 2 ? 4 : 0), () => {}));
  const unit = [Buffer.from('rtp-packet-1'), Buffer.alloc(300, 7), Buffer.from('last')];
  for (const t of transports) t.writev(unit, 'video');
  const audio = [Buffer.from('aac')];
  for (const t of transports) t.writev(audio, 'audio');
  await Promise.resolve();
  const [a, b, c] = readers.map((r) => r.written);
  assert.equal(a!.length, 2, 'two units queued in one task: one corked write of two framed buffers, one per unit');
  assert.deepEqual(Buffer.concat(a!), Buffer.concat([expected(0, unit), expected(2, audio)]));
  assert.equal(a![0], b![0], 'readers on channel 0 share the framed video unit');
  assert.equal(a![1], b![1], 'and the framed audio unit');
  assert.deepEqual(Buffer.concat(c!), Buffer.concat([expected(4, unit), expected(6, audio)]), 'a reader on channels 4-7 gets its own framing');
  assert.notEqual(c![0], a![0]);
  // A later reader on an already framed channel reuses the first framing.
  const late = fakeSocket();
  new InterleavedTransport(late.socket, channels(4), () => {}).writev(unit, 'video');
  await Promise.resolve();
  assert.equal(late.written[0], c![0]);
});
