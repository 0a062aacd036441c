import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { flushSocketWrites, socketWriteQueue } from '../../../../src/net/socket-write-queue.ts';

/** A socket stand-in that records what reaches it, one entry per (corked) write. */
function fakeSocket(): { socket: Socket; writes: string[][] } {
  const writes: string[][] = [];
  let corked: string[] | null = null;
  const socket = {
    destroyed: false,
    writable: true,
    writableLength: 0,
    cork() {
      corked = [];
    },
    uncork() {
      if (corked !== null) writes.push(corked);
      corked = null;
    },
    write(b: Buffer) {
      if (corked !== null) corked.push(b.toString());
      else writes.push([b.toString()]);
      return true;
    },
  };
  return { socket: socket as unknown as Socket, writes };
}

const b = (s: string) => Buffer.from(s);

test('units written in one task leave as one write at the end of the task', async () => {
  const { socket, writes } = fakeSocket();
  const q = socketWriteQueue(socket);
  assert.equal(socketWriteQueue(socket), q, 'one queue per socket');
  q.write([b('video')]);
  q.write([b('audio1'), b('audio2')]);
  assert.deepEqual(writes, [], 'nothing written synchronously');
  assert.equal(q.pendingBytes, 17, 'queued bytes count as the backlog');
  await Promise.resolve();
  assert.deepEqual(writes, [['video', 'audio1', 'audio2']]);
  assert.equal(q.pendingBytes, 0);
  q.write([b('next')]);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(writes, [['video', 'audio1', 'audio2'], ['next']], 'a single buffer is written as is');
});

test('flushSocketWrites writes queued media before a direct write, once', async () => {
  const { socket, writes } = fakeSocket();
  socketWriteQueue(socket).write([b('frame')]);
  flushSocketWrites(socket);
  socket.write(b('status'));
  await Promise.resolve();
  assert.deepEqual(writes, [['frame'], ['status']]);
});

test('nothing is written to a destroyed socket', async () => {
  const { socket, writes } = fakeSocket();
  socketWriteQueue(socket).write([b('frame')]);
  (socket as { destroyed: boolean }).destroyed = true;
  await Promise.resolve();
  assert.deepEqual(writes, []);
});
