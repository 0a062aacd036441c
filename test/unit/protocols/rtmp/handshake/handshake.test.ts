import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServerHandshake } from '../../../../../protocols/rtmp/handshake/server-handshake.ts';
import { ClientHandshake } from '../../../../../protocols/rtmp/handshake/client-handshake.ts';
import { FP_KEY, FP_KEY_TEXT_LENGTH, HANDSHAKE_SIZE } from '../../../../../protocols/rtmp/handshake/handshake-constants.ts';
import { findValidDigest } from '../../../../../protocols/rtmp/handshake/digest.ts';
import { seededBytes } from '../../../../helpers/random.ts';

/** Runs both sides against each other, feeding each side `piece` bytes at a time. */
function run(digest: boolean, piece: number, trailing: Buffer) {
  const client = new ClientHandshake({ randomBytes: seededBytes(1), timeMs: 1234, digest });
  const server = new ServerHandshake({ randomBytes: seededBytes(2), timeMs: 5678 });
  const feed = (side: { push(b: Buffer): { send: Buffer[]; done: boolean; rest: Buffer | null } }, data: Buffer) => {
    const sent: Buffer[] = [];
    let rest: Buffer | null = null;
    let done = false;
    for (let i = 0; i < data.length; i += piece) {
      const step = side.push(data.subarray(i, i + piece));
      sent.push(...step.send);
      if (step.done) {
        done = true;
        if (step.rest !== null) rest = rest === null ? step.rest : Buffer.concat([rest, step.rest]);
      }
    }
    return { sent: Buffer.concat(sent), done, rest };
  };
  const c0c1 = Buffer.concat(client.start());
  const s = feed(server, c0c1);
  assert.equal(s.sent.length, 1 + 2 * HANDSHAKE_SIZE);
  const c = feed(client, s.sent);
  assert.equal(c.done, true);
  const s2 = feed(server, Buffer.concat([c.sent, trailing]));
  return { client, server, serverDone: s2.done, rest: s2.rest, c0c1, s0s1s2: s.sent };
}

for (const digest of [true, false]) {
  for (const piece of [1, 7, 1537, 100000]) {
    test(`handshake, ${digest ? 'FP9 digest' : 'plain'} form, fed ${piece} bytes at a time`, () => {
      const trailing = Buffer.from('0300000000000014', 'hex');
      const r = run(digest, piece, trailing);
      assert.equal(r.serverDone, true);
      assert.equal(r.server.digestForm, digest);
      assert.equal(r.client.serverVerified, digest);
      assert.deepEqual(r.rest, trailing, 'bytes after C2 are handed on');
      assert.equal(r.s0s1s2[0], 3);
      if (!digest) assert.deepEqual(r.s0s1s2.subarray(1 + HANDSHAKE_SIZE), r.c0c1.subarray(1), 'plain S2 echoes C1');
    });
  }
}

test('client C1 in digest form carries a valid digest (scheme 0)', () => {
  const client = new ClientHandshake({ randomBytes: seededBytes(3), timeMs: 0 });
  const c1 = Buffer.concat(client.start()).subarray(1);
  assert.equal(findValidDigest(c1, FP_KEY.subarray(0, FP_KEY_TEXT_LENGTH))?.scheme, 0);
});

test('a non-zero C1 version without a valid digest falls back to the plain form', () => {
  const server = new ServerHandshake({ randomBytes: seededBytes(4), timeMs: 0 });
  const c1 = seededBytes(5)(HANDSHAKE_SIZE);
  c1.writeUInt32BE(0x09007c02, 4);
  const step = server.push(Buffer.concat([Buffer.from([3]), c1]));
  assert.equal(server.digestForm, false);
  assert.deepEqual(step.send[2], c1);
});

test('inputs are not modified', () => {
  const client = new ClientHandshake({ randomBytes: seededBytes(6), timeMs: 0 });
  const c0c1 = Buffer.concat(client.start());
  const copy = Buffer.from(c0c1);
  new ServerHandshake({ randomBytes: seededBytes(7), timeMs: 0 }).push(c0c1);
  assert.deepEqual(c0c1, copy);
});

test('RTMPE (version 6) and HTTP requests are refused at the first byte', () => {
  assert.throws(() => new ServerHandshake({ randomBytes: seededBytes(8), timeMs: 0 }).push(Buffer.from([6])), { code: 'RTMP_HANDSHAKE_VERSION_UNSUPPORTED' });
  assert.throws(() => new ServerHandshake({ randomBytes: seededBytes(8), timeMs: 0 }).push(Buffer.from('GET / HTTP/1.1\r\n')), { code: 'RTMP_HANDSHAKE_VERSION_UNSUPPORTED' });
  const client = new ClientHandshake({ randomBytes: seededBytes(9), timeMs: 0 });
  client.start();
  assert.throws(() => client.push(Buffer.from([8])), { code: 'RTMP_HANDSHAKE_VERSION_UNSUPPORTED' });
});
