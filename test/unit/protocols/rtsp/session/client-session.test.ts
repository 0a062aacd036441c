import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RtspServerAuth } from '../../../../../protocols/rtsp/auth/server-auth.ts';
import { createResponse, encodeRequest, encodeResponse } from '../../../../../protocols/rtsp/message/message-writer.ts';
import { RtspMessageReader } from '../../../../../protocols/rtsp/message/message-reader.ts';
import type { RtspRequest, RtspResponse } from '../../../../../protocols/rtsp/message/rtsp-message.ts';
import { parseSdp } from '../../../../../protocols/rtsp/sdp/parse-sdp.ts';
import { RtspClientSession, type RtspClientSessionOptions, type RtspClientStep } from '../../../../../protocols/rtsp/session/client-session.ts';
import { RtspServerHandler } from '../../../../../protocols/rtsp/session/server-handler.ts';
import type { RtspServerHost } from '../../../../../protocols/rtsp/session/server-host.ts';

const CAM_SDP = parseSdp(
  ['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=cam', 't=0 0', 'm=video 0 RTP/AVP 96', 'a=rtpmap:96 H264/90000', 'a=control:trackID=0', 'm=audio 0 RTP/AVP 97', 'a=rtpmap:97 mpeg4-generic/44100/2', 'a=control:trackID=1', ''].join('\r\n'),
);

/** Sends every message through the wire codec, as the socket glue does. */
function viaWire<T extends RtspRequest | RtspResponse>(msg: T): T {
  const out: unknown[] = [];
  new RtspMessageReader((i) => out.push(i)).push(msg.kind === 'request' ? encodeRequest(msg) : encodeResponse(msg));
  return out[0] as T;
}

function serverPair(allowPublish: boolean, auth?: RtspServerAuth) {
  const events: string[] = [];
  const host: RtspServerHost = {
    describe: (p) => (p === 'site1/cam1' ? CAM_SDP : null),
    authenticate: (req, _access, conn) => auth?.verify(req, conn.id) ?? { kind: 'ok', username: '' },
    challenge: (_access, conn, stale) => auth?.challenge(conn.id, stale) ?? [],
    announce: () => null,
    startPlay: (s) => s.setups.map((t) => ({ trackIndex: t.trackIndex, seq: 7, rtptime: 42 })),
    startRecord: (s) => (events.push(`record ${s.path} ${s.setups.length}`), null),
    stop: (s, why) => events.push(`stop ${why}`),
  };
  let n = 0;
  const server = new RtspServerHandler({ allowPublish, udpServerPorts: [8000, 8001], newSessionId: () => `S${++n}` }, host);
  return { server, events };
}

/** Drives the client against the server until the client reports something other than a request. */
function run(client: RtspClientSession, server: RtspServerHandler, beforeEach?: (method: string) => void): { step: RtspClientStep; methods: string[] } {
  const methods: string[] = [];
  let req: RtspRequest = client.start();
  for (let i = 0; i < 20; i++) {
    methods.push(req.method);
    beforeEach?.(req.method);
    const res = viaWire(server.handle(viaWire(req), { id: 'c', remoteAddress: '127.0.0.1' }, 0));
    const step = client.onResponse(res);
    if (step.kind !== 'request') return { step, methods };
    req = step.request;
  }
  throw new Error('no end');
}

const base: RtspClientSessionOptions = { url: 'rtsp://127.0.0.1:8554/site1/cam1', mode: 'play', transport: 'tcp' };

describe('RtspClientSession against RtspServerHandler', () => {
  it('plays over TCP: both tracks, RTP-Info, keepalive, teardown', () => {
    const { server } = serverPair(false);
    const client = new RtspClientSession({ ...base, userAgent: 'Cupola' });
    const { step, methods } = run(client, server);
    assert.deepEqual(methods, ['OPTIONS', 'DESCRIBE', 'SETUP', 'SETUP', 'PLAY']);
    assert.equal(step.kind, 'playing');
    if (step.kind !== 'playing') return;
    assert.deepEqual(step.tracks.map((t) => t.transport), [{ kind: 'tcp', channels: [0, 1] }, { kind: 'tcp', channels: [2, 3] }]);
    assert.deepEqual(step.tracks.map((t) => t.format?.encodingName), ['H264', 'mpeg4-generic']);
    assert.deepEqual(step.rtpInfo.map((e) => [e.url, e.seq, e.rtptime]), [
      ['rtsp://127.0.0.1:8554/site1/cam1/trackID=0', 7, 42],
      ['rtsp://127.0.0.1:8554/site1/cam1/trackID=1', 7, 42],
    ]);
    assert.equal(client.keepaliveIntervalMs, 30_000);
    const ka = client.keepalive();
    assert.equal(ka.method, 'GET_PARAMETER');
    assert.equal(ka.headers.get('Session'), 'S1');
    assert.deepEqual(client.onResponse(server.handle(ka, { id: 'c', remoteAddress: '127.0.0.1' }, 0)), { kind: 'idle' });
    const td = client.teardown();
    assert.equal(server.handle(td, { id: 'c', remoteAddress: '127.0.0.1' }, 0).statusCode, 200);
    assert.equal(server.sessionCount, 0);
  });

  it('plays over UDP with the client ports given, only the selected track', () => {
    const { server } = serverPair(false);
    const client = new RtspClientSession({ ...base, transport: 'udp', clientPorts: [[5000, 5001], [5002, 5003]], selectTracks: () => [0] });
    const { step } = run(client, server);
    assert.equal(step.kind, 'playing');
    if (step.kind === 'playing') assert.deepEqual(step.tracks.map((t) => t.transport), [{ kind: 'udp', clientPorts: [5000, 5001], serverPorts: [8000, 8001] }]);
  });

  it('pushes with ANNOUNCE / SETUP mode=record / RECORD', () => {
    const { server, events } = serverPair(true);
    const client = new RtspClientSession({ url: 'rtsp://127.0.0.1:8555/site1/out', mode: 'record', transport: 'tcp', announce: { ...CAM_SDP, media: CAM_SDP.media.map((m) => ({ ...m, attributes: m.attributes.filter((a) => a.name !== 'control') })) } });
    const { step, methods } = run(client, server);
    assert.deepEqual(methods, ['OPTIONS', 'ANNOUNCE', 'SETUP', 'SETUP', 'RECORD']);
    assert.equal(step.kind, 'recording');
    assert.deepEqual(events, ['record site1/out 2']);
  });

  for (const schemes of [['digest'], ['basic']] as const) {
    it(`retries with ${schemes[0]} credentials from the URL after a 401`, () => {
      let n = 0;
      const auth = new RtspServerAuth({ realm: 'Cupola', credentials: [{ username: 'admin', password: 'p w' }], nonce: () => `nonce${++n}`, now: () => 0, schemes: [...schemes] });
      const { server } = serverPair(false, auth);
      const client = new RtspClientSession({ ...base, url: 'rtsp://admin:p%20w@127.0.0.1:8554/site1/cam1' });
      const { step, methods } = run(client, server);
      assert.deepEqual(methods, ['OPTIONS', 'DESCRIBE', 'DESCRIBE', 'SETUP', 'SETUP', 'PLAY']);
      assert.equal(step.kind, 'playing');
    });
  }

  it('Digest nonce expiring mid-handshake: the 401 stale=true is answered with the new nonce', () => {
    const clock = { ms: 0 };
    let n = 0;
    const auth = new RtspServerAuth({ realm: 'Cupola', credentials: [{ username: 'admin', password: 'pw' }], nonce: () => `nonce${++n}`, now: () => clock.ms, nonceLifetimeMs: 1000, schemes: ['digest'] });
    const { server } = serverPair(false, auth);
    const client = new RtspClientSession({ ...base, url: 'rtsp://admin:pw@127.0.0.1:8554/site1/cam1' });
    let setups = 0;
    const { step, methods } = run(client, server, (m) => {
      if (m === 'SETUP' && ++setups === 2) clock.ms += 5000; // the second SETUP comes after the lifetime
    });
    assert.deepEqual(methods, ['OPTIONS', 'DESCRIBE', 'DESCRIBE', 'SETUP', 'SETUP', 'SETUP', 'PLAY']);
    assert.equal(step.kind, 'playing');
  });

  it('fails with RTSP_CLIENT_AUTH_FAILED on wrong credentials, without looping', () => {
    const auth = new RtspServerAuth({ realm: 'Cupola', credentials: [{ username: 'admin', password: 'right' }], nonce: () => 'n', now: () => 0 });
    const { server } = serverPair(false, auth);
    const client = new RtspClientSession({ ...base, credentials: { username: 'admin', password: 'wrong' } });
    assert.throws(() => run(client, server), { code: 'RTSP_CLIENT_AUTH_FAILED' });
  });

  it('fails with RTSP_CLIENT_BAD_STATUS on 404', () => {
    const { server } = serverPair(false);
    assert.throws(() => run(new RtspClientSession({ ...base, url: 'rtsp://127.0.0.1/none' }), server), { code: 'RTSP_CLIENT_BAD_STATUS' });
  });
});

describe('RtspClientSession against scripted responses', () => {
  it('camera without Content-Base: track URLs relative to the request URL; OPTIONS error tolerated', () => {
    const client = new RtspClientSession({ ...base, url: 'rtsp://10.0.0.5/ch1' });
    const opt = client.start();
    let step = client.onResponse(createResponse({ statusCode: 501, headers: { CSeq: opt.headers.get('CSeq')! } }));
    assert.equal(step.kind === 'request' && step.request.method, 'DESCRIBE');
    const describe = step.kind === 'request' ? step.request : undefined;
    const sdp = 'v=0\r\ns=x\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:track1\r\n';
    step = client.onResponse(createResponse({ statusCode: 200, headers: { CSeq: describe!.headers.get('CSeq')! }, body: sdp }));
    assert.equal(step.kind === 'request' && step.request.uri, 'rtsp://10.0.0.5/ch1/track1');
  });

  it('a response with an unknown CSeq is a protocol error', () => {
    const client = new RtspClientSession(base);
    client.start();
    assert.throws(() => client.onResponse(createResponse({ statusCode: 200, headers: { CSeq: '99' } })), { code: 'RTSP_CLIENT_UNEXPECTED_RESPONSE' });
  });

  it('a TCP SETUP answered with UDP is refused', () => {
    const client = new RtspClientSession(base);
    const opt = client.start();
    let step = client.onResponse(createResponse({ statusCode: 200, headers: { CSeq: opt.headers.get('CSeq')! } }));
    const d = step.kind === 'request' ? step.request : undefined;
    step = client.onResponse(createResponse({ statusCode: 200, headers: { CSeq: d!.headers.get('CSeq')!, 'Content-Base': 'rtsp://h/a/' }, body: 'v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n' }));
    const s = step.kind === 'request' ? step.request : undefined;
    assert.throws(
      () => client.onResponse(createResponse({ statusCode: 200, headers: { CSeq: s!.headers.get('CSeq')!, Session: 'x', Transport: 'RTP/AVP;unicast;client_port=1-2' } })),
      { code: 'RTSP_TRANSPORT_INVALID' },
    );
  });
});

describe('RtspClientSession: camera quirks (scripted responses)', () => {
  const sdp = (control: string): string =>
    ['v=0', 'o=- 0 0 IN IP4 10.0.0.5', 's=cam', 't=0 0', 'm=video 0 RTP/AVP 96', 'a=rtpmap:96 H264/90000', `a=control:${control}`, ''].join('\r\n');
  /** Walks OPTIONS → DESCRIBE → SETUP, answering DESCRIBE with `describeHeaders` and SETUP with `setupSession`. */
  function setupUrl(url: string, describeHeaders: Record<string, string>, control: string, setupSession = 'abc;timeout=20'): { url: string; client: RtspClientSession } {
    const client = new RtspClientSession({ url, mode: 'play', transport: 'tcp' });
    const options = client.start();
    let step = client.onResponse(createResponse({ statusCode: 200, headers: { CSeq: options.headers.get('CSeq')!, Public: 'DESCRIBE, SETUP, PLAY' } }));
    assert.equal(step.kind, 'request');
    if (step.kind !== 'request') throw new Error('no DESCRIBE');
    const describeReq = step.request;
    step = client.onResponse(createResponse({ statusCode: 200, headers: { CSeq: describeReq.headers.get('CSeq')!, 'Content-Type': 'application/sdp', ...describeHeaders }, body: sdp(control) }));
    if (step.kind !== 'request') throw new Error('no SETUP');
    const setup = step.request;
    step = client.onResponse(createResponse({ statusCode: 200, headers: { CSeq: setup.headers.get('CSeq')!, Session: setupSession, Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' } }));
    if (step.kind !== 'request') throw new Error('no PLAY');
    assert.equal(step.request.headers.get('Session'), 'abc', 'the Session id without its timeout goes back');
    return { url: setup.uri, client };
  }
  it('relative Content-Base ("/live/ch0/")', () => {
    assert.equal(setupUrl('rtsp://10.0.0.5:554/live/ch0', { 'Content-Base': '/live/ch0/' }, 'trackID=1').url, 'rtsp://10.0.0.5:554/live/ch0/trackID=1');
  });
  it('missing Content-Base: controls resolve against the request URL', () => {
    assert.equal(setupUrl('rtsp://10.0.0.5/live/ch0', {}, 'trackID=1').url, 'rtsp://10.0.0.5/live/ch0/trackID=1');
  });
  it('track URLs with queries (Dahua realmonitor)', () => {
    const url = 'rtsp://10.0.0.5/cam/realmonitor?channel=1&subtype=0';
    assert.equal(setupUrl(url, { 'Content-Base': `${url}/` }, 'trackID=0').url, `${url}/trackID=0`);
  });
  it('Session header with a timeout: keepalives at half of it', () => {
    assert.equal(setupUrl('rtsp://10.0.0.5/a', {}, 'trackID=0', 'abc;timeout=20').client.keepaliveIntervalMs, 10_000);
  });
});
