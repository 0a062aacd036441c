/**
 * The RTSP listener with an external access check whose verdicts the test releases by hand: a
 * request that waits holds its connection's later (pipelined) requests, answered in order after
 * it; another connection is answered meanwhile; 401 challenges Basic; a refusal that is not about
 * credentials is 403; the service sees the Basic user/password and the stream path.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, test } from 'node:test';
import { AccessControl } from '../../../../../src/access/access-control.ts';
import { deny, type AccessBackend, type AccessRequest, type AccessVerdict } from '../../../../../src/access/access-request.ts';
import { IpRules } from '../../../../../src/access/ip-rules.ts';
import { RtspMessageReader } from '../../../../../protocols/rtsp/message/message-reader.ts';
import type { RtspResponse } from '../../../../../protocols/rtsp/message/rtsp-message.ts';
import { startRtspListener, type RtspListener } from '../../../../../src/rtsp/server/rtsp-listener.ts';
import { silentLogger } from '../../../../../src/log/logger.ts';
import { StreamRegistry } from '../../../../../src/streams/registry.ts';
import { until } from '../../../../helpers/wait.ts';

const registry = new StreamRegistry('raw', { unpublishedGraceMs: 200 });
const sockets: net.Socket[] = [];
let listener: RtspListener | undefined;
after(async () => {
  for (const s of sockets) s.destroy();
  await listener?.close();
  registry.close();
});

const pending: { req: AccessRequest; release: (v: AccessVerdict) => void }[] = [];
const backend: AccessBackend = { authorize: (req) => new Promise((release) => pending.push({ req, release })) };

function client(port: number): { responses: RtspResponse[]; write(s: string): void } {
  const socket = net.connect(port, '127.0.0.1');
  sockets.push(socket);
  const responses: RtspResponse[] = [];
  const reader = new RtspMessageReader((item) => {
    if (item.kind === 'response') responses.push(item);
  });
  socket.on('data', (d: Buffer) => reader.push(d));
  socket.on('error', () => {});
  return { responses, write: (s) => void socket.write(s) };
}

test('a waiting check holds only its connection, keeps its requests in order, and maps verdicts to 401 (Basic) / 403', async () => {
  listener = await startRtspListener(
    { port: 0, host: '127.0.0.1', udp: false, access: new AccessControl('http', new IpRules(), backend, silentLogger) },
    { registry, log: silentLogger },
  );
  const url = `rtsp://127.0.0.1:${listener.port}/site1/cam1`;
  const basic = Buffer.from('alice:pw-a').toString('base64');
  const a = client(listener.port);
  // Pipelined: DESCRIBE (checked) then OPTIONS (not checked) in one write.
  a.write(`DESCRIBE ${url} RTSP/1.0\r\nCSeq: 1\r\nAuthorization: Basic ${basic}\r\n\r\nOPTIONS ${url} RTSP/1.0\r\nCSeq: 2\r\n\r\n`);
  await until(() => pending.length === 1, 'the DESCRIBE check asked');
  assert.deepEqual(
    { user: pending[0]!.req.user, password: pending[0]!.req.password, path: pending[0]!.req.path, action: pending[0]!.req.action, protocol: pending[0]!.req.protocol },
    { user: 'alice', password: 'pw-a', path: 'site1/cam1', action: 'read', protocol: 'rtsp' },
  );
  const b = client(listener.port);
  b.write(`OPTIONS ${url} RTSP/1.0\r\nCSeq: 1\r\n\r\n`);
  await until(() => b.responses.length === 1, 'another connection answered while the check waits');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(a.responses.length, 0, 'the OPTIONS behind the waiting DESCRIBE is held');

  pending.shift()!.release(deny('credentials', 'who are you'));
  await until(() => a.responses.length === 2, 'both answered');
  assert.deepEqual(a.responses.map((r) => [r.headers.get('CSeq'), r.statusCode]), [['1', 401], ['2', 200]], 'in order');
  assert.deepEqual(a.responses[0]!.headers.getAll('WWW-Authenticate'), ['Basic realm="Cupola"']);

  a.write(`DESCRIBE ${url} RTSP/1.0\r\nCSeq: 3\r\nAuthorization: Basic ${basic}\r\n\r\n`);
  await until(() => pending.length === 1, 'asked again');
  pending.shift()!.release(deny('unavailable', 'service down'));
  await until(() => a.responses.length === 3, 'answered');
  assert.equal(a.responses[2]!.statusCode, 403);

  // Allowed: the handler goes on (no stream published here: 404, after the check).
  a.write(`DESCRIBE ${url} RTSP/1.0\r\nCSeq: 4\r\nAuthorization: Basic ${basic}\r\n\r\n`);
  await until(() => pending.length === 1, 'asked a third time');
  pending.shift()!.release({ allowed: true, user: 'alice' });
  await until(() => a.responses.length === 4, 'answered');
  assert.equal(a.responses[3]!.statusCode, 404);
});
