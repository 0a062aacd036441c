import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactMongoUrl } from '../../../../src/config/mongo-url.ts';

describe('redactMongoUrl', () => {
  it('redacts passwords in URLs', () => {
    assert.equal(redactMongoUrl('mongodb://u:p@h:27017/db'), 'mongodb://u:***@h:27017/db');
    assert.equal(redactMongoUrl('mongodb://h:27017'), 'mongodb://h:27017');
  });
});
