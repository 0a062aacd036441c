import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkReader } from '../../../../../protocols/rtmp/chunk/chunk-reader.ts';
import type { RtmpMessage } from '../../../../../protocols/rtmp/chunk/rtmp-message.ts';
import { ChunkWriter, encodeChunks } from '../../../../../protocols/rtmp/chunk/chunk-writer.ts';
import type { OutgoingMessage } from '../../../../../protocols/rtmp/chunk/chunk-writer.ts';
import { setChunkSizeMessage } from '../../../../../protocols/rtmp/message/protocol-control.ts';
import { feedings } from '../../../../helpers/feed.ts';

function payloadOf(m: OutgoingMessage): Buffer {
  return Buffer.isBuffer(m.payload) ? m.payload : Buffer.concat(m.payload);
}

const messages: Array<{ name: string; message: OutgoingMessage; chunkSize: number }> = [
  { name: 'small, csid 3', message: { chunkStreamId: 3, timestamp: 0, typeId: 20, messageStreamId: 0, payload: Buffer.from('hello') }, chunkSize: 128 },
  { name: 'exactly one chunk', message: { chunkStreamId: 4, timestamp: 1, typeId: 8, messageStreamId: 1, payload: Buffer.alloc(128, 1) }, chunkSize: 128 },
  { name: 'one byte over a chunk', message: { chunkStreamId: 6, timestamp: 2, typeId: 9, messageStreamId: 1, payload: Buffer.alloc(129, 2) }, chunkSize: 128 },
  { name: 'parts crossing chunk boundaries', message: { chunkStreamId: 6, timestamp: 40, typeId: 9, messageStreamId: 1, payload: [Buffer.alloc(5, 3), Buffer.alloc(300, 4), Buffer.alloc(7, 5)] }, chunkSize: 100 },
  { name: 'chunk size 1', message: { chunkStreamId: 5, timestamp: 3, typeId: 18, messageStreamId: 1, payload: Buffer.from('abcdef') }, chunkSize: 1 },
  { name: 'csid 63', message: { chunkStreamId: 63, timestamp: 4, typeId: 8, messageStreamId: 2, payload: Buffer.alloc(300, 6) }, chunkSize: 128 },
  { name: 'csid 64 (2-byte header)', message: { chunkStreamId: 64, timestamp: 5, typeId: 8, messageStreamId: 2, payload: Buffer.alloc(300, 6) }, chunkSize: 128 },
  { name: 'csid 319', message: { chunkStreamId: 319, timestamp: 6, typeId: 8, messageStreamId: 2, payload: Buffer.alloc(300, 6) }, chunkSize: 128 },
  { name: 'csid 320 (3-byte header)', message: { chunkStreamId: 320, timestamp: 7, typeId: 8, messageStreamId: 2, payload: Buffer.alloc(300, 6) }, chunkSize: 128 },
  { name: 'csid 65599', message: { chunkStreamId: 65599, timestamp: 8, typeId: 8, messageStreamId: 2, payload: Buffer.alloc(300, 6) }, chunkSize: 128 },
  { name: 'timestamp 0xFFFFFE (no extension)', message: { chunkStreamId: 6, timestamp: 0xfffffe, typeId: 9, messageStreamId: 1, payload: Buffer.alloc(200, 7) }, chunkSize: 128 },
  { name: 'timestamp 0xFFFFFF (extended)', message: { chunkStreamId: 6, timestamp: 0xffffff, typeId: 9, messageStreamId: 1, payload: Buffer.alloc(200, 7) }, chunkSize: 128 },
  { name: 'timestamp 2^32-1', message: { chunkStreamId: 6, timestamp: 0xffffffff, typeId: 9, messageStreamId: 1, payload: Buffer.alloc(300, 8) }, chunkSize: 128 },
  { name: 'timestamp past 2^32 wraps', message: { chunkStreamId: 6, timestamp: 2 ** 32 + 5, typeId: 9, messageStreamId: 1, payload: Buffer.alloc(3, 8) }, chunkSize: 128 },
  { name: 'empty payload', message: { chunkStreamId: 3, timestamp: 0, typeId: 20, messageStreamId: 0, payload: Buffer.alloc(0) }, chunkSize: 128 },
];

for (const c of messages) {
  test(`writer -> reader round trip: ${c.name}`, () => {
    // The reader must first learn the chunk size, as a peer would from Set Chunk Size.
    const setSize = encodeChunks(setChunkSizeMessage(c.chunkSize), 128);
    const chunks = encodeChunks(c.message, c.chunkSize);
    for (const f of feedings(Buffer.concat([...setSize, ...chunks]))) {
      const got: RtmpMessage[] = [];
      const r = new ChunkReader((m) => got.push(m));
      for (const p of f.pieces) r.push(p);
      assert.equal(got.length, 2, f.label);
      const m = got[1]!;
      assert.equal(m.chunkStreamId, c.message.chunkStreamId, f.label);
      assert.equal(m.timestamp, c.message.timestamp >>> 0, f.label);
      assert.equal(m.typeId, c.message.typeId, f.label);
      assert.equal(m.messageStreamId, c.message.messageStreamId, f.label);
      assert.deepEqual(m.payload, payloadOf(c.message), f.label);
    }
  });
}

test('payload bytes are views of the input, never copies', () => {
  const payload = Buffer.alloc(1000, 1);
  const chunks = encodeChunks({ chunkStreamId: 6, timestamp: 0, typeId: 9, messageStreamId: 1, payload }, 128);
  const views = chunks.filter((b) => b.buffer === payload.buffer);
  assert.equal(views.reduce((n, b) => n + b.length, 0), 1000);
  // One shared continuation header for the whole message.
  const headers = chunks.filter((b) => b.buffer !== payload.buffer);
  assert.equal(new Set(headers.slice(1)).size, 1);
});

test('continuation chunks repeat the extended timestamp', () => {
  const chunks = encodeChunks({ chunkStreamId: 6, timestamp: 0x01020304, typeId: 9, messageStreamId: 1, payload: Buffer.alloc(200) }, 128);
  assert.equal(chunks[0]!.toString('hex'), '06' + 'ffffff' + '0000c8' + '09' + '01000000' + '01020304');
  assert.equal(chunks[2]!.toString('hex'), 'c6' + '01020304');
});

test('ChunkWriter refuses an invalid chunk size', () => {
  const w = new ChunkWriter();
  assert.throws(() => (w.chunkSize = 0), RangeError);
  assert.throws(() => (w.chunkSize = 0x80000000), RangeError);
  w.chunkSize = 4096;
  assert.equal(w.chunkSize, 4096);
});

test('a message over the 24-bit length is refused', () => {
  assert.throws(
    () => encodeChunks({ chunkStreamId: 6, timestamp: 0, typeId: 9, messageStreamId: 1, payload: [Buffer.alloc(0x800000), Buffer.alloc(0x800000)] }, 4096),
    { code: 'RTMP_MESSAGE_TOO_LARGE' },
  );
});
