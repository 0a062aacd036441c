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
