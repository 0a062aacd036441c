import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { readFromHandle, SHARED_READ_BYTES } from '../../../../src/net/handle-read.ts';

/** A TCP pair on 127.0.0.1: `client` writes, `peer` is the server's side of it. */
async function pair(server: Server): Promise<{ client: Socket; peer: Socket }> {
  const port = (server.address() as { port: number }).port;
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = connect(port, '127.0.0.1');
  await once(client, 'connect');
  const [peer] = await accepted;
  return { client, peer };
}

async function listening(): Promise<Server> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/** Resolves when `cond()` holds, checking every 10 ms for at most 5 s. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), `not within 5 s: ${what}`);
}

test('reads of two sockets come through one shared buffer, byte for byte, and end as a socket ends', async () => {
  const server = await listening();
  const a = await pair(server);
  const b = await pair(server);
  try {
    const got = new Map<Socket, Buffer[]>([[a.peer, []], [b.peer, []]]);
    const lentBuffers = new Set<ArrayBufferLike>();
    for (const p of [a.peer, b.peer]) {
      assert.notEqual(readFromHandle(p, (lent) => {
        lentBuffers.add(lent.buffer);
        assert.ok(lent.length <= SHARED_READ_BYTES);
        got.get(p)!.push(Buffer.from(lent)); // the bytes are valid only during the call
      }), null);
      p.on('data', () => assert.fail('no data event once the handle is read directly'));
    }
    const sent = new Map<Socket, Buffer>();
    for (const [c, p, fill] of [[a.client, a.peer, 1], [b.client, b.peer, 2]] as const) {
      const data = Buffer.alloc(300_000);
      for (let i = 0; i < data.length; i++) data[i] = (i * fill) & 0xff;
      sent.set(p, data);
      c.write(data);
    }
    const total = (p: Socket): number => got.get(p)!.reduce((n, x) => n + x.length, 0);
    await until(() => total(a.peer) === 300_000 && total(b.peer) === 300_000, 'both sockets read 300 kB');
    assert.deepEqual(Buffer.concat(got.get(a.peer)!), sent.get(a.peer));
    assert.deepEqual(Buffer.concat(got.get(b.peer)!), sent.get(b.peer));
    assert.equal(lentBuffers.size, 1, 'one buffer lent for every read of both sockets');
    assert.equal(a.peer.bytesRead, 300_000, 'bytesRead still counts');
    // End of stream goes through Node's own onread: 'end', then 'close' (allowHalfOpen is off).
    const ended = once(a.peer, 'end');
    const closed = once(a.peer, 'close');
    a.client.end();
    await ended;
    await closed;
    // A reset is a read error: the socket is destroyed with it.
    const errored = once(b.peer, 'error');
    b.client.resetAndDestroy();
    const [err] = (await errored) as [NodeJS.ErrnoException];
    assert.equal(err.code, 'ECONNRESET');
  } finally {
    for (const s of [a.client, a.peer, b.client, b.peer]) s.destroy();
    server.close();
  }
});

test('the idle timeout still fires on a silent socket and is refreshed by every read', async () => {
  const server = await listening();
  const { client, peer } = await pair(server);
  let ticker: NodeJS.Timeout | undefined;
  try {
    let reads = 0;
    assert.notEqual(readFromHandle(peer, () => reads++), null);
    let timeouts = 0;
    peer.setTimeout(300);
    peer.on('timeout', () => timeouts++);
    ticker = setInterval(() => client.write('x'), 50); // 1 s of data every 50 ms: no timeout
    await new Promise((r) => setTimeout(r, 1000));
    clearInterval(ticker);
    assert.ok(reads >= 5, `${reads} reads`);
    assert.equal(timeouts, 0, 'reads refresh the idle timer');
    await until(() => timeouts === 1, 'the timeout after the data stopped');
  } finally {
    clearInterval(ticker);
    client.destroy();
    peer.destroy();
    server.close();
  }
});

test('a TLS socket, a destroyed one or one without a handle is left to its data event', async () => {
  const server = await listening();
  const { client, peer } = await pair(server);
  try {
    const handle = (peer as unknown as { _handle: unknown })._handle;
    assert.equal(readFromHandle({ encrypted: true, _handle: handle, destroyed: false } as unknown as Socket, () => {}), null, 'TLS');
    assert.equal(readFromHandle({ _handle: null, destroyed: false } as unknown as Socket, () => {}), null, 'no handle');
    client.destroy();
    peer.destroy();
    assert.equal(readFromHandle(peer, () => {}), null, 'destroyed');
  } finally {
    client.destroy();
    peer.destroy();
    server.close();
  }
});

test('pause stops reading from the kernel and resume picks up the bytes that waited there', async () => {
  const server = await listening();
  const { client, peer } = await pair(server);
  try {
    let got = 0;
    const reader = readFromHandle(peer, (lent) => (got += lent.length));
    assert.notEqual(reader, null);
    client.write(Buffer.alloc(1000));
    await until(() => got === 1000, 'the first 1000 bytes');
    reader!.pause();
    client.write(Buffer.alloc(5000));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(got, 1000, 'nothing read while paused');
    reader!.resume();
    await until(() => got === 6000, 'the 5000 bytes that waited');
  } finally {
    client.destroy();
    peer.destroy();
    server.close();
  }
});
