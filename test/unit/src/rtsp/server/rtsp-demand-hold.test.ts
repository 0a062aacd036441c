/**
 * On-demand paths at the RTSP listener: a DESCRIBE of a path the registry starts on demand is held
 * (with the requests pipelined behind it) until the demand settles, then answered in order; a
 * demand that gives up is answered 404; on a protected factory a DESCRIBE without credentials gets
 * its 401 at once and starts nothing.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { RtspMessageReader } from '../../../../../protocols/rtsp/message/message-reader.ts';
import type { RtspResponse } from '../../../../../protocols/rtsp/message/rtsp-message.ts';
import type { StreamDescription } from '../../../../../protocols/media/frame.ts';
import { startRtspListener, type RtspListener } from '../../../../../src/rtsp/server/rtsp-listener.ts';
import { silentLogger } from '../../../../../src/log/logger.ts';
import { StreamRegistry } from '../../../../../src/streams/registry.ts';
import { H264_PPS, H264_SPS } from '../../../protocols/flv/fixtures.ts';
import { until } from '../../../../helpers/wait.ts';

const DESC: StreamDescription = { video: { codec: 'h264', sps: H264_SPS, pps: H264_PPS } };
const listeners: RtspListener[] = [];
const sockets: net.Socket[] = [];
const registries: StreamRegistry[] = [];

after(async () => {
  for (const s of sockets) s.destroy();
  for (const l of listeners) await l.close();
  for (const r of registries) r.close();
});

function client(port: number): { socket: net.Socket; responses: RtspResponse[] } {
  const socket = net.connect(port, '127.0.0.1');
  sockets.push(socket);
  const responses: RtspResponse[] = [];
  const reader = new RtspMessageReader((item) => {
    if (item.kind === 'response') responses.push(item);
  });
  socket.on('data', (d: Buffer) => reader.push(d));
  socket.on('error', () => {});
  return { socket, responses };
}

function pipelined(url: string): string {
  return `DESCRIBE ${url} RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\n\r\nOPTIONS ${url} RTSP/1.0\r\nCSeq: 2\r\n\r\n`;
}

test('DESCRIBE of an on-demand path waits for the demand, pipelined requests are answered after it in order', async () => {
  const registry = new StreamRegistry('raw');
  registries.push(registry);
  let release: (ok: boolean) => void = () => {};
  const asked: string[] = [];
  registry.setDemandHandler((path) => {
    asked.push(path);
    return new Promise<boolean>((resolve) => (release = resolve));
  });
  const listener = await startRtspListener({ port: 0, host: '127.0.0.1' }, { registry, log: silentLogger });
  listeners.push(listener);
  const c = client(listener.port);
  c.socket.write(pipelined(`rtsp://127.0.0.1:${listener.port}/site1/od`));
  await until(() => asked.length === 1, 'the demand was asked');
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(c.responses.length, 0, 'nothing answered while the source starts');
  const pub = registry.publish('site1/od', { kind: 'source', remote: 'cam' });
  pub.setDescription(DESC);
  release(true);
  await until(() => c.responses.length === 2, 'both answered');
  assert.deepEqual(c.responses.map((r) => [r.headers.get('CSeq'), r.statusCode]), [['1', 200], ['2', 200]]);
  assert.match(c.responses[0]!.body.toString(), /m=video/);
});

test('a demand that gives up is answered 404; a live path is not held', async () => {
  const registry = new StreamRegistry('raw');
  registries.push(registry);
  registry.setDemandHandler(() => Promise.resolve(false));
  const listener = await startRtspListener({ port: 0, host: '127.0.0.1' }, { registry, log: silentLogger });
  listeners.push(listener);
  const c = client(listener.port);
  c.socket.write(pipelined(`rtsp://127.0.0.1:${listener.port}/site1/gone`));
  await until(() => c.responses.length === 2, 'answered');
  assert.deepEqual(c.responses.map((r) => r.statusCode), [404, 200]);
});

test('on a protected factory a DESCRIBE without credentials is refused at once and starts nothing', async () => {
  const registry = new StreamRegistry('raw');
  registries.push(registry);
  const asked: string[] = [];
  registry.setDemandHandler((p) => (asked.push(p), new Promise<boolean>(() => {})));
  const listener = await startRtspListener(
    { port: 0, host: '127.0.0.1', auth: { read: { credentials: [{ username: 'u', password: 'p' }], schemes: ['digest'] } } },
    { registry, log: silentLogger },
  );
  listeners.push(listener);
  const c = client(listener.port);
  c.socket.write(pipelined(`rtsp://127.0.0.1:${listener.port}/site1/od`));
  await until(() => c.responses.length >= 1, 'answered');
  assert.equal(c.responses[0]!.statusCode, 401);
  assert.deepEqual(asked, []);
});
