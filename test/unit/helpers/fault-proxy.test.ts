/**
 * The fault proxy of the fault suite (test/helpers/fault-proxy.ts) against a loopback echo server:
 * each mode does what the fault tests rely on, counters add up, nothing is left open.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { FaultProxy } from '../../helpers/fault-proxy.ts';
import { waitFor } from '../../helpers/server.ts';

interface Peer {
  readonly socket: Socket;
  received(): Buffer;
  readonly closed: Promise<Error | null>;
}

function peer(socket: Socket): Peer {
  const chunks: Buffer[] = [];
  let error: Error | null = null;
  socket.on('data', (b: Buffer) => chunks.push(b));
  socket.on('error', (e) => (error = e));
  return { socket, received: () => Buffer.concat(chunks), closed: new Promise((r) => socket.on('close', () => r(error))) };
}

function dial(port: number): Promise<Peer> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(p));
    const p = peer(s);
    s.once('error', reject);
  });
}

describe('fault proxy', () => {
  let echo: Server;
  let echoPort: number;
  /** Upstream ends of the proxied connections, in accept order. */
  const upstreams: Peer[] = [];
  let proxy: FaultProxy;
  const clients: Peer[] = [];
  const open = async (): Promise<Peer> => {
    const c = await dial(proxy.port);
    clients.push(c);
    await waitFor(() => upstreams.length >= clients.length, 2000, 'the upstream connection');
    return c;
  };

  before(async () => {
    echo = createServer({ allowHalfOpen: true }, (s) => {
      const p = peer(s);
      upstreams.push(p);
      s.on('data', (b: Buffer) => s.write(b));
      s.on('end', () => s.end());
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    echoPort = (echo.address() as AddressInfo).port;
    proxy = await FaultProxy.start({ port: echoPort });
  });

  after(async () => {
    await proxy.close();
    for (const c of clients) c.socket.destroy();
    for (const u of upstreams) u.socket.destroy();
    await new Promise<void>((r) => echo.close(() => r()));
  });

  it('pass: forwards both ways and counts bytes', async () => {
    proxy.setMode({ kind: 'pass' });
    const c = await open();
    c.socket.write('hello');
    await waitFor(() => c.received().toString() === 'hello', 2000, 'the echo');
    assert.equal(proxy.counters.bytesUp, 5);
    assert.equal(proxy.counters.bytesDown, 5);
    assert.equal(proxy.counters.active, 1);
  });

  it('delay: each direction holds every chunk for the delay, in order', async () => {
    proxy.setMode({ kind: 'delay', ms: 150 });
    const c = await open();
    const t0 = Date.now();
    c.socket.write('a');
    setTimeout(() => c.socket.write('b'), 20);
    await waitFor(() => c.received().toString() === 'ab', 3000, 'the delayed echo', 5);
    const rtt = Date.now() - t0;
    assert.ok(rtt >= 2 * 150 + 20 - 5, `round trip ${rtt} ms through two 150 ms delays`);
    assert.ok(rtt < 2000, `round trip ${rtt} ms`);
  });

  it('throttle: bytes per second bounded', async () => {
    proxy.setMode({ kind: 'throttle', bytesPerSecond: 100_000 });
    const c = await open();
    const payload = Buffer.alloc(60_000, 7);
    const t0 = Date.now();
    c.socket.write(payload);
    await waitFor(() => c.received().length === payload.length, 10_000, 'the throttled echo', 10);
    const ms = Date.now() - t0;
    // 60 kB at 100 kB/s is 600 ms, less the 100 ms burst allowance of each direction's bucket.
    assert.ok(ms >= 450, `60 kB through 100 kB/s in ${ms} ms`);
    assert.deepEqual(c.received(), payload);
  });

  it('stall: accepts, forwards nothing (not even a close) until the mode changes', async () => {
    proxy.setMode({ kind: 'stall' });
    const before = proxy.counters.bytesUp;
    const c = await open();
    const up = upstreams.at(-1)!;
    c.socket.write('held');
    c.socket.end();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(up.received().length, 0, 'nothing reached the target');
    assert.equal(proxy.counters.bytesUp, before);
    assert.equal(up.socket.readableEnded, false, 'the close is held back too');
    proxy.setMode({ kind: 'pass' });
    await waitFor(() => c.received().toString() === 'held', 2000, 'the held bytes through once passing');
    assert.equal(await c.closed, null, 'the half-close went through and the pair closed cleanly');
  });

  it('reset: every current connection gets an RST on both sides', async () => {
    proxy.setMode({ kind: 'pass' });
    const a = await open();
    const b = await open();
    const ua = upstreams.at(-2)!;
    const n = proxy.reset();
    assert.ok(n >= 2);
    for (const p of [a, b, ua]) {
      const err = await p.closed;
      assert.equal((err as NodeJS.ErrnoException | null)?.code, 'ECONNRESET');
    }
    assert.equal(proxy.counters.active, 0);
    assert.ok(proxy.counters.resets >= 2);
    // New connections work again.
    const c = await open();
    c.socket.write('x');
    await waitFor(() => c.received().toString() === 'x', 2000, 'an echo after the reset');
  });

  it('no target: connections are closed at once and counted', async () => {
    proxy.setTarget(null);
    const refused = proxy.counters.refused;
    const c = await dial(proxy.port);
    clients.push(c);
    await c.closed;
    assert.equal(proxy.counters.refused, refused + 1);
    proxy.setTarget({ port: echoPort });
  });
});
