import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authQuery, HlsReadAuth } from '../../../../src/hls/hls-read-auth.ts';

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

test('HLS read access follows the RTSP read rule: open without read credentials, else the credentials or the API token', () => {
  const auth = new HlsReadAuth({ compressed: { user: 'viewer', pass: 'secret' } }, 'api-token-1');
  const q = (s: string) => new URLSearchParams(s);
  const cases: [factory: 'raw' | 'compressed', authorization: string, query: string, allowed: boolean][] = [
    ['raw', '', '', true],
    ['compressed', '', '', false],
    ['compressed', basic('viewer', 'secret'), '', true],
    ['compressed', basic('viewer', 'wrong'), '', false],
    ['compressed', '', 'user=viewer&pass=secret', true],
    ['compressed', '', 'user=viewer&pass=nope', false],
    ['compressed', 'Bearer api-token-1', '', true],
    ['compressed', 'Bearer other', '', false],
    ['compressed', '', 'token=api-token-1', true],
    ['compressed', '', 'token=api-token-2', false],
  ];
  for (const [factory, authorization, query, allowed] of cases) {
    assert.equal(auth.allows(factory, authorization, q(query)), allowed, `${factory} ${authorization} ?${query}`);
  }
  const noToken = new HlsReadAuth({ raw: { user: 'v', pass: 'p' } }, undefined);
  assert.equal(noToken.allows('raw', '', q('token=')), false, 'no API token: ?token= opens nothing');
});

test('the credential query parameters, and only those, are carried onto playlist URIs', () => {
  assert.equal(authQuery(new URLSearchParams('token=a b&_HLS_msn=3&x=1')), 'token=a+b');
  assert.equal(authQuery(new URLSearchParams('_HLS_msn=3')), '');
});

test('the /hls guard asks the node\'s access check: IP lists for `read` refuse with 403, credentials with 401, both with CORS', async () => {
  const { hlsGuard } = await import('../../../../src/hls/hls-read-auth.ts');
  const { AccessControl } = await import('../../../../src/access/access-control.ts');
  const { IpRules } = await import('../../../../src/access/ip-rules.ts');
  const { silentLogger } = await import('../../../../src/log/logger.ts');
  const cors = { 'access-control-allow-origin': '*' };
  const auth = new HlsReadAuth({ raw: { user: 'viewer', pass: 'secret' } }, undefined);
  const url = '/hls/raw/site1/cam1/index.m3u8';
  const plain = hlsGuard(auth, AccessControl.internal(silentLogger), cors);
  assert.equal(plain('', new URLSearchParams(''), { ip: '10.0.0.1', url: '/hls/compressed/site1/cam1/index.m3u8' }), null, 'no read credentials: open');
  const refused = await plain('', new URLSearchParams(''), { ip: '10.0.0.1', url });
  assert.equal(refused?.status, 401);
  assert.equal(refused?.headers?.['access-control-allow-origin'], '*');
  assert.equal(await plain(basic('viewer', 'secret'), new URLSearchParams(''), { ip: '10.0.0.1', url }), null);
  const listed = hlsGuard(auth, new AccessControl('internal', new IpRules({}, { read: ['10.0.0.0/8'] }), null, silentLogger), cors);
  const byIp = await listed(basic('viewer', 'secret'), new URLSearchParams(''), { ip: '10.0.0.1', url });
  assert.equal(byIp?.status, 403, 'an IP on the read deny list is refused whatever its credentials');
  assert.equal(await listed(basic('viewer', 'secret'), new URLSearchParams(''), { ip: '192.168.1.1', url }), null);
});
