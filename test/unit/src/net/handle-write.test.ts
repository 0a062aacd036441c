import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { handleWriter } from '../../../../src/net/handle-write.ts';
import { flushSocketWrites, socketWriteQueue } from '../../../../src/net/socket-write-queue.ts';

/** A TCP pair on 127.0.0.1: `client` writes, `peer` is the server's side of it. */
async function pair(): Promise<{ server: Server; client: Socket; peer: Socket; close(): void }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = connect(port, '127.0.0.1');
  await once(client, 'connect');
  const [peer] = await accepted;
  return {
    server,
    client,
    peer,
    close() {
      client.destroy();
      peer.destroy();
      server.close();
    },
  };
}

/** Reads from `peer` until `bytes` arrived (bounded by 5 s). */
async function readBytes(peer: Socket, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  return await new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${got} of ${bytes} bytes in 5 s`)), 5000);
    const onData = (c: Buffer) => {
      chunks.push(c);
      got += c.length;
      if (got >= bytes) {
        clearTimeout(timer);
        peer.off('data', onData);
        resolve(Buffer.concat(chunks));
      }
    };
    peer.on('data', onData);
    peer.resume();
  });
}

test('a plain TCP socket gets a direct writer, a TLS-like or handle-less one does not', async () => {
  const p = await pair();
  try {
    assert.notEqual(handleWriter(p.client), null);
    assert.equal(handleWriter({ _handle: null } as unknown as Socket), null, 'no handle');
    assert.equal(handleWriter({ encrypted: true, _handle: (p.client as unknown as { _handle: unknown })._handle } as unknown as Socket), null, 'TLS');
  } finally {
    p.close();
  }
});

test('queued units and socket.write calls reach the peer in the order they were made', async () => {
  const p = await pair();
  try {
    const q = socketWriteQueue(p.client);
    q.write([Buffer.from('a1'), Buffer.from('a2')]);
    await Promise.resolve();
    q.write([Buffer.from('b')]);
    flushSocketWrites(p.client);
    p.client.write('C');
    q.write([Buffer.from('d')]);
    await Promise.resolve();
    assert.equal((await readBytes(p.peer, 6)).toString(), 'a1a2bCd');
  } finally {
    p.close();
  }
});

test('a backlog the kernel did not take counts in pendingBytes and drains in order', async () => {
  const p = await pair();
  try {
    p.peer.pause();
    const q = socketWriteQueue(p.client);
    const unit = Buffer.alloc(256 * 1024);
    let total = 0;
    // Fill the socket buffers: bounded at 64 MiB, the loopback buffers are a few MiB.
    for (let i = 0; i < 256 && q.pendingBytes === 0; i++) {
      unit.writeUInt32BE(i, 0);
      q.write([unit.subarray(0, 4), unit.subarray(4)]);
      total += unit.length;
      await Promise.resolve();
    }
    assert.ok(q.pendingBytes > 0, 'a paused peer leaves bytes queued');
    assert.ok(q.pendingBytes <= total);
    // More units while the kernel pushes back (these go through socket.write's Writable).
    for (let k = 0; k < 3; k++) {
      const i = total / unit.length;
      const next = Buffer.alloc(unit.length);
      next.writeUInt32BE(i, 0);
      q.write([next]);
      total += next.length;
      await Promise.resolve();
    }
    assert.ok(q.pendingBytes >= 3 * unit.length, 'the units written meanwhile count too');
    // A socket.write behind the direct backlog still comes after it.
    p.client.write('END');
    const got = await readBytes(p.peer, total + 3);
    assert.equal(got.length, total + 3);
    assert.equal(got.subarray(total).toString(), 'END');
    for (let i = 0; i * unit.length < total; i++) assert.equal(got.readUInt32BE(i * unit.length), i, `unit ${i} in place`);
    assert.equal(q.pendingBytes, 0, 'nothing left once the peer read it all');
  } finally {
    p.close();
  }
});

test('a write to a socket the peer reset destroys it with the system error', async () => {
  const p = await pair();
  try {
    p.client.pause(); // no read: the error can only come from a write
    p.peer.resetAndDestroy();
    await once(p.peer, 'close');
    const q = socketWriteQueue(p.client);
    const closed = new Promise((r) => p.client.once('close', r)); // events.once would reject on 'error'
    let error: NodeJS.ErrnoException | undefined;
    p.client.on('error', (e) => {
      error = e;
    });
    // The first write may still be accepted before the RST is seen: a few, bounded.
    for (let i = 0; i < 50 && !p.client.destroyed; i++) {
      q.write([Buffer.alloc(1024)]);
      await new Promise((r) => setTimeout(r, 10));
    }
    await closed;
    assert.ok(p.client.destroyed);
    assert.ok(error !== undefined && typeof error.code === 'string', `error: ${String(error)}`);
    assert.equal(error.syscall, 'write');
  } finally {
    p.close();
  }
});
