import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeBasicToken, encodeBasicToken } from '../../../../../protocols/rtsp/auth/basic.ts';
import { RtspClientAuth } from '../../../../../protocols/rtsp/auth/client-auth.ts';
import { computeDigestResponse } from '../../../../../protocols/rtsp/auth/digest.ts';
import { RtspServerAuth } from '../../../../../protocols/rtsp/auth/server-auth.ts';
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
  const server = (schemes?: ('basic' | 'digest')[]): RtspServerAuth =>
    new RtspServerAuth({ realm: 'Cupola', credentials: [{ username: 'admin', password: 's3cret' }], nonce: () => `nonce${++counter}`, ...(schemes ? { schemes } : {}) });
  const request = (authorization?: string) =>
    createRequest({ method: 'DESCRIBE', uri: 'rtsp://h/site1/cam1', headers: { CSeq: '2', ...(authorization ? { Authorization: authorization } : {}) } });

  for (const schemes of [['digest', 'basic'], ['basic']] as const) {
    it(`client answers the challenge (${schemes.join('+')})`, () => {
      const s = server([...schemes]);
      assert.equal(s.verify(request()), false);
      const client = new RtspClientAuth({ username: 'admin', password: 's3cret' });
      assert.equal(client.onChallenge(s.challenge()), true);
      assert.equal(s.verify(request(client.authorize('DESCRIBE', 'rtsp://h/site1/cam1'))), true);
    });
  }

  it('wrong password, unknown nonce, wrong method and malformed header are refused', () => {
    const s = server();
    const bad = new RtspClientAuth({ username: 'admin', password: 'nope' });
    bad.onChallenge(s.challenge());
    assert.equal(s.verify(request(bad.authorize('DESCRIBE', 'rtsp://h/site1/cam1'))), false);
    const forged = new RtspClientAuth({ username: 'admin', password: 's3cret' });
    forged.onChallenge(['Digest realm="Cupola", nonce="never-issued"']);
    assert.equal(s.verify(request(forged.authorize('DESCRIBE', 'rtsp://h/site1/cam1'))), false);
    const good = new RtspClientAuth({ username: 'admin', password: 's3cret' });
    good.onChallenge(s.challenge());
    assert.equal(s.verify(request(good.authorize('PLAY', 'rtsp://h/site1/cam1'))), false, 'response computed for another method');
    assert.equal(s.verify(request('Digest username=')), false);
    assert.equal(s.verify(request(`Basic ${encodeBasicToken('admin', 's3cret')}`)), true, 'Basic is offered by default too');
  });

  it('Digest only: Basic credentials are refused', () => {
    const s = server(['digest']);
    assert.equal(s.verify(request(`Basic ${encodeBasicToken('admin', 's3cret')}`)), false);
  });

  it('client uses qop=auth with a counting nc when offered', () => {
    const client = new RtspClientAuth({ username: 'u', password: 'p' }, () => 'cn');
    client.onChallenge(['Digest realm="r", nonce="n", qop="auth,auth-int"']);
    assert.match(client.authorize('OPTIONS', '*')!, /qop=auth, nc=00000001, cnonce="cn"/);
    assert.match(client.authorize('OPTIONS', '*')!, /nc=00000002/);
  });

  it('the nonce memory is bounded', () => {
    const s = new RtspServerAuth({ realm: 'r', credentials: [{ username: 'u', password: 'p' }], nonce: () => `n${++counter}`, maxNonces: 2, schemes: ['digest'] });
    const first = s.challenge();
    s.challenge();
    s.challenge();
    const c = new RtspClientAuth({ username: 'u', password: 'p' });
    c.onChallenge(first);
    assert.equal(s.verify(request(c.authorize('DESCRIBE', 'rtsp://h/site1/cam1'))), false);
  });
});
