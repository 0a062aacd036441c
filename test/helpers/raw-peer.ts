/**
 * Raw TCP peers for admission and budget tests: an RTMP peer that does a real handshake (our own
 * ClientHandshake) and then sends whatever the test scripts, and an RTSP peer that sends bytes
 * as given. Each can bind a chosen loopback source address (127.0.0.0/8 all reach 127.0.0.1), so a
 * test can play attackers from 127.0.0.2 and a legitimate client from 127.0.0.1. Every peer is
 * tracked and destroyed by `destroyAllPeers()`.
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { ClientHandshake } from '../../protocols/rtmp/handshake/client-handshake.ts';
import { encodeChunks } from '../../protocols/rtmp/chunk/chunk-writer.ts';
import { commandMessage } from '../../protocols/rtmp/message/command.ts';
import { setChunkSizeMessage } from '../../protocols/rtmp/message/protocol-control.ts';
import { MessageType } from '../../protocols/rtmp/message/message-type.ts';

export interface RawPeer {
  readonly socket: net.Socket;
  /** Resolves when the server closed (or reset) the connection, with ms since connect was called. */
  readonly closed: Promise<number>;
  readonly isClosed: boolean;
  /** Resolves once the TCP connection (and, for RTMP, the handshake) is done; rejects if closed before. */
  readonly ready: Promise<void>;
  write(b: Buffer): void;
  destroy(): void;
}

const peers = new Set<RawPeer>();

export function destroyAllPeers(): void {
  for (const p of peers) p.destroy();
  peers.clear();
}

function open(port: number, localAddress: string | undefined, onReady: (sock: net.Socket, ready: () => void) => void): RawPeer {
  const started = Date.now();
  const socket = net.connect({ host: '127.0.0.1', port, ...(localAddress !== undefined ? { localAddress } : {}) });
  let isClosed = false;
  let resolveReady!: () => void;
  let rejectReady!: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  ready.catch(() => {}); // a peer the test expects to be refused
  const closed = new Promise<number>((resolve) => {
    const done = (): void => {
      if (isClosed) return;
      isClosed = true;
      rejectReady(new Error('closed before ready'));
      resolve(Date.now() - started);
    };
    socket.on('close', done);
    socket.on('error', done);
  });
  socket.on('connect', () => onReady(socket, resolveReady));
  const peer: RawPeer = {
    socket,
    closed,
    get isClosed() {
      return isClosed;
    },
    ready,
    write: (b) => {
      if (!socket.destroyed) socket.write(b);
    },
    destroy: () => socket.destroy(),
  };
  peers.add(peer);
  return peer;
}

/** A raw RTSP (or any plain TCP) peer: `ready` resolves on connect; what the server sends is read and dropped. */
export function rawPeer(port: number, localAddress?: string): RawPeer {
  return open(port, localAddress, (sock, ready) => {
    sock.on('data', () => {}); // a paused socket would never see the server's FIN
    ready();
  });
}

/**
 * An RTMP peer that completes the handshake, then sends `after` (and nothing else unless the test
 * writes). With `stopReading` it never reads again: a reader whose socket backs up.
 */
export function rtmpPeer(port: number, o: { localAddress?: string; after?: readonly Buffer[]; stopReading?: boolean } = {}): RawPeer {
  return open(port, o.localAddress, (sock, ready) => {
    const hs = new ClientHandshake({ randomBytes, timeMs: 0 });
    sock.write(Buffer.concat(hs.start()));
    const onData = (d: Buffer): void => {
      const step = hs.push(d);
      if (step.send.length > 0) sock.write(Buffer.concat(step.send));
      if (!step.done) return;
      sock.off('data', onData);
      if (o.stopReading === true) sock.pause();
      else sock.on('data', () => {}); // keep reading what the server sends
      for (const b of o.after ?? []) sock.write(b);
      ready();
    };
    sock.on('data', onData);
  });
}

const chunks = (m: Parameters<typeof encodeChunks>[0], size = 128): Buffer => Buffer.concat(encodeChunks(m, size));

/** `connect`, `createStream` (the server's first stream id is 1) and `play` of `app/name` on it. */
export function rtmpPlay(app: string, name: string): Buffer {
  return Buffer.concat([
    rtmpConnect(app),
    chunks(commandMessage({ name: 'createStream', transactionId: 2, commandObject: null, args: [] })),
    chunks(commandMessage({ name: 'play', transactionId: 0, commandObject: null, args: [name] }, 1, 8)),
  ]);
}

/** RTMP `connect` to app `site1`, in 128-byte chunks. */
export function rtmpConnect(app = 'site1'): Buffer {
  return chunks(commandMessage({ name: 'connect', transactionId: 1, commandObject: { app, tcUrl: `rtmp://127.0.0.1/${app}` }, args: [] }));
}

/**
 * Reliability issue 10 item 2's pattern: Set Chunk Size `chunkSize`, then `streams` chunk streams
 * each starting a `messageBytes` video message and sending only its first `sentChunks` whole
 * chunks, so the server holds that many partial messages and never completes one.
 */
export function partialMessages(o: { chunkSize: number; streams: number; messageBytes: number; sentChunks: number }): Buffer {
  const parts = [chunks(setChunkSizeMessage(o.chunkSize))];
  const payload = Buffer.alloc(o.messageBytes, 0x5a);
  // csid < 64: a 1-byte basic header + the 11-byte type-0 header, then 1-byte type-3 headers.
  const sent = 12 + o.chunkSize + (o.sentChunks - 1) * (1 + o.chunkSize);
  if (sent >= 12 + o.messageBytes) throw new Error('the messages would be complete');
  for (let i = 0; i < o.streams; i++) {
    const wire = chunks({ chunkStreamId: 4 + i, timestamp: 0, typeId: MessageType.Video, messageStreamId: 1, payload }, o.chunkSize);
    parts.push(wire.subarray(0, sent));
  }
  return Buffer.concat(parts);
}
