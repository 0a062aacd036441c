/**
 * Admission, deadlines and the input budget of the RTSP listener, in-process on 127.0.0.1 port 0:
 * raw peers from 127.0.0.2 hold half-sent requests and bodies while a reader from 127.0.0.1 does
 * OPTIONS/DESCRIBE/SETUP/PLAY on a stream published straight into the registry.
 */
import { after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { RtspMessageReader } from '../../../../../protocols/rtsp/message/message-reader.ts';
import type { RtspResponse } from '../../../../../protocols/rtsp/message/rtsp-message.ts';
import type { StreamDescription } from '../../../../../protocols/media/frame.ts';
import { startRtspListener, type RtspListener, type RtspListenerOptions } from '../../../../../src/rtsp/server/rtsp-listener.ts';
import { InputBudget } from '../../../../../src/net/input-budget.ts';
import { silentLogger } from '../../../../../src/log/logger.ts';
import { StreamRegistry } from '../../../../../src/streams/registry.ts';
import { waitFor } from '../../../../helpers/server.ts';
import { destroyAllPeers, rawPeer } from '../../../../helpers/raw-peer.ts';
import { au, H264_IDR, H264_NON_IDR, H264_PPS, H264_SPS } from '../../../protocols/flv/fixtures.ts';

const registry = new StreamRegistry('raw', { unpublishedGraceMs: 200 });
const listeners: RtspListener[] = [];
const timers: NodeJS.Timeout[] = [];
const sockets: net.Socket[] = [];

afterEach(() => {
  destroyAllPeers();
  for (const s of sockets.splice(0)) s.destroy();
});
after(async () => {
  for (const t of timers) clearInterval(t);
  await Promise.all(listeners.map((l) => l.close()));
  registry.close();
});

const DESC: StreamDescription = { video: { codec: 'h264', sps: H264_SPS, pps: H264_PPS } };
{
  const pub = registry.publish('site1/cam1', { kind: 'rtmp', remote: 'test' });
  pub.setDescription(DESC);
  let n = 0;
  const step = (): void => {
    const key = n % 10 === 0;
    pub.pushFrame({ track: 'video', dts: n * 40, pts: n * 40, keyframe: key, payload: au(key ? H264_IDR : H264_NON_IDR, Buffer.alloc(30, n & 0xff)) });
    n++;
  };
  step();
  timers.push(setInterval(step, 40));
}

async function setup(options: Partial<RtspListenerOptions> = {}, inputBudget?: InputBudget): Promise<RtspListener> {
  const l = await startRtspListener({ port: 0, host: '127.0.0.1', udp: false, ...options }, { registry, log: silentLogger, ...(inputBudget ? { inputBudget } : {}) });
  listeners.push(l);
  return l;
}

/** A well-behaved reader from 127.0.0.1: OPTIONS, DESCRIBE, SETUP (TCP), PLAY; counts media frames. */
async function reader(port: number): Promise<{ frames: () => number; socket: net.Socket; closed: () => boolean }> {
  const socket = net.connect(port, '127.0.0.1');
  sockets.push(socket);
  const responses: RtspResponse[] = [];
  let frames = 0;
  let closed = false;
  const r = new RtspMessageReader((item) => {
    if (item.kind === 'response') responses.push(item);
    else if (item.kind === 'interleaved') frames++;
  });
  socket.on('data', (d: Buffer) => r.push(d));
  socket.on('close', () => (closed = true));
  socket.on('error', () => {});
  const url = `rtsp://127.0.0.1:${port}/site1/cam1`;
  let cseq = 0;
  let session = '';
  const ask = async (method: string, uri: string, headers: string): Promise<RtspResponse> => {
    const n = String(++cseq);
    socket.write(`${method} ${uri} RTSP/1.0\r\nCSeq: ${n}\r\n${headers}${session ? `Session: ${session}\r\n` : ''}\r\n`);
    const res = await waitFor(() => responses.find((x) => x.headers.get('CSeq') === n), 3000, `${method} answered`, 10);
    assert.equal(res.statusCode, 200, `${method}: ${res.statusCode}`);
    return res;
  };
  await ask('OPTIONS', url, '');
  await ask('DESCRIBE', url, 'Accept: application/sdp\r\n');
  const setup = await ask('SETUP', `${url}/trackID=0`, 'Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n');
  session = (setup.headers.get('Session') ?? '').split(';')[0]!;
  await ask('PLAY', url, '');
  return { frames: () => frames, socket, closed: () => closed };
}

const OPTIONS = (port: number): string => `OPTIONS rtsp://127.0.0.1:${port}/site1/cam1 RTSP/1.0\r\nCSeq: 1\r\n`;

test('rtsp: half-sent headers and half-sent bodies are closed after firstRequestTimeoutMs; a reader connects meanwhile', async () => {
  const l = await setup({ firstRequestTimeoutMs: 400, authoriseTimeoutMs: 5000 });
  const halfHeaders = [0, 1, 2, 3, 4].map(() => rawPeer(l.port, '127.0.0.2'));
  const halfBodies = [0, 1, 2, 3, 4].map(() => rawPeer(l.port, '127.0.0.2'));
  await Promise.all([...halfHeaders, ...halfBodies].map((p) => p.ready));
  for (const p of halfHeaders) p.write(Buffer.from(OPTIONS(l.port))); // no blank line: never complete
  for (const p of halfBodies) p.write(Buffer.from(`ANNOUNCE rtsp://127.0.0.1:${l.port}/site1/x RTSP/1.0\r\nCSeq: 1\r\nContent-Type: application/sdp\r\nContent-Length: 60000\r\n\r\nv=0\r\n`));
  const trickle = setInterval(() => halfBodies.forEach((p) => p.write(Buffer.from('a'))), 50);
  try {
    const good = await reader(l.port);
    const times = await Promise.all([...halfHeaders, ...halfBodies].map((p) => p.closed));
    assert.ok(times.every((t) => t >= 350 && t < 4000), `closed after ${times.join(',')} ms`);
    assert.equal(l.stats.shed.get('first-request-timeout'), 10);
    const before = good.frames();
    await waitFor(() => good.frames() > before + 5, 3000, 'reader still receiving');
    assert.equal(good.closed(), false);
  } finally {
    clearInterval(trickle);
  }
});

test('rtsp: a connection that answers OPTIONS but never gets a session is closed after authoriseTimeoutMs; a playing reader stays', async () => {
  const l = await setup({ firstRequestTimeoutMs: 300, authoriseTimeoutMs: 800 });
  const idle = rawPeer(l.port, '127.0.0.2');
  await idle.ready;
  idle.write(Buffer.from(`${OPTIONS(l.port)}\r\n`));
  const good = await reader(l.port);
  const t = await idle.closed;
  assert.ok(t >= 700 && t < 5000, `closed after ${t} ms`);
  assert.equal(l.stats.shed.get('authorise-timeout'), 1);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(good.closed(), false, 'the reader with a session is past the deadline');
});

test('rtsp: the per-IP cap refuses a 4th socket from 127.0.0.2; 127.0.0.1 still plays', async () => {
  const l = await setup({ maxConnectionsPerIp: 3 });
  const held = [0, 1, 2].map(() => rawPeer(l.port, '127.0.0.2'));
  await Promise.all(held.map((p) => p.ready));
  const fourth = rawPeer(l.port, '127.0.0.2');
  assert.ok((await fourth.closed) < 2000);
  assert.equal(l.stats.shed.get('per-ip-cap'), 1);
  const good = await reader(l.port);
  await waitFor(() => good.frames() > 3, 3000, 'reader frames');
  assert.ok(held.every((p) => !p.isClosed));
});

test('rtsp: half-sent bodies over the total input budget close the largest holders; the reader is unaffected', async () => {
  const budget = new InputBudget({ maxTotalBytes: 1024 * 1024, maxConnectionBytes: 16 * 1024 * 1024, maxUnauthorisedBytes: 256 * 1024 });
  const l = await setup({ firstRequestTimeoutMs: 20_000, authoriseTimeoutMs: 20_000 }, budget);
  const good = await reader(l.port);
  const peers = Array.from({ length: 40 }, () => rawPeer(l.port, '127.0.0.2'));
  await Promise.all(peers.map((p) => p.ready));
  const head = `ANNOUNCE rtsp://127.0.0.1:${l.port}/site1/x RTSP/1.0\r\nCSeq: 1\r\nContent-Type: application/sdp\r\nContent-Length: 65000\r\n\r\n`;
  for (const p of peers) p.write(Buffer.concat([Buffer.from(head), Buffer.alloc(60_000, 0x61)]));
  await waitFor(() => (l.stats.shed.get('input-budget') ?? 0) >= 20, 5000, `budget sheds (${JSON.stringify([...l.stats.shed])})`);
  assert.ok(budget.totalBytes <= 1024 * 1024, `total ${budget.totalBytes}`);
  assert.ok(budget.peakBytes <= 1024 * 1024 + 128 * 1024, `peak ${budget.peakBytes}`);
  const before = good.frames();
  await waitFor(() => good.frames() > before + 5, 3000, 'reader still receiving');
});
