/**
 * How the API server (uWebSockets.js) binds: like Node's `net` listeners, with SO_REUSEADDR (a
 * restart rebinds the port while the old connections sit in TIME-WAIT) and without SO_REUSEPORT
 * (a second server on the same port fails instead of binding beside the first).
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { probeFreePort } from '../../../../src/api/uws-listen.ts';
import { noTcpTable, timeWaitCount } from '../../../helpers/tcp-state.ts';
import { startFixture } from './fixture.ts';

/** Opens a keep-alive HTTP connection to the server and leaves it open (the server closes it). */
async function idleConnection(port: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  await new Promise<void>((resolve) => socket.once('data', () => resolve()));
  socket.on('error', () => {});
  return socket;
}

// The skip is on each test (node:test's summary counts skipped tests, not suites).
describe('API server binding', () => {
  for (const first of ['an OS-chosen port (0)', 'a fixed port'] as const) {
    it(`rebinds ${first} at once while the old server's connections are in TIME-WAIT`, { skip: noTcpTable }, async () => {
      const port = first === 'a fixed port' ? await probeFreePort('127.0.0.1') : 0;
      const a = await startFixture({ port });
      const bound = a.port;
      const clients = await Promise.all([idleConnection(bound), idleConnection(bound)]);
      // The server closes first (as a killed process's kernel does): its side goes to TIME-WAIT.
      await a.close();
      await Promise.all(clients.map((c) => new Promise<void>((resolve) => (c.destroyed ? resolve() : c.once('close', () => resolve())))));
      assert.ok((await timeWaitCount(bound)) > 0, 'the old connections are in TIME-WAIT (else this test proves nothing)');
      const b = await startFixture({ port: bound });
      try {
        assert.equal(b.port, bound);
        assert.equal((await b.request('GET', '/healthz', undefined, null)).status, 200);
      } finally {
        await b.close();
      }
    });
  }

  it('refuses a second server on the same fixed port instead of binding beside the first', { skip: noTcpTable }, async () => {
    const a = await startFixture({ port: await probeFreePort('127.0.0.1') });
    try {
      await assert.rejects(startFixture({ port: a.port }), /API cannot listen on 127\.0\.0\.1:\d+/);
      // The first one still answers every request (nothing shares its port).
      for (let i = 0; i < 8; i++) assert.equal((await a.request('GET', '/healthz', undefined, null)).status, 200);
    } finally {
      await a.close();
    }
  });

  it('fails on a port a Node listener holds', { skip: noTcpTable }, async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    try {
      await assert.rejects(startFixture({ port: (holder.address() as net.AddressInfo).port }), /API cannot listen/);
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  });
});
