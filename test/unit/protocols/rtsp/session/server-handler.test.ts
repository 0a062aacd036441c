import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRequest } from '../../../../../protocols/rtsp/message/message-writer.ts';
import type { RtspResponse } from '../../../../../protocols/rtsp/message/rtsp-message.ts';
import { parseSdp } from '../../../../../protocols/rtsp/sdp/parse-sdp.ts';
import type { SessionDescription } from '../../../../../protocols/rtsp/sdp/session-description.ts';
import { RtspServerHandler, type RtspServerHandlerOptions } from '../../../../../protocols/rtsp/session/server-handler.ts';
import type { AuthVerdict, RtspAccess, RtspServerHost, ServerConnectionInfo } from '../../../../../protocols/rtsp/session/server-host.ts';

const CAM_SDP = parseSdp(
  ['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=cam', 't=0 0', 'm=video 0 RTP/AVP 96', 'a=rtpmap:96 H264/90000', 'a=control:trackID=0', 'm=audio 0 RTP/AVP 97', 'a=rtpmap:97 mpeg4-generic/44100/2', 'a=control:trackID=1', ''].join('\r\n'),
);
const ANNOUNCE_SDP = ['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=push', 't=0 0', 'm=video 0 RTP/AVP 96', 'a=rtpmap:96 H264/90000', 'a=control:streamid=0', ''].join('\r\n');

interface Harness {
  handler: RtspServerHandler;
  events: string[];
  send(conn: ServerConnectionInfo, method: string, uri: string, headers?: Record<string, string>, body?: string): RtspResponse;
  now: { ms: number };
}

function harness(options: Partial<RtspServerHandlerOptions> = {}, auth?: (access: RtspAccess, authz: string | undefined) => boolean | AuthVerdict): Harness {
  const events: string[] = [];
  const streams = new Map<string, SessionDescription>([['site1/cam1', CAM_SDP]]);
  let ids = 0;
  const host: RtspServerHost = {
    describe: (path) => streams.get(path) ?? null,
    authenticate: (req, access) => {
      const v = auth?.(access, req.headers.get('Authorization')) ?? true;
      if (typeof v !== 'boolean') return v;
      return v ? { kind: 'ok', username: '' } : { kind: 'unauthorized', stale: false, reason: 'test' };
    },
    challenge: (access, conn, stale) => [stale ? `Digest realm="${access}", nonce="${conn.id}", stale=TRUE` : `Basic realm="${access}"`],
    announce: (path) => (streams.has(path) ? 400 : null),
    startPlay: (s) => {
      events.push(`play ${s.id} ${s.path}`);
      return s.setups.map((t) => ({ trackIndex: t.trackIndex, seq: 100 + t.trackIndex, rtptime: 9000 }));
    },
    startRecord: (s) => {
      events.push(`record ${s.id} ${s.path}`);
      return null;
    },
    stop: (s, reason) => events.push(`stop ${s.id} ${reason}`),
  };
  const handler = new RtspServerHandler({ allowPublish: false, newSessionId: () => `sess${++ids}`, ...options }, host);
  const now = { ms: 0 };
  const cseqs = new Map<string, number>();
  return {
    handler,
    events,
    now,
    send(conn, method, uri, headers = {}, body) {
      const cseq = (cseqs.get(conn.id) ?? 0) + 1;
      cseqs.set(conn.id, cseq);
      const req = createRequest({ method, uri, headers: { CSeq: String(cseq), ...headers }, ...(body === undefined ? {} : { body }) });
      const res = handler.handle(req, conn, now.ms);
      assert.equal(res.headers.get('CSeq'), String(cseq), 'CSeq echoed');
      return res;
    },
  };
}

const A: ServerConnectionInfo = { id: 'c1', remoteAddress: '10.0.0.9' };
const B: ServerConnectionInfo = { id: 'c2', remoteAddress: '10.0.0.10' };
const URL = 'rtsp://127.0.0.1:8554/site1/cam1';
const TCP0 = { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' };
const TCP2 = { Transport: 'RTP/AVP/TCP;unicast;interleaved=2-3' };

describe('RtspServerHandler: play', () => {
  it('OPTIONS, DESCRIBE, SETUP x2 over TCP, PLAY with RTP-Info, TEARDOWN', () => {
    const h = harness();
    const opt = h.send(A, 'OPTIONS', URL);
    assert.equal(opt.statusCode, 200);
    assert.equal(opt.headers.get('Public'), 'OPTIONS, DESCRIBE, SETUP, PLAY, PAUSE, TEARDOWN, GET_PARAMETER, SET_PARAMETER');
    const desc = h.send(A, 'DESCRIBE', URL);
    assert.equal(desc.statusCode, 200);
    assert.equal(desc.headers.get('Content-Base'), `${URL}/`);
    assert.equal(desc.headers.get('Content-Type'), 'application/sdp');
    assert.equal(parseSdp(desc.body).media.length, 2);
    const s1 = h.send(A, 'SETUP', `${URL}/trackID=0`, TCP0);
    assert.equal(s1.statusCode, 200);
    assert.equal(s1.headers.get('Session'), 'sess1;timeout=60');
    assert.equal(s1.headers.get('Transport'), 'RTP/AVP/TCP;unicast;interleaved=0-1');
    const s2 = h.send(A, 'SETUP', `${URL}/trackID=1`, { ...TCP2, Session: 'sess1' });
    assert.equal(s2.statusCode, 200);
    const play = h.send(A, 'PLAY', `${URL}/`, { Session: 'sess1', Range: 'npt=0.000-' });
    assert.equal(play.statusCode, 200);
    assert.equal(play.headers.get('RTP-Info'), `url=${URL}/trackID=0;seq=100;rtptime=9000,url=${URL}/trackID=1;seq=101;rtptime=9000`);
    assert.equal(play.headers.get('Range'), 'npt=0.000-');
    assert.equal(h.handler.session('sess1')?.state.kind, 'play');
    assert.equal(h.send(A, 'TEARDOWN', URL, { Session: 'sess1' }).statusCode, 200);
    assert.deepEqual(h.events, ['play sess1 site1/cam1', 'stop sess1 teardown']);
    assert.equal(h.handler.sessionCount, 0);
  });

  it('UDP unicast SETUP answers with the shared server ports and the peer address', () => {
    const h = harness({ udpServerPorts: [8000, 8001] });
    const res = h.send(A, 'SETUP', `${URL}/trackID=0`, { Transport: 'RTP/AVP;unicast;client_port=5000-5001;destination=1.2.3.4' });
    assert.equal(res.headers.get('Transport'), 'RTP/AVP;unicast;client_port=5000-5001;server_port=8000-8001');
    assert.deepEqual(h.handler.session('sess1')?.setups[0]?.transport, { kind: 'udp', clientHost: '10.0.0.9', clientPorts: [5000, 5001], serverPorts: [8000, 8001] });
  });

  it('assigns interleaved channels when the client names none, skipping used ones', () => {
    const h = harness();
    h.send(A, 'SETUP', `${URL}/trackID=0`, TCP0);
    const res = h.send(A, 'SETUP', `${URL}/trackID=1`, { Transport: 'RTP/AVP/TCP;unicast', Session: 'sess1' });
    assert.equal(res.headers.get('Transport'), 'RTP/AVP/TCP;unicast;interleaved=2-3');
  });

  it('single-track stream may be set up on its aggregate URL', () => {
    const h = harness();
    const one = { ...CAM_SDP, media: CAM_SDP.media.slice(0, 1) };
    const handler = new RtspServerHandler({ allowPublish: false, newSessionId: () => 'x' }, { ...hostOf(h), describe: () => one });
    const res = handler.handle(createRequest({ method: 'SETUP', uri: URL, headers: { CSeq: '1', ...TCP0 } }), A, 0);
    assert.equal(res.statusCode, 200);
  });

  const errors: [string, (h: Harness) => RtspResponse, number][] = [
    ['DESCRIBE of an unknown path', (h) => h.send(A, 'DESCRIBE', 'rtsp://h/site1/none'), 404],
    ['SETUP of an unknown track', (h) => h.send(A, 'SETUP', `${URL}/trackID=7`, TCP0), 404],
    ['PLAY without session', (h) => h.send(A, 'PLAY', URL), 454],
    ['PLAY with an unknown session', (h) => h.send(A, 'PLAY', URL, { Session: 'nope' }), 454],
    ['SETUP with only multicast offered', (h) => h.send(A, 'SETUP', `${URL}/trackID=0`, { Transport: 'RTP/AVP;multicast' }), 461],
    ['SETUP over UDP when UDP is off', (h) => h.send(A, 'SETUP', `${URL}/trackID=0`, { Transport: 'RTP/AVP;unicast;client_port=5000-5001' }), 461],
    ['SETUP with a malformed Transport', (h) => h.send(A, 'SETUP', `${URL}/trackID=0`, { Transport: 'garbage;;' }), 461],
    ['SETUP without Transport', (h) => h.send(A, 'SETUP', `${URL}/trackID=0`), 400],
    ['unknown method', (h) => h.send(A, 'FOO', URL), 501],
    ['ANNOUNCE on a play-only factory', (h) => h.send(A, 'ANNOUNCE', URL, { 'Content-Type': 'application/sdp' }, ANNOUNCE_SDP), 405],
    ['RECORD on a play-only factory', (h) => h.send(A, 'RECORD', URL, { Session: 'x' }), 405],
    ['bad Session header', (h) => h.send(A, 'PLAY', URL, { Session: ';;' }), 400],
    ['SET_PARAMETER with a parameter', (h) => h.send(A, 'SET_PARAMETER', URL, { 'Content-Type': 'text/parameters' }, 'x: 1\r\n'), 451],
  ];
  for (const [name, run, status] of errors) it(`${status}: ${name}`, () => assert.equal(run(harness()).statusCode, status));

  it('400 without echoing a CSeq when CSeq is missing', () => {
    const h = harness();
    const res = h.handler.handle(createRequest({ method: 'OPTIONS', uri: '*' }), A, 0);
    assert.equal(res.statusCode, 400);
    assert.equal(res.headers.get('CSeq'), undefined);
  });

  it('455: SETUP after PLAY and of a track already set up; the same path under another host name is fine', () => {
    const h = harness();
    h.send(A, 'SETUP', `${URL}/trackID=0`, TCP0);
    assert.equal(h.send(A, 'SETUP', `${URL}/trackID=0`, { ...TCP2, Session: 'sess1' }).statusCode, 455);
    assert.equal(h.send(A, 'SETUP', 'rtsp://h/site1/cam1/trackID=1', { ...TCP2, Session: 'sess1' }).statusCode, 200);
    h.send(A, 'PLAY', URL, { Session: 'sess1' });
    assert.equal(h.send(A, 'SETUP', `${URL}/trackID=1`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=4-5', Session: 'sess1' }).statusCode, 455);
  });

  it('454: another connection cannot drive a TCP session; its own connection can', () => {
    const h = harness();
    h.send(A, 'SETUP', `${URL}/trackID=0`, TCP0);
    h.send(A, 'PLAY', URL, { Session: 'sess1' });
    assert.equal(h.send(B, 'SETUP', `${URL}/trackID=1`, { ...TCP2, Session: 'sess1' }).statusCode, 454);
    assert.equal(h.send(B, 'TEARDOWN', URL, { Session: 'sess1' }).statusCode, 454);
    assert.equal(h.handler.session('sess1')?.state.kind, 'play');
  });

  it('PAUSE stops and PLAY resumes; keepalives refresh the session; idle sessions expire', () => {
    const h = harness();
    h.send(A, 'SETUP', `${URL}/trackID=0`, TCP0);
    h.send(A, 'PLAY', URL, { Session: 'sess1' });
    assert.equal(h.send(A, 'PAUSE', URL, { Session: 'sess1' }).statusCode, 200);
    assert.equal(h.handler.session('sess1')?.state.kind, 'pre-play');
    h.send(A, 'PLAY', URL, { Session: 'sess1' });
    h.now.ms = 50_000;
    assert.equal(h.send(A, 'GET_PARAMETER', URL, { Session: 'sess1' }).statusCode, 200);
    h.now.ms = 100_000;
    assert.deepEqual(h.handler.expire(h.now.ms), []);
    h.now.ms = 110_001;
    assert.deepEqual(h.handler.expire(h.now.ms).map((s) => s.id), ['sess1']);
    assert.deepEqual(h.events, ['play sess1 site1/cam1', 'stop sess1 pause', 'play sess1 site1/cam1', 'stop sess1 timeout']);
  });

  it('closing the connection ends its TCP sessions but keeps UDP ones until timeout or TEARDOWN', () => {
    const h = harness({ udpServerPorts: [8000, 8001] });
    h.send(A, 'SETUP', `${URL}/trackID=0`, TCP0);
    h.send(A, 'PLAY', URL, { Session: 'sess1' });
    h.send(B, 'SETUP', `${URL}/trackID=0`, { Transport: 'RTP/AVP;unicast;client_port=5000-5001' });
    h.send(B, 'PLAY', URL, { Session: 'sess2' });
    assert.deepEqual(h.handler.connectionClosed('c1').map((s) => s.id), ['sess1']);
    assert.deepEqual(h.handler.connectionClosed('c2'), []);
    assert.equal(h.send(A, 'TEARDOWN', URL, { Session: 'sess2' }).statusCode, 200, 'UDP session torn down from a new connection');
    assert.deepEqual(h.events, ['play sess1 site1/cam1', 'play sess2 site1/cam1', 'stop sess1 connection-closed', 'stop sess2 teardown']);
  });

  it('caps sessions per connection', () => {
    const h = harness();
    const codes = [];
    for (let i = 0; i < 10; i++) codes.push(h.send(A, 'SETUP', `${URL}/trackID=0`, TCP0).statusCode);
    // Only the first binds channels 0-1; the rest have none free with those numbers.
    assert.equal(codes[0], 200);
    assert.ok(codes.slice(1).every((c) => c === 461 || c === 503));
  });

  it('401 with challenges when auth refuses; succeeds with credentials', () => {
    const h = harness({}, (access, authz) => authz === `ok-${access}`);
    const res = h.send(A, 'DESCRIBE', URL);
    assert.equal(res.statusCode, 401);
    assert.deepEqual(res.headers.getAll('WWW-Authenticate'), ['Basic realm="read"']);
    assert.equal(h.send(A, 'OPTIONS', URL).statusCode, 200, 'OPTIONS needs no credentials');
    assert.equal(h.send(A, 'DESCRIBE', URL, { Authorization: 'ok-read' }).statusCode, 200);
    assert.equal(h.send(A, 'SETUP', `${URL}/trackID=0`, TCP0).statusCode, 401);
  });

  it('stale credentials: 401 with a stale challenge for this connection; a uri mismatch: 400', () => {
    const h = harness({}, (_access, authz) =>
      authz === 'stale' ? { kind: 'unauthorized', stale: true, reason: 'nonce expired' } : authz === 'other-uri' ? { kind: 'bad-request', reason: 'uri' } : authz === 'ok',
    );
    const stale = h.send(B, 'DESCRIBE', URL, { Authorization: 'stale' });
    assert.equal(stale.statusCode, 401);
    assert.deepEqual(stale.headers.getAll('WWW-Authenticate'), ['Digest realm="read", nonce="c2", stale=TRUE']);
    assert.equal(h.send(B, 'DESCRIBE', URL, { Authorization: 'other-uri' }).statusCode, 400);
    assert.equal(h.send(B, 'SETUP', `${URL}/trackID=0`, { ...TCP0, Authorization: 'ok' }).statusCode, 200);
    assert.equal(h.send(B, 'PLAY', URL, { Session: 'sess1', Authorization: 'other-uri' }).statusCode, 400);
    assert.equal(h.send(B, 'PLAY', URL, { Session: 'sess1', Authorization: 'stale' }).statusCode, 401);
    assert.equal(h.send(B, 'PLAY', URL, { Session: 'sess1', Authorization: 'ok' }).statusCode, 200);
  });
});

describe('RtspServerHandler: record', () => {
  const PUSH = 'rtsp://127.0.0.1:8555/site1/push';

  it('ANNOUNCE, SETUP mode=record, RECORD, TEARDOWN', () => {
    const h = harness({ allowPublish: true });
    assert.match(h.send(A, 'OPTIONS', PUSH).headers.get('Public') ?? '', /ANNOUNCE, RECORD/);
    assert.equal(h.send(A, 'ANNOUNCE', PUSH, { 'Content-Type': 'application/sdp' }, ANNOUNCE_SDP).statusCode, 200);
    const setup = h.send(A, 'SETUP', `${PUSH}/streamid=0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1;mode=record' });
    assert.equal(setup.statusCode, 200);
    assert.equal(h.handler.session('sess1')?.state.kind, 'pre-record');
    assert.equal(h.send(A, 'PLAY', PUSH, { Session: 'sess1' }).statusCode, 455);
    assert.equal(h.send(A, 'RECORD', PUSH, { Session: 'sess1', Range: 'npt=0.000-' }).statusCode, 200);
    assert.equal(h.send(A, 'TEARDOWN', PUSH, { Session: 'sess1' }).statusCode, 200);
    assert.deepEqual(h.events, ['record sess1 site1/push', 'stop sess1 teardown']);
  });

  it('UDP record gets the server ports', () => {
    const h = harness({ allowPublish: true, udpServerPorts: [9000, 9001] });
    h.send(A, 'ANNOUNCE', PUSH, { 'Content-Type': 'application/sdp' }, ANNOUNCE_SDP);
    const res = h.send(A, 'SETUP', `${PUSH}/streamid=0`, { Transport: 'RTP/AVP/UDP;unicast;client_port=40000-40001;mode=record' });
    assert.equal(res.headers.get('Transport'), 'RTP/AVP;unicast;client_port=40000-40001;server_port=9000-9001');
  });

  it('refusals: busy path, wrong content type, bad SDP, RECORD before SETUP, unknown announced track', () => {
    const h = harness({ allowPublish: true });
    assert.equal(h.send(A, 'ANNOUNCE', URL, { 'Content-Type': 'application/sdp' }, ANNOUNCE_SDP).statusCode, 400);
    assert.equal(h.send(A, 'ANNOUNCE', PUSH, { 'Content-Type': 'text/plain' }, 'hello').statusCode, 415);
    assert.equal(h.send(A, 'ANNOUNCE', PUSH, { 'Content-Type': 'application/sdp' }, 'not sdp at all').statusCode, 400);
    assert.equal(h.send(A, 'RECORD', PUSH).statusCode, 454);
    h.send(A, 'ANNOUNCE', PUSH, { 'Content-Type': 'application/sdp' }, ANNOUNCE_SDP);
    assert.equal(h.send(A, 'SETUP', `${PUSH}/streamid=5`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1;mode=record' }).statusCode, 404);
  });

  it('publish credentials are checked on ANNOUNCE, SETUP and RECORD', () => {
    const h = harness({ allowPublish: true }, (access, authz) => access === 'read' || authz === 'pub');
    assert.equal(h.send(A, 'ANNOUNCE', PUSH, { 'Content-Type': 'application/sdp' }, ANNOUNCE_SDP).statusCode, 401);
    const auth = { Authorization: 'pub' };
    assert.equal(h.send(A, 'ANNOUNCE', PUSH, { 'Content-Type': 'application/sdp', ...auth }, ANNOUNCE_SDP).statusCode, 200);
    assert.equal(h.send(A, 'SETUP', `${PUSH}/streamid=0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1;mode=record' }).statusCode, 401);
    assert.equal(h.send(A, 'SETUP', `${PUSH}/streamid=0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1;mode=record', ...auth }).statusCode, 200);
    assert.equal(h.send(A, 'RECORD', PUSH, { Session: 'sess1' }).statusCode, 401);
  });
});

function hostOf(h: Harness): RtspServerHost {
  void h;
  return {
    describe: () => null,
    authenticate: () => ({ kind: 'ok', username: '' }),
    challenge: () => [],
    announce: () => null,
    startPlay: () => [],
    startRecord: () => null,
    stop: () => {},
  };
}
