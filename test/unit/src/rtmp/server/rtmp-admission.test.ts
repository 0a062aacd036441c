/**
 * Admission, deadlines and the input budget of the RTMP listener, in-process on 127.0.0.1 port 0:
 * raw peers (attackers bound to 127.0.0.2) hold sockets, drip, or park partial messages, while
 * our own RtmpClient publishes from 127.0.0.1. Deadlines are injected short (hundreds of ms).
 */
import { after, afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamRegistry } from '../../../../../src/streams/registry.ts';
import { startRtmpListener, type RtmpListener, type RtmpListenerOptions } from '../../../../../src/rtmp/server/rtmp-listener.ts';
import { InputBudget } from '../../../../../src/net/input-budget.ts';
import { createLogger } from '../../../../../src/log/logger.ts';
import { RtmpClient } from '../../../../../src/rtmp/client/rtmp-client.ts';
import { waitFor } from '../../../../helpers/server.ts';
import { destroyAllPeers, partialMessages, rawPeer, rtmpConnect, rtmpPeer, rtmpPlay } from '../../../../helpers/raw-peer.ts';
import { OutputBudget } from '../../../../../src/streams/output-budget.ts';
import { au, H264_IDR, H264_PPS, H264_SPS } from '../../../protocols/flv/fixtures.ts';

const log = createLogger('silent');
const listeners: RtmpListener[] = [];
const clients: RtmpClient[] = [];

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  destroyAllPeers();
});
after(async () => {
  await Promise.all(listeners.map((l) => l.close()));
});

async function setup(options: Partial<RtmpListenerOptions> = {}, inputBudget?: InputBudget) {
  const registry = new StreamRegistry('raw', { unpublishedGraceMs: 200 });
  const listener = await startRtmpListener({ port: 0, host: '127.0.0.1', ...options }, { registry, log, ...(inputBudget ? { inputBudget } : {}) });
  listeners.push(listener);
  return { registry, listener, url: (path: string) => `rtmp://127.0.0.1:${listener.port}/${path}` };
}

function publish(url: string): Promise<RtmpClient> {
  return new Promise((resolve, reject) => {
    const c = RtmpClient.publish(url, { onStarted: () => resolve(c), onClose: (e) => reject(e ?? new Error('publisher closed')) });
    clients.push(c);
    c.setDescription({ video: { codec: 'h264', sps: H264_SPS, pps: H264_PPS } });
  });
}

const keyframe = (dts: number) => ({ track: 'video' as const, dts, pts: dts, keyframe: true, payload: au(H264_IDR, Buffer.alloc(30_000, 1)) });

test('rtmp: a socket that sends nothing is closed after firstRequestTimeoutMs; one that connects but never publishes after authoriseTimeoutMs', async () => {
  const { listener } = await setup({ firstRequestTimeoutMs: 300, authoriseTimeoutMs: 900 });
  const silent = rawPeer(listener.port, '127.0.0.2');
  const handshakeOnly = rtmpPeer(listener.port, { localAddress: '127.0.0.2' });
  // After `connect`, the header of a 1000-byte message on chunk stream 5, then its body a byte at a time.
  const dripHeader = Buffer.from('05000000 0003e8 09 01000000'.replace(/ /g, ''), 'hex');
  const connected = rtmpPeer(listener.port, { localAddress: '127.0.0.2', after: [rtmpConnect(), dripHeader] });
  const drip = setInterval(() => connected.write(Buffer.from([0])), 100);
  try {
    const [a, b, c] = await Promise.all([silent.closed, handshakeOnly.closed, connected.closed]);
    assert.ok(a >= 250 && a < 3000, `silent socket closed after ${a} ms`);
    assert.ok(b >= 250 && b < 3000, `handshake-only socket closed after ${b} ms`);
    assert.ok(c >= 800 && c < 5000, `connected-but-unauthorised socket closed after ${c} ms`);
  } finally {
    clearInterval(drip);
  }
  assert.equal(listener.stats.shed.get('first-request-timeout'), 2);
  assert.equal(listener.stats.shed.get('authorise-timeout'), 1);
});

test('rtmp: an accepted publish is past both deadlines and keeps its connection', async () => {
  const { listener, url, registry } = await setup({ firstRequestTimeoutMs: 300, authoriseTimeoutMs: 600 });
  const pub = await publish(url('site1/cam1'));
  pub.pushFrame(keyframe(0));
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(registry.get('site1/cam1')?.live, true);
  assert.equal(listener.connectionCount, 1);
  assert.equal(listener.stats.shed.size, 0);
});

test('rtmp: the per-IP cap refuses a 4th socket from 127.0.0.2 while 127.0.0.1 still publishes', async () => {
  const { listener, url } = await setup({ maxConnectionsPerIp: 3 });
  const held = [0, 1, 2].map(() => rtmpPeer(listener.port, { localAddress: '127.0.0.2' }));
  await Promise.all(held.map((p) => p.ready));
  const fourth = rtmpPeer(listener.port, { localAddress: '127.0.0.2' });
  const closedAfter = await fourth.closed;
  assert.ok(closedAfter < 2000, `refused at once (${closedAfter} ms)`);
  assert.equal(listener.stats.shed.get('per-ip-cap'), 1);
  await publish(url('site1/cam1'));
  assert.ok(held.every((p) => !p.isClosed), 'the admitted ones stay');
});

test('rtmp: with every unauthorised slot held, a new camera takes the oldest one and publishes', async () => {
  const { listener, url } = await setup({ maxConnections: 8, maxUnauthorisedConnections: 4 });
  const held = [0, 1, 2, 3].map(() => rtmpPeer(listener.port, { localAddress: '127.0.0.2', after: [rtmpConnect()] }));
  for (const p of held) await p.ready; // in order: held[0] is the oldest
  await waitFor(() => listener.connectionCount === 4, 2000, '4 held connections');
  await publish(url('site1/cam1'));
  await held[0]!.closed;
  assert.equal(listener.stats.shed.get('evicted'), 1);
  assert.ok(held.slice(1).every((p) => !p.isClosed), 'only the oldest was evicted');
});

test('rtmp: partial messages past the unauthorised input cap close that connection; a camera\'s big frames are unaffected', async () => {
  const budget = new InputBudget({ maxTotalBytes: 6 * 1024 * 1024, maxConnectionBytes: 16 * 1024 * 1024, maxUnauthorisedBytes: 256 * 1024 });
  const { listener, url, registry } = await setup({}, budget);
  const pub = await publish(url('site1/cam1'));
  // 60 chunk streams x one 64 KiB chunk of a 300 KiB message: ~3.75 MiB held if nothing stopped it.
  const attack = partialMessages({ chunkSize: 65536, streams: 60, messageBytes: 300 * 1024, sentChunks: 1 });
  const attackers = [0, 1, 2].map(() => rtmpPeer(listener.port, { localAddress: '127.0.0.2', after: [rtmpConnect(), attack] }));
  await Promise.all(attackers.map((a) => a.closed));
  assert.equal(listener.stats.shed.get('connection-budget'), 3);
  assert.ok(budget.peakBytes < 3 * (256 + 64 + 64) * 1024 + 1024 * 1024, `peak ${budget.peakBytes}`);
  // A camera (authorised: the larger cap) sending a big keyframe is fine.
  for (let i = 0; i < 5; i++) pub.pushFrame(keyframe(i * 40));
  await waitFor(() => (registry.get('site1/cam1')?.stats.framesIn ?? 0) >= 5, 3000, 'camera frames');
  assert.equal(listener.stats.shed.get('input-budget'), undefined);
  await waitFor(() => budget.totalBytes < 64 * 1024, 2000, `input released (${budget.totalBytes})`);
});

test('rtmp: over the total input budget the largest unauthorised holders are closed, the publishing camera is not', async () => {
  const budget = new InputBudget({ maxTotalBytes: 6 * 1024 * 1024, maxConnectionBytes: 16 * 1024 * 1024, maxUnauthorisedBytes: 8 * 1024 * 1024 });
  const { listener, url, registry } = await setup({}, budget);
  const pub = await publish(url('site1/cam1'));
  const attack = partialMessages({ chunkSize: 65536, streams: 60, messageBytes: 300 * 1024, sentChunks: 1 });
  const attackers = [0, 1, 2].map(() => rtmpPeer(listener.port, { localAddress: '127.0.0.2', after: [rtmpConnect(), attack] }));
  await waitFor(() => attackers.filter((a) => a.isClosed).length >= 2, 5000, 'attackers over the total closed');
  assert.ok((listener.stats.shed.get('input-budget') ?? 0) >= 2, JSON.stringify([...listener.stats.shed]));
  assert.ok(budget.totalBytes <= 6 * 1024 * 1024, `total ${budget.totalBytes}`);
  for (let i = 0; i < 5; i++) pub.pushFrame(keyframe(i * 40));
  await waitFor(() => (registry.get('site1/cam1')?.stats.framesIn ?? 0) >= 5, 3000, 'camera frames');
  assert.equal(registry.get('site1/cam1')?.live, true);
});

test('rtmp: over the node-wide output budget a reader that stopped reading drops frames; one that keeps up gets them all', async () => {
  const budget = new OutputBudget(256 * 1024);
  // 64 MiB per reader: without the node-wide budget nothing would drop in the ~20 MB this test
  // sends (the kernel's loopback buffers take the first few MB of the stuck reader's backlog).
  const { url, registry } = await setup({ readerQueue: { maxPendingBytes: 64 * 1024 * 1024, maxDroppingMs: 60_000, budget } });
  const pub = await publish(url('site1/cam1'));
  pub.pushFrame(keyframe(0));
  await waitFor(() => registry.get('site1/cam1')?.live === true, 3000, 'live');
  const stuck = rtmpPeer(listeners.at(-1)!.port, { localAddress: '127.0.0.2', after: [rtmpPlay('site1', 'cam1')], stopReading: true });
  await stuck.ready;
  let good = 0;
  await new Promise<void>((resolve, reject) => {
    const c = RtmpClient.play(url('site1/cam1'), { onStarted: () => resolve(), onFrame: (f) => void (f.track === 'video' && good++), onClose: (e) => reject(e ?? new Error('closed')) });
    clients.push(c);
  });
  await waitFor(() => registry.get('site1/cam1')!.readerCount() === 2, 3000, 'two readers');
  const stream = registry.get('site1/cam1')!;
  const goodBefore = good;
  const big = (dts: number) => ({ ...keyframe(dts), payload: au(H264_IDR, Buffer.alloc(200_000, 2)) });
  for (let i = 1; i <= 100; i++) {
    pub.pushFrame(big(i * 40));
    await new Promise((r) => setTimeout(r, 5));
  }
  await waitFor(() => good - goodBefore >= 100, 5000, `the reading player got every frame (${good - goodBefore})`);
  assert.ok(stream.stats.framesDropped > 0, 'the stuck reader dropped frames');
  assert.ok(budget.totalBytes < 16 * 1024 * 1024, `output total ${budget.totalBytes}`);
});
