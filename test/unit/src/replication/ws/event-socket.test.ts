import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { connectEventSocket, expectedAccept } from '../../../../../src/replication/ws/event-socket.ts';

/** A scripted WebSocket server on 127.0.0.1:0: `onSocket` gets each upgraded socket. */
async function wsServer(onSocket: (s: Socket, req: http.IncomingMessage) => void, accept = expectedAccept): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = http.createServer((_req, res) => {
    res.writeHead(404).end();
  });
  server.on('upgrade', (req, socket: Socket) => {
    sockets.add(socket);
    const key = String(req.headers['sec-websocket-key']);
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept(key)}\r\n\r\n`);
    onSocket(socket, req);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/api/v1/events`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const text = (s: string): Buffer => Buffer.concat([Buffer.from([0x81, Buffer.byteLength(s)]), Buffer.from(s)]);

test('event socket: handshake with bearer token, JSON events, ping answered with a masked pong, server close', async () => {
  let authorization: string | undefined;
  const received: Buffer[] = [];
  const srv = await wsServer((socket, req) => {
    authorization = req.headers.authorization;
    socket.on('data', (b: Buffer) => received.push(b));
    socket.write(Buffer.concat([text('{"type":"stream.up","path":"a/b"}'), text('not json'), Buffer.from([0x89, 2, 0x68, 0x69])]));
    setTimeout(() => socket.write(Buffer.from([0x88, 2, 0x03, 0xe8])), 50);
  });
  try {
    const events: unknown[] = [];
    let opened = false;
    const reason = await new Promise<string>((resolve) => {
      connectEventSocket({ url: srv.url, token: 'secret-token', onOpen: () => (opened = true), onEvent: (e) => events.push(e), onClose: resolve });
    });
    assert.equal(opened, true);
    assert.equal(authorization, 'Bearer secret-token');
    assert.deepEqual(events, [{ type: 'stream.up', path: 'a/b' }]);
    assert.match(reason, /server closed/);
    const bytes = Buffer.concat(received);
    assert.equal(bytes[0], 0x8a, 'pong first');
    assert.equal(bytes[1], 0x80 | 2, 'masked, 2 bytes');
    const key = bytes.subarray(2, 6);
    assert.equal(Buffer.from(bytes.subarray(6, 8).map((b, i) => b ^ key[i]!)).toString(), 'hi');
  } finally {
    await srv.close();
  }
});

test('event socket: a wrong Sec-WebSocket-Accept, a plain HTTP answer and a refused connection all close with a reason', async () => {
  const bad = await wsServer(() => {}, () => 'wrong');
  try {
    const r = await new Promise<string>((resolve) => connectEventSocket({ url: bad.url, onEvent: () => {}, onClose: resolve }));
    assert.match(r, /Sec-WebSocket-Accept/);
  } finally {
    await bad.close();
  }
  const plain = http.createServer((_q, res) => res.writeHead(401).end());
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
  const port = (plain.address() as AddressInfo).port;
  try {
    const r = await new Promise<string>((resolve) => connectEventSocket({ url: `http://127.0.0.1:${port}/api/v1/events`, onEvent: () => {}, onClose: resolve }));
    assert.match(r, /HTTP 401/);
  } finally {
    await new Promise<void>((r) => plain.close(() => r()));
  }
  const r = await new Promise<string>((resolve) => connectEventSocket({ url: `http://127.0.0.1:${port}/x`, onEvent: () => {}, onClose: resolve }));
  assert.match(r, /request failed/);
});

test('event socket: close() sends a close frame and never calls onClose', async () => {
  let gotData!: (b: Buffer) => void;
  const firstData = new Promise<Buffer>((r) => (gotData = r));
  const srv = await wsServer((socket) => {
    socket.once('data', gotData);
  });
  try {
    let closes = 0;
    const opened = new Promise<void>((resolve) => {
      const ws = connectEventSocket({
        url: srv.url,
        onOpen: () => {
          resolve();
          setImmediate(() => ws.close());
        },
        onEvent: () => {},
        onClose: () => closes++,
      });
    });
    await opened;
    const first = await firstData;
    assert.equal(first[0], 0x88);
    assert.equal(closes, 0);
  } finally {
    await srv.close();
  }
});
