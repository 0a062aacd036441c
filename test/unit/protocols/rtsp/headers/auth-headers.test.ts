import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatAuthorization, parseAuthorization } from '../../../../../protocols/rtsp/headers/authorization.ts';
import { formatWwwAuthenticate, parseWwwAuthenticate, type AuthChallenge } from '../../../../../protocols/rtsp/headers/www-authenticate.ts';

describe('WWW-Authenticate', () => {
  const roundTrip: [string, AuthChallenge][] = [
    ['Basic realm="Cupola"', { scheme: 'basic', realm: 'Cupola' }],
    ['Digest realm="Cupola", nonce="abc123"', { scheme: 'digest', realm: 'Cupola', nonce: 'abc123' }],
    [
      // stale right after nonce: live555 (VLC) only sees it there.
      'Digest realm="IP Camera", nonce="n", stale=TRUE, opaque="o", algorithm=MD5, qop="auth"',
      { scheme: 'digest', realm: 'IP Camera', nonce: 'n', opaque: 'o', algorithm: 'MD5', qop: 'auth', stale: true },
    ],
  ];
  for (const [wire, value] of roundTrip) {
    it(`round trip: ${wire}`, () => {
      assert.deepEqual(parseWwwAuthenticate([wire]), [value]);
      assert.equal(formatWwwAuthenticate(value), wire);
    });
  }
  it('several challenges in one value, unknown scheme skipped (RFC 7235 §4.1)', () => {
    const got = parseWwwAuthenticate(['Newauth realm="apps", type=1, Digest realm="r", nonce="x,y", Basic realm="b"']);
    assert.deepEqual(got, [{ scheme: 'digest', realm: 'r', nonce: 'x,y' }, { scheme: 'basic', realm: 'b' }]);
  });
  it('dahua: unquoted values and upper-case scheme', () => {
    assert.deepEqual(parseWwwAuthenticate(['DIGEST realm=Login, nonce=1234']), [{ scheme: 'digest', realm: 'Login', nonce: '1234' }]);
  });
  it('quoted-string escapes', () => {
    const c: AuthChallenge = { scheme: 'basic', realm: 'a "quoted" \\ realm' };
    assert.deepEqual(parseWwwAuthenticate([formatWwwAuthenticate(c)]), [c]);
  });
  it('rejects an unterminated quoted-string', () => {
    assert.throws(() => parseWwwAuthenticate(['Digest realm="oops']), { code: 'RTSP_AUTH_HEADER_INVALID' });
  });
});

describe('Authorization', () => {
  it('Basic token (with padding)', () => {
    assert.deepEqual(parseAuthorization('Basic YWJjOmQ='), { scheme: 'basic', token: 'YWJjOmQ=' });
    assert.equal(formatAuthorization({ scheme: 'basic', token: 'YWJjOmQ=' }), 'Basic YWJjOmQ=');
  });
  it('Digest round trip (ffmpeg form)', () => {
    const wire = 'Digest username="admin", realm="Cupola", nonce="n1", uri="rtsp://h/a", response="0123456789abcdef0123456789abcdef"';
    const cred = parseAuthorization(wire);
    assert.deepEqual(cred, { scheme: 'digest', username: 'admin', realm: 'Cupola', nonce: 'n1', uri: 'rtsp://h/a', response: '0123456789abcdef0123456789abcdef' });
    assert.equal(formatAuthorization(cred), wire);
  });
  it('Digest with qop, nc, cnonce unquoted', () => {
    const cred = parseAuthorization('Digest username="u", realm="r", nonce="n", uri="/", qop=auth, nc=00000001, cnonce="c", response="x"');
    assert.equal(cred.scheme === 'digest' ? cred.nc : '', '00000001');
    assert.match(formatAuthorization(cred), /qop=auth, nc=00000001, cnonce="c"$/);
  });
  for (const bad of ['Bearer abc', 'Digest username="u"', '']) {
    it(`rejects ${JSON.stringify(bad)}`, () => assert.throws(() => parseAuthorization(bad), { code: 'RTSP_AUTH_HEADER_INVALID' }));
  }
});
