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

test('writeBuffer queues one buffer in order with write(), and the queue is used again after each flush', async () => {
  const { socket, writes } = fakeSocket();
  const q = socketWriteQueue(socket);
  for (let round = 0; round < 3; round++) {
    q.write([b(`v${round}`)]);
    q.writeBuffer(b(`framed${round}`));
    q.write([b(`a${round}`), b(`b${round}`)]);
    assert.equal(q.pendingBytes, 2 + 7 + 4);
    await Promise.resolve();
  }
  assert.deepEqual(writes, [0, 1, 2].map((r) => [`v${r}`, `framed${r}`, `a${r}`, `b${r}`]), 'each round alone: nothing of an earlier round again');
});

test('a unit queued while the queue is writing is not lost: the next flush writes it', async () => {
  const { socket, writes } = fakeSocket();
  const q = socketWriteQueue(socket);
  const write = socket.write.bind(socket);
  let reentered = false;
  (socket as { write: (b: Buffer) => boolean }).write = (buf: Buffer) => {
    if (!reentered) {
      reentered = true;
      q.writeBuffer(b('during'));
    }
    return write(buf);
  };
  q.writeBuffer(b('first'));
  await Promise.resolve();
  await Promise.resolve();
  assert.deepEqual(writes, [['first'], ['during']]);
});

test('a flush inside a flush writes what was queued meanwhile, and both arrays stay apart', async () => {
  const { socket, writes } = fakeSocket();
  const q = socketWriteQueue(socket);
  const write = socket.write.bind(socket);
  let depth = 0;
  (socket as { write: (b: Buffer) => boolean }).write = (buf: Buffer) => {
    const r = write(buf);
    if (depth++ === 0) {
      q.writeBuffer(b('inner'));
      flushSocketWrites(socket);
    }
    return r;
  };
  q.writeBuffer(b('outer'));
  await Promise.resolve();
  q.writeBuffer(b('after'));
  await Promise.resolve();
  await Promise.resolve();
  assert.deepEqual(writes, [['outer'], ['inner'], ['after']]);
});
