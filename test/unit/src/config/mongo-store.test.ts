import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MongoStore } from '../../../../src/config/mongo-store.ts';
import { StoreLoadError } from '../../../../src/config/store.ts';

describe('MongoStore (no server needed)', () => {
  it('fails start-up with a clear error, without the password, when the server is unreachable', async () => {
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    const store = new MongoStore({ url: 'mongodb://admin:hunter2@127.0.0.1:1/?directConnection=true', serverSelectionTimeoutMs: 300 });
    await assert.rejects(store.load(), (err: unknown) => {
      assert.ok(err instanceof StoreLoadError);
      assert.match(err.message, /^cannot reach MongoDB mongodb:\/\/admin:\*\*\*@127\.0\.0\.1:1\//);
      assert.doesNotMatch(err.message, /hunter2/);
      return true;
    });
    await store.close();
  });
});
