/**
 * The pure handler's hooks for an access check the host runs (and awaits) itself: accessFor() names
 * the access and stream path of each request, handle(..., decided) uses the given verdict instead
 * of asking host.authenticate(), and a `forbidden` verdict is a 403.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRequest } from '../../../../../protocols/rtsp/message/message-writer.ts';
import { parseSdp } from '../../../../../protocols/rtsp/sdp/parse-sdp.ts';
import { RtspServerHandler } from '../../../../../protocols/rtsp/session/server-handler.ts';
import type { RtspServerHost, ServerConnectionInfo } from '../../../../../protocols/rtsp/session/server-host.ts';

const SDP = parseSdp(['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=cam', 't=0 0', 'm=video 0 RTP/AVP 96', 'a=rtpmap:96 H264/90000', 'a=control:trackID=0', ''].join('\r\n'));
const ANNOUNCE_SDP = ['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=push', 't=0 0', 'm=video 0 RTP/AVP 96', 'a=rtpmap:96 H264/90000', 'a=control:streamid=0', ''].join('\r\n');
const conn: ServerConnectionInfo = { id: 'c1', remoteAddress: '127.0.0.1' };

function setup(): { handler: RtspServerHandler; asked: string[] } {
  const asked: string[] = [];
  const host: RtspServerHost = {
    describe: (path) => (path === 'site1/cam1' ? SDP : null),
    authenticate: (req, access) => {
      asked.push(`${req.method} ${access}`);
      return { kind: 'ok', username: '' };
    },
    challenge: () => ['Basic realm="t"'],
    announce: () => null,
    startPlay: (s) => s.setups.map((t) => ({ trackIndex: t.trackIndex })),
    startRecord: () => null,
    stop: () => {},
  };
  let n = 0;
  return { handler: new RtspServerHandler({ allowPublish: true, newSessionId: () => `s${++n}` }, host), asked };
}

let cseq = 0;
const req = (method: string, uri: string, headers: Record<string, string> = {}, body?: string) =>
  createRequest({ method, uri, headers: { CSeq: String(++cseq), ...headers }, ...(body === undefined ? {} : { body }) });

describe('RtspServerHandler: an access verdict decided by the host', () => {
  it('names the access and stream path of every checked request, null for the others', () => {
    const { handler } = setup();
    assert.equal(handler.accessFor(req('OPTIONS', 'rtsp://h/site1/cam1'), conn), null);
    assert.deepEqual(handler.accessFor(req('DESCRIBE', 'rtsp://h/site1/cam1?token=abc'), conn), { access: 'read', path: 'site1/cam1', query: 'token=abc' });
    // ffmpeg appends the control after the query: the stream is still site1/cam1.
    assert.deepEqual(handler.accessFor(req('SETUP', 'rtsp://h/site1/cam1?token=abc/trackID=0', { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' }), conn), { access: 'read', path: 'site1/cam1', query: 'token=abc' });
    const setupRes = handler.handle(req('SETUP', 'rtsp://h/site1/cam1/trackID=0', { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1' }), conn, 0);
    assert.equal(setupRes.statusCode, 200);
    const session = setupRes.headers.get('Session')!.split(';')[0]!;
    assert.deepEqual(handler.accessFor(req('PLAY', 'rtsp://h/site1/cam1', { Session: session }), conn), { access: 'read', path: 'site1/cam1', query: '' });
    assert.equal(handler.accessFor(req('PLAY', 'rtsp://h/site1/cam1', { Session: 'nosuch' }), conn), null, 'a 454 checks nothing');
    assert.deepEqual(handler.accessFor(req('ANNOUNCE', 'rtsp://h/site2/cam9'), conn), { access: 'publish', path: 'site2/cam9', query: '' });
    const other: ServerConnectionInfo = { id: 'c2', remoteAddress: '127.0.0.1' };
    assert.equal(handler.handle(req('ANNOUNCE', 'rtsp://h/site2/cam9', { 'Content-Type': 'application/sdp' }, ANNOUNCE_SDP), other, 0).statusCode, 200);
    assert.deepEqual(handler.accessFor(req('SETUP', 'rtsp://h/site2/cam9/streamid=0', { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1;mode=record' }), other), { access: 'publish', path: 'site2/cam9', query: '' });
  });

  it('uses the decided verdict instead of host.authenticate: ok goes on, unauthorized is 401, forbidden 403', () => {
    const { handler, asked } = setup();
    const ok = handler.handle(req('DESCRIBE', 'rtsp://h/site1/cam1'), conn, 0, { kind: 'ok', username: 'alice' });
    assert.equal(ok.statusCode, 200);
    const unauthorized = handler.handle(req('DESCRIBE', 'rtsp://h/site1/cam1'), conn, 0, { kind: 'unauthorized', stale: false, reason: 'no' });
    assert.equal(unauthorized.statusCode, 401);
    assert.deepEqual(unauthorized.headers.getAll('WWW-Authenticate'), ['Basic realm="t"']);
    const forbidden = handler.handle(req('DESCRIBE', 'rtsp://h/site1/cam1'), conn, 0, { kind: 'forbidden', reason: 'claim' });
    assert.equal(forbidden.statusCode, 403);
    assert.deepEqual(asked, [], 'the host was not asked when a verdict was given');
    // Without one the handler asks the host, as before.
    assert.equal(handler.handle(req('DESCRIBE', 'rtsp://h/site1/cam1'), conn, 0).statusCode, 200);
    assert.deepEqual(asked, ['DESCRIBE read']);
    // A verdict concerns one request only.
    assert.equal(handler.handle(req('DESCRIBE', 'rtsp://h/site1/cam1'), conn, 0).statusCode, 200);
  });
});
