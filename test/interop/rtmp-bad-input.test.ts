/**
 * Hostile and broken RTMP peers against `cupola serve` while a good stream flows (ffmpeg publisher,
 * our client and ffmpeg as readers): each bad connection is closed on its own, the server keeps
 * running, and the good reader sees no gap (every 40 ms frame arrives, none late).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { killAllFfmpeg, runFfmpeg, syntheticCameraArgs, waitExit, type FfmpegRun } from '../helpers/ffmpeg.ts';
import { startServer, stopAllServers, waitFor, type ServerProcess } from '../helpers/server.ts';
import { RtmpClient } from '../../src/rtmp/client/rtmp-client.ts';
import { ClientHandshake } from '../../protocols/rtmp/handshake/client-handshake.ts';
import { ChunkReader } from '../../protocols/rtmp/chunk/chunk-reader.ts';
import { encodeChunks } from '../../protocols/rtmp/chunk/chunk-writer.ts';
import { commandMessage, decodeCommand } from '../../protocols/rtmp/message/command.ts';
import { setChunkSizeMessage } from '../../protocols/rtmp/message/protocol-control.ts';
import { MessageType } from '../../protocols/rtmp/message/message-type.ts';

let server: ServerProcess;
let publisher: FfmpegRun;
const arrivals: { dts: number; at: number }[] = [];
let good: RtmpClient;

interface BadResult {
  closedByServer: boolean;
  received: Buffer;
}

/**
 * Opens a raw connection, optionally completes a real handshake, sends `bytes`, and reports
 * whether the server closed the connection within `waitMs`.
 */
function badPeer(o: { handshake: boolean; bytes: Buffer[]; endAfter?: boolean; waitMs?: number }): Promise<BadResult> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port: server.ports.rtmp });
    const hs = new ClientHandshake({ randomBytes, timeMs: 0 });
    const received: Buffer[] = [];
    let handshaken = !o.handshake;
    let settled = false;
    const finish = (closedByServer: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ closedByServer, received: Buffer.concat(received) });
    };
    const timer = setTimeout(() => finish(false), o.waitMs ?? 5000);
    const sendPayload = () => {
      for (const b of o.bytes) sock.write(b);
      if (o.endAfter === true) sock.end();
    };
    sock.on('connect', () => {
      if (o.handshake) sock.write(Buffer.concat(hs.start()));
      else sendPayload();
    });
    sock.on('data', (d: Buffer) => {
      if (!handshaken) {
        const step = hs.push(d);
        if (step.send.length > 0) sock.write(Buffer.concat(step.send));
        if (!step.done) return;
        handshaken = true;
        if (step.rest !== null) received.push(step.rest);
        sendPayload();
        return;
      }
      received.push(d);
    });
    sock.on('error', () => finish(true));
    sock.on('close', () => finish(true));
  });
}

const chunks = (m: Parameters<typeof encodeChunks>[0], size = 128): Buffer => Buffer.concat(encodeChunks(m, size));
const connect = chunks(commandMessage({ name: 'connect', transactionId: 1, commandObject: { app: 'site1', tcUrl: 'rtmp://127.0.0.1/site1' }, args: [] }));

before(async () => {
  server = await startServer({ args: ['--no-compress'] });
  publisher = runFfmpeg(['-loglevel', 'error', ...syntheticCameraArgs(server.rtmpUrl('site1/good'), { seconds: 120 })]);
  await waitFor(async () => {
    const r = await fetch(server.apiUrl('/api/v1/streams')).catch(() => undefined);
    return r !== undefined && r.ok && (await r.text()).includes('site1/good');
  }, 15_000, 'good stream live');
  await new Promise<void>((resolve, reject) => {
    good = RtmpClient.play(server.rtmpUrl('site1/good'), {
      onFrame: (f) => {
        if (f.track === 'video') arrivals.push({ dts: f.dts, at: Date.now() });
      },
      onStarted: () => resolve(),
      onClose: (e) => reject(e ?? new Error('good reader closed')),
    });
  });
  await waitFor(() => arrivals.length >= 50, 15_000, 'good reader flowing');
});

after(async () => {
  good?.close();
  await killAllFfmpeg();
  await stopAllServers();
});

const cases: Array<{ name: string; run: () => Promise<BadResult>; code?: string }> = [
  { name: 'malformed handshake (RTMPE version 6)', run: () => badPeer({ handshake: false, bytes: [Buffer.from([6]), randomBytes(1536)] }), code: 'RTMP_HANDSHAKE_VERSION_UNSUPPORTED' },
  { name: 'garbage instead of a handshake (HTTP request)', run: () => badPeer({ handshake: false, bytes: [Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')] }) },
  { name: 'bad chunk size (0)', run: () => badPeer({ handshake: true, bytes: [chunks(setChunkSizeMessage(0))] }), code: 'RTMP_CHUNK_SIZE_INVALID' },
  {
    name: 'oversized message (16 MiB announced)',
    run: () => badPeer({ handshake: true, bytes: [Buffer.from('06000000ffffff0901000000', 'hex')] }),
    code: 'RTMP_MESSAGE_TOO_LARGE',
  },
  {
    name: 'too many chunk streams',
    run: () =>
      badPeer({
        handshake: true,
        bytes: Array.from({ length: 70 }, (_, i) => chunks({ chunkStreamId: 3 + i, timestamp: 0, typeId: MessageType.Audio, messageStreamId: 1, payload: Buffer.from('af01', 'hex') })),
      }),
    code: 'RTMP_TOO_MANY_CHUNK_STREAMS',
  },
  { name: 'truncated data, then EOF', run: () => badPeer({ handshake: true, bytes: [connect.subarray(0, 20)], endAfter: true }) },
  { name: 'garbage after the handshake', run: () => badPeer({ handshake: true, bytes: [Buffer.from('deadbeef'.repeat(1024), 'hex')] }), code: 'RTMP_CHUNK_NO_PREVIOUS_HEADER' },
  { name: 'command before connect', run: () => badPeer({ handshake: true, bytes: [chunks(commandMessage({ name: 'play', transactionId: 0, commandObject: null, args: ['x'] }))] }), code: 'RTMP_COMMAND_BEFORE_CONNECT' },
];

for (const c of cases) {
  test(`bad input: ${c.name} closes only that connection`, async () => {
    const r = await c.run();
    assert.equal(r.closedByServer, true, 'the server closed the bad connection');
    if (c.code !== undefined) await waitFor(() => server.logs().includes(c.code!), 5000, `log line with ${c.code}`);
  });
}

test('unknown command is answered with _error and the connection stays open', async () => {
  const unknown = chunks(commandMessage({ name: 'fooBar', transactionId: 5, commandObject: null, args: [] }));
  const r = await badPeer({ handshake: true, bytes: [connect, unknown], waitMs: 1500 });
  assert.equal(r.closedByServer, false);
  const names: string[] = [];
  const reader = new ChunkReader((m) => {
    if (m.typeId === MessageType.CommandAmf0) {
      const cmd = decodeCommand(m);
      names.push(`${cmd.name}:${cmd.transactionId}`);
    }
  });
  reader.push(r.received);
  assert.ok(names.includes('_result:1'), names.join(','));
  assert.ok(names.includes('_error:5'), names.join(','));
});

test('the good stream flowed without a gap through all of it; a fresh ffmpeg reader still works', async () => {
  assert.equal(publisher.proc.exitCode, null, 'publisher still running');
  assert.equal(server.proc.exitCode, null, 'server still running');
  const steps = arrivals.slice(1).map((a, i) => a.dts - arrivals[i]!.dts);
  assert.ok(steps.every((s) => s > 0 && s <= 41), `video dts steps: ${[...new Set(steps)].join(',')}`);
  const lateness = arrivals.slice(1).map((a, i) => a.at - arrivals[i]!.at);
  assert.ok(Math.max(...lateness) < 1000, `largest arrival gap ${Math.max(...lateness)} ms`);
  const ff = runFfmpeg(['-loglevel', 'info', '-i', server.rtmpUrl('site1/good'), '-map', '0:v', '-c', 'copy', '-frames:v', '30', '-f', 'null', '-']);
  assert.equal((await waitExit(ff, 15_000)).code, 0, ff.stderr().slice(-1500));
});
