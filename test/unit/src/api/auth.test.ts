import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenAuth } from '../../../../src/api/auth.ts';

describe('TokenAuth', () => {
  it('accepts only "Bearer <token>" with the exact token', () => {
    const a = new TokenAuth('s3cret-token');
    assert.equal(a.enabled, true);
    assert.equal(a.checkHeader('Bearer s3cret-token'), true);
    assert.equal(a.checkHeader('bearer s3cret-token'), true);
    for (const h of ['', 'Bearer', 'Bearer s3cret-toke', 'Bearer s3cret-token2', 'Basic s3cret-token', 's3cret-token']) {
      assert.equal(a.checkHeader(h), false, h);
    }
    assert.equal(a.checkToken('s3cret-token'), true);
    assert.equal(a.checkToken(''), false);
  });
  it('disabled when no token is configured', () => {
    const a = new TokenAuth(undefined);
    assert.equal(a.enabled, false);
    assert.equal(a.checkHeader(''), true);
  });
});
