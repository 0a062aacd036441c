import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeBasicToken, encodeBasicToken } from '../../../../../protocols/rtsp/auth/basic.ts';
import { RtspClientAuth } from '../../../../../protocols/rtsp/auth/client-auth.ts';
import { computeDigestResponse } from '../../../../../protocols/rtsp/auth/digest.ts';
import { MAX_NONCES_PER_CONNECTION } from '../../../../../protocols/rtsp/auth/nonce-store.ts';
import { RtspServerAuth, type AuthVerdict, type ServerAuthOptions } from '../../../../../protocols/rtsp/auth/server-auth.ts';
import { createRequest } from '../../../../../protocols/rtsp/message/message-writer.ts';

describe('Digest (RFC 2617)', () => {
  it('§3.5 example: qop=auth', () => {
    const response = computeDigestResponse({
      username: 'Mufasa',
      password: 'Circle Of Life',
      realm: 'testrealm@host.com',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      method: 'GET',
      uri: '/dir/index.html',
      qop: 'auth',
      nc: '00000001',
      cnonce: '0a4f113b',
    });
    assert.equal(response, '6629fae49393a05397450978507c4ef1');
  });

  it('RFC 2069 form without qop (what RTSP servers use)', () => {
    // MD5(MD5("u:r:p") ":" "n" ":" MD5("DESCRIBE:rtsp://h/a")), computed independently with md5sum.
    const response = computeDigestResponse({ username: 'u', realm: 'r', password: 'p', nonce: 'n', method: 'DESCRIBE', uri: 'rtsp://h/a' });
    assert.equal(response, 'd5ff52dc472e71f47f704480e7d03eb4');
  });
});

describe('Basic', () => {
  it('RFC 7617 §2 example', () => {
    assert.equal(encodeBasicToken('Aladdin', 'open sesame'), 'QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
    assert.deepEqual(decodeBasicToken('QWxhZGRpbjpvcGVuIHNlc2FtZQ=='), { username: 'Aladdin', password: 'open sesame' });
    assert.equal(decodeBasicToken('bm9jb2xvbg=='), null);
    assert.equal(decodeBasicToken('!!'), null);
  });
});

describe('server and client auth together', () => {
  let counter = 0;
  const clock = { ms: 0 };
  const server = (schemes?: ('basic' | 'digest')[], extra: Partial<ServerAuthOptions> = {}): RtspServerAuth =>
    new RtspServerAuth({
      realm: 'Cupola',
      credentials: [{ username: 'admin', password: 's3cret' }],
      nonce: () => `nonce${++counter}`,
      now: () => clock.ms,
      ...(schemes ? { schemes } : {}),
      ...extra,
    });
  const request = (authorization?: string, method = 'DESCRIBE', uri = 'rtsp://h/site1/cam1') =>
    createRequest({ method, uri, headers: { CSeq: '2', ...(authorization ? { Authorization: authorization } : {}) } });
  const ok = (v: AuthVerdict): boolean => v.kind === 'ok';
  /** What a client without qop (GStreamer, VLC/live555) sends: RFC 2069 form. */
  const rfc2069 = (nonce: string, method: string, uri: string, password = 's3cret'): string => {
    const response = computeDigestResponse({ username: 'admin', password, realm: 'Cupola', nonce, method, uri });
    return `Digest username="admin", realm="Cupola", nonce="${nonce}", uri="${uri}", response="${response}"`;
  };
  const nonceOf = (challenge: string[]): string => /nonce="([^"]+)"/.exec(challenge.join(' '))![1]!;

  for (const schemes of [['digest', 'basic'], ['basic']] as const) {
    it(`client answers the challenge (${schemes.join('+')})`, () => {
      const s = server([...schemes]);
      assert.equal(ok(s.verify(request(), 'c1')), false);
      const client = new RtspClientAuth({ username: 'admin', password: 's3cret' });
      assert.equal(client.onChallenge(s.challenge('c1')), true);
      assert.equal(ok(s.verify(request(client.authorize('DESCRIBE', 'rtsp://h/site1/cam1')), 'c1')), true);
    });
  }

  it('offers Digest MD5 with qop=auth (RFC 7616), realm and nonce first', () => {
    const [digest, basic] = server().challenge('c1');
    assert.match(digest!, /^Digest realm="Cupola", nonce="nonce\d+", algorithm=MD5, qop="auth"$/);
    assert.equal(basic, 'Basic realm="Cupola"');
    assert.match(server().challenge('c1', true)[0]!, /^Digest realm="Cupola", nonce="nonce\d+", stale=TRUE, /);
  });

  it('wrong password, unknown nonce, wrong method and malformed header are refused', () => {
    const s = server();
    const bad = new RtspClientAuth({ username: 'admin', password: 'nope' });
    bad.onChallenge(s.challenge('c1'));
    assert.deepEqual(s.verify(request(bad.authorize('DESCRIBE', 'rtsp://h/site1/cam1')), 'c1'), { kind: 'unauthorized', stale: false, reason: 'wrong Digest response' });
    const forged = new RtspClientAuth({ username: 'admin', password: 'nope' });
    forged.onChallenge(['Digest realm="Cupola", nonce="never-issued"']);
    assert.deepEqual(s.verify(request(forged.authorize('DESCRIBE', 'rtsp://h/site1/cam1')), 'c1'), { kind: 'unauthorized', stale: false, reason: 'wrong Digest response' }, 'no stale=true without the password');
    const good = new RtspClientAuth({ username: 'admin', password: 's3cret' });
    good.onChallenge(s.challenge('c1'));
    assert.equal(ok(s.verify(request(good.authorize('PLAY', 'rtsp://h/site1/cam1')), 'c1')), false, 'response computed for another method');
    assert.equal(ok(s.verify(request('Digest username='), 'c1')), false);
    assert.equal(ok(s.verify(request(`Basic ${encodeBasicToken('admin', 's3cret')}`), 'c1')), true, 'Basic is offered by default too');
  });

  it('Digest only: Basic credentials are refused', () => {
    const s = server(['digest']);
    assert.equal(ok(s.verify(request(`Basic ${encodeBasicToken('admin', 's3cret')}`), 'c1')), false);
  });

  it('client uses qop=auth with a counting nc when offered', () => {
    const client = new RtspClientAuth({ username: 'u', password: 'p' }, () => 'cn');
    client.onChallenge(['Digest realm="r", nonce="n", qop="auth,auth-int"']);
    assert.match(client.authorize('OPTIONS', '*')!, /qop=auth, nc=00000001, cnonce="cn"/);
    assert.match(client.authorize('OPTIONS', '*')!, /nc=00000002/);
  });

  // Security issue 17.2: the replays that used to pass.
  describe('replay', () => {
    it('an RFC 2069 response (no qop) is reusable on its own connection within the lifetime, never on another', () => {
      const s = server(['digest']);
      const nonce = nonceOf(s.challenge('c1'));
      const header = rfc2069(nonce, 'DESCRIBE', 'rtsp://h/site1/cam1');
      assert.equal(ok(s.verify(request(header), 'c1')), true);
      assert.equal(ok(s.verify(request(header), 'c1')), true, 'same connection: RFC 2069 has no counter');
      assert.deepEqual(s.verify(request(header), 'c2'), { kind: 'unauthorized', stale: true, reason: 'nonce other-connection' });
    });

    it('a nonce dies after its lifetime (stale=true) and with its connection', () => {
      const s = server(['digest'], { nonceLifetimeMs: 1000 });
      clock.ms = 10_000;
      const nonce = nonceOf(s.challenge('c1'));
      const header = rfc2069(nonce, 'DESCRIBE', 'rtsp://h/site1/cam1');
      clock.ms = 10_999;
      assert.equal(ok(s.verify(request(header), 'c1')), true);
      clock.ms = 11_000;
      assert.deepEqual(s.verify(request(header), 'c1'), { kind: 'unauthorized', stale: true, reason: 'nonce expired' });
      clock.ms = 910_000;
      assert.deepEqual(s.verify(request(header), 'c1'), { kind: 'unauthorized', stale: true, reason: 'nonce expired' });
      s.challenge('c9'); // prunes the expired nonce
      assert.deepEqual(s.verify(request(header), 'c1'), { kind: 'unauthorized', stale: true, reason: 'nonce unknown' });
      const other = nonceOf(s.challenge('c1'));
      s.connectionClosed('c1');
      assert.deepEqual(s.verify(request(rfc2069(other, 'DESCRIBE', 'rtsp://h/site1/cam1')), 'c1'), { kind: 'unauthorized', stale: true, reason: 'nonce unknown' });
    });

    it('qop=auth: each nc once, increasing', () => {
      const s = server(['digest']);
      const client = new RtspClientAuth({ username: 'admin', password: 's3cret' }, () => 'cn');
      client.onChallenge(s.challenge('c1'));
      const first = client.authorize('DESCRIBE', 'rtsp://h/site1/cam1')!;
      assert.match(first, /qop=auth, nc=00000001/);
      assert.equal(ok(s.verify(request(first), 'c1')), true);
      assert.deepEqual(s.verify(request(first), 'c1'), { kind: 'unauthorized', stale: false, reason: 'nonce count not increasing (replay)' });
      const second = client.authorize('SETUP', 'rtsp://h/site1/cam1/trackID=0')!;
      assert.equal(ok(s.verify(request(second, 'SETUP', 'rtsp://h/site1/cam1/trackID=0'), 'c1')), true);
      assert.equal(ok(s.verify(request(first), 'c1')), false, 'an older nc after a newer one');
      assert.equal(s.verify(request(first.replace('nc=00000001', 'nc=1')), 'c1').kind, 'bad-request', 'nc not 8 hex digits');
    });

    it('a wrong response does not advance nc (no lock-out by a forger)', () => {
      const s = server(['digest']);
      const client = new RtspClientAuth({ username: 'admin', password: 's3cret' }, () => 'cn');
      client.onChallenge(s.challenge('c1'));
      const header = client.authorize('DESCRIBE', 'rtsp://h/site1/cam1')!;
      const forged = header.replace('nc=00000001', 'nc=ffffffff');
      assert.deepEqual(s.verify(request(forged), 'c1'), { kind: 'unauthorized', stale: false, reason: 'wrong Digest response' });
      assert.equal(ok(s.verify(request(header), 'c1')), true);
    });

    it('the uri must name the request: another camera is a 400', () => {
      const s = server(['digest']);
      const nonce = nonceOf(s.challenge('c1'));
      const header = rfc2069(nonce, 'DESCRIBE', 'rtsp://h/site1/cam1');
      assert.deepEqual(s.verify(request(header, 'DESCRIBE', 'rtsp://h/site1/cam2'), 'c1'), { kind: 'bad-request', reason: 'Digest uri does not match the request' });
      const setup = rfc2069(nonce, 'SETUP', 'rtsp://h/site1/cam1');
      assert.equal(s.verify(request(setup, 'SETUP', 'rtsp://h/site1/cam2/trackID=0'), 'c1').kind, 'bad-request');
      assert.equal(s.verify(request(setup, 'SETUP', 'rtsp://h/site1/cam1/x/trackID=0'), 'c1').kind, 'bad-request', 'one track segment, no deeper');
    });

    it('RFC 7616 MD5 only: a response claiming another algorithm is refused', () => {
      const s = server(['digest']);
      const nonce = nonceOf(s.challenge('c1'));
      assert.equal(ok(s.verify(request(`${rfc2069(nonce, 'DESCRIBE', 'rtsp://h/site1/cam1')}, algorithm=SHA-256`), 'c1')), false);
      assert.equal(ok(s.verify(request(`${rfc2069(nonce, 'DESCRIBE', 'rtsp://h/site1/cam1')}, algorithm=MD5`), 'c1')), true);
    });
  });

  describe('uri forms clients send', () => {
    const cases: [name: string, method: string, requestUri: string, digestUri: string][] = [
      ['ffmpeg, GStreamer, VLC: the absolute request URL', 'DESCRIBE', 'rtsp://127.0.0.1:8554/site1/cam1', 'rtsp://127.0.0.1:8554/site1/cam1'],
      ['camera clients: the path only', 'DESCRIBE', 'rtsp://127.0.0.1:8554/site1/cam1', '/site1/cam1'],
      ['ffmpeg PLAY on the Content-Base (trailing slash)', 'PLAY', 'rtsp://127.0.0.1:8554/site1/cam1/', 'rtsp://127.0.0.1:8554/site1/cam1/'],
      ['trailing slash on one side only', 'PLAY', 'rtsp://h/site1/cam1/', 'rtsp://h/site1/cam1'],
      ['SETUP of a track with the stream URL', 'SETUP', 'rtsp://h/site1/cam1/trackID=0', 'rtsp://h/site1/cam1'],
      ['query (publish key) ignored', 'ANNOUNCE', 'rtsp://h/site1/cam1?key=k', 'rtsp://h/site1/cam1'],
      ['ffmpeg track URL after a query', 'SETUP', 'rtsp://h/site1/cam1?key=k/streamid=0', 'rtsp://h/site1/cam1?key=k/streamid=0'],
      ['host as the client saw it (NAT)', 'DESCRIBE', 'rtsp://203.0.113.7:18554/site1/cam1', 'rtsp://203.0.113.7:18554/site1/cam1'],
      ['percent-encoding', 'DESCRIBE', 'rtsp://h/site1/cam%31', 'rtsp://h/site1/cam1'],
    ];
    for (const [name, method, requestUri, digestUri] of cases) {
      it(name, () => {
        const s = server(['digest']);
        const nonce = nonceOf(s.challenge('c1'));
        assert.deepEqual(s.verify(request(rfc2069(nonce, method, digestUri), method, requestUri), 'c1'), { kind: 'ok', username: 'admin' });
      });
    }
  });

  it('the nonce memory is bounded, in total and per connection', () => {
    const s = server(['digest'], { maxNonces: 3 });
    const first = s.challenge('c1');
    s.challenge('c2');
    s.challenge('c3');
    s.challenge('c4');
    assert.equal(s.outstandingNonces, 3);
    const c = new RtspClientAuth({ username: 'admin', password: 's3cret' });
    c.onChallenge(first);
    assert.deepEqual(s.verify(request(c.authorize('DESCRIBE', 'rtsp://h/site1/cam1')), 'c1'), { kind: 'unauthorized', stale: true, reason: 'nonce unknown' });
    const t = server(['digest']);
    const mine = t.challenge('c1');
    for (let i = 0; i < 100; i++) t.challenge('loop');
    assert.equal(t.outstandingNonces, 1 + MAX_NONCES_PER_CONNECTION, 'a connection asking in a loop pushes out only its own nonces');
    const d = new RtspClientAuth({ username: 'admin', password: 's3cret' });
    d.onChallenge(mine);
    assert.equal(ok(t.verify(request(d.authorize('DESCRIBE', 'rtsp://h/site1/cam1')), 'c1')), true);
  });
});
