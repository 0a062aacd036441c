import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChunkReader } from '../../../../../protocols/rtmp/chunk/chunk-reader.ts';
import type { RtmpMessage } from '../../../../../protocols/rtmp/chunk/rtmp-message.ts';
import type { ChunkLimits } from '../../../../../protocols/rtmp/chunk/chunk-limits.ts';
import { encodeChunks } from '../../../../../protocols/rtmp/chunk/chunk-writer.ts';
import { forEachFeeding } from '../../../../helpers/feed.ts';

type Msg = Omit<RtmpMessage, 'payload'> & { payload: string };

function read(pieces: readonly Buffer[], limits?: ChunkLimits): Msg[] {
  const out: Msg[] = [];
  const r = new ChunkReader((m) => out.push({ ...m, payload: m.payload.toString('hex') }), limits);
  for (const p of pieces) r.push(p);
  return out;
}

function hex(s: string): Buffer {
  return Buffer.from(s.replace(/[\s|]/g, ''), 'hex');
}

/** Hand-written chunk streams (RTMP spec §5.3.1 and §5.3.2 examples), header by header. */
const cases: Array<{ name: string; input: Buffer; expect: Msg[] }> = [
  {
    name: 'type 0, then type 1 and type 3 headers on one chunk stream (spec §5.3.2.1 audio example)',
    input: hex(
      '03 | 0003e8 000003 08 01000000 | aabbcc' + // csid 3, ts 1000, len 3, audio, msid 1
        '43 | 000014 000003 08 | ddeeff' + // type 1: delta 20, same length and type
        'c3 | 112233', // type 3: delta 20 again
    ),
    expect: [
      { chunkStreamId: 3, timestamp: 1000, typeId: 8, messageStreamId: 1, payload: 'aabbcc' },
      { chunkStreamId: 3, timestamp: 1020, typeId: 8, messageStreamId: 1, payload: 'ddeeff' },
      { chunkStreamId: 3, timestamp: 1040, typeId: 8, messageStreamId: 1, payload: '112233' },
    ],
  },
  {
    name: 'type 2 header (delta only)',
    input: hex('04 000064 000002 09 01000000 aaaa' + '84 000028 bbbb'),
    expect: [
      { chunkStreamId: 4, timestamp: 100, typeId: 9, messageStreamId: 1, payload: 'aaaa' },
      { chunkStreamId: 4, timestamp: 140, typeId: 9, messageStreamId: 1, payload: 'bbbb' },
    ],
  },
  {
    name: 'message split over chunks of the default 128 bytes (type 3 continuations)',
    input: Buffer.concat([hex('06 000000 000100 09 01000000'), Buffer.alloc(128, 1), hex('c6'), Buffer.alloc(128, 2)]),
    expect: [{ chunkStreamId: 6, timestamp: 0, typeId: 9, messageStreamId: 1, payload: '01'.repeat(128) + '02'.repeat(128) }],
  },
  {
    name: 'interleaved chunk streams',
    input: Buffer.concat([
      hex('06 000000 0000c8 09 01000000'), Buffer.alloc(128, 1),
      hex('04 000000 000002 08 01000000 abcd'),
      hex('c6'), Buffer.alloc(72, 2),
    ]),
    expect: [
      { chunkStreamId: 4, timestamp: 0, typeId: 8, messageStreamId: 1, payload: 'abcd' },
      { chunkStreamId: 6, timestamp: 0, typeId: 9, messageStreamId: 1, payload: '01'.repeat(128) + '02'.repeat(72) },
    ],
  },
  {
    name: '2-byte basic header (csid 64..319)',
    input: hex('00 00 000001 000001 08 00000000 aa' + '00 ff 000002 000001 08 00000000 bb'),
    expect: [
      { chunkStreamId: 64, timestamp: 1, typeId: 8, messageStreamId: 0, payload: 'aa' },
      { chunkStreamId: 319, timestamp: 2, typeId: 8, messageStreamId: 0, payload: 'bb' },
    ],
  },
  {
    name: '3-byte basic header up to csid 65599',
    input: hex('01 00 01 000001 000001 08 00000000 aa' + '01 ff ff 000002 000001 08 00000000 bb'),
    expect: [
      { chunkStreamId: 320, timestamp: 1, typeId: 8, messageStreamId: 0, payload: 'aa' },
      { chunkStreamId: 65599, timestamp: 2, typeId: 8, messageStreamId: 0, payload: 'bb' },
    ],
  },
  {
    name: 'extended timestamp on type 0, repeated on the type-3 continuation (spec, ffmpeg, FMS)',
    input: Buffer.concat([hex('06 ffffff 000081 09 01000000 01000000'), Buffer.alloc(128, 7), hex('c6 01000000 08')]),
    expect: [{ chunkStreamId: 6, timestamp: 0x01000000, typeId: 9, messageStreamId: 1, payload: '07'.repeat(128) + '08' }],
  },
  {
    name: 'encoder that omits the extended timestamp on continuation chunks',
    input: Buffer.concat([hex('06 ffffff 000084 09 01000000 01000000'), Buffer.alloc(128, 7), hex('c6 0a0b0c0d')]),
    expect: [{ chunkStreamId: 6, timestamp: 0x01000000, typeId: 9, messageStreamId: 1, payload: '07'.repeat(128) + '0a0b0c0d' }],
  },
  {
    name: 'type 3 starting a new message after an extended type 1 re-reads the extended delta',
    input: hex('04 000000 000001 08 01000000 aa' + '44 ffffff 000001 08 01000000 bb' + 'c4 01000000 cc'),
    expect: [
      { chunkStreamId: 4, timestamp: 0, typeId: 8, messageStreamId: 1, payload: 'aa' },
      { chunkStreamId: 4, timestamp: 0x01000000, typeId: 8, messageStreamId: 1, payload: 'bb' },
      { chunkStreamId: 4, timestamp: 0x02000000, typeId: 8, messageStreamId: 1, payload: 'cc' },
    ],
  },
  {
    name: 'type 3 new message after type 0 repeats the absolute field as delta (as ffmpeg writes it)',
    input: hex('04 000028 000001 08 01000000 aa' + 'c4 bb'),
    expect: [
      { chunkStreamId: 4, timestamp: 40, typeId: 8, messageStreamId: 1, payload: 'aa' },
      { chunkStreamId: 4, timestamp: 80, typeId: 8, messageStreamId: 1, payload: 'bb' },
    ],
  },
  {
    name: 'Set Chunk Size applies to the following chunks',
    input: Buffer.concat([hex('02 000000 000004 01 00000000 00000100'), hex('06 000000 000100 09 01000000'), Buffer.alloc(256, 3)]),
    expect: [
      { chunkStreamId: 2, timestamp: 0, typeId: 1, messageStreamId: 0, payload: '00000100' },
      { chunkStreamId: 6, timestamp: 0, typeId: 9, messageStreamId: 1, payload: '03'.repeat(256) },
    ],
  },
  {
    name: 'Abort drops the partial message of its chunk stream',
    input: Buffer.concat([
      hex('06 000000 000100 09 01000000'), Buffer.alloc(128, 1),
      hex('02 000000 000004 02 00000000 00000006'),
      hex('06 000000 000001 09 01000000 ee'),
    ]),
    expect: [
      { chunkStreamId: 2, timestamp: 0, typeId: 2, messageStreamId: 0, payload: '00000006' },
      { chunkStreamId: 6, timestamp: 0, typeId: 9, messageStreamId: 1, payload: 'ee' },
    ],
  },
  {
    name: 'zero-length message',
    input: hex('03 000005 000000 14 00000000' + '03 000006 000001 14 00000000 05'),
    expect: [
      { chunkStreamId: 3, timestamp: 5, typeId: 20, messageStreamId: 0, payload: '' },
      { chunkStreamId: 3, timestamp: 6, typeId: 20, messageStreamId: 0, payload: '05' },
    ],
  },
  {
    name: 'timestamp wraps modulo 2^32',
    input: hex('04 ffffff 000001 08 01000000 fffffff0 aa' + '84 000020 bb'),
    expect: [
      { chunkStreamId: 4, timestamp: 0xfffffff0, typeId: 8, messageStreamId: 1, payload: 'aa' },
      { chunkStreamId: 4, timestamp: 0x10, typeId: 8, messageStreamId: 1, payload: 'bb' },
    ],
  },
];

for (const c of cases) {
  test(`chunk reader: ${c.name}`, () => {
    forEachFeeding(c.input, (pieces) => read(pieces), (got, label) => assert.deepEqual(got, c.expect, label));
  });
}

test('a message in one piece is handed out as a view of the input', () => {
  const input = Buffer.concat(encodeChunks({ chunkStreamId: 4, timestamp: 0, typeId: 8, messageStreamId: 1, payload: Buffer.alloc(100, 9) }, 4096));
  let payload: Buffer | undefined;
  new ChunkReader((m) => (payload = m.payload)).push(input);
  assert.equal(payload?.buffer, input.buffer);
});

const errors: Array<{ name: string; input: Buffer; code: string; limits?: ChunkLimits }> = [
  { name: 'type 1 on a new chunk stream', input: hex('43 000000 000001 08'), code: 'RTMP_CHUNK_NO_PREVIOUS_HEADER' },
  { name: 'type 3 on a new chunk stream', input: hex('c3 00'), code: 'RTMP_CHUNK_NO_PREVIOUS_HEADER' },
  { name: 'Set Chunk Size 0', input: hex('02 000000 000004 01 00000000 00000000'), code: 'RTMP_CHUNK_SIZE_INVALID' },
  { name: 'Set Chunk Size with bit 31 set', input: hex('02 000000 000004 01 00000000 80000000'), code: 'RTMP_CHUNK_SIZE_INVALID' },
  { name: 'Set Chunk Size too short', input: hex('02 000000 000002 01 00000000 0000'), code: 'RTMP_CONTROL_MESSAGE_INVALID' },
  { name: 'message over the size limit, refused from its header', input: hex('04 000000 100000 09 01000000'), code: 'RTMP_MESSAGE_TOO_LARGE', limits: { maxMessageBytes: 0xfffff } },
  {
    name: 'too many chunk streams',
    input: Buffer.concat(Array.from({ length: 5 }, (_, i) => hex(`${(3 + i).toString(16).padStart(2, '0')} 000000 000001 08 00000000 aa`))),
    code: 'RTMP_TOO_MANY_CHUNK_STREAMS',
    limits: { maxChunkStreams: 4 },
  },
  {
    name: 'partial messages over the buffered-bytes limit',
    input: Buffer.concat([hex('04 000000 000100 09 01000000'), Buffer.alloc(128), hex('05 000000 000100 09 01000000'), Buffer.alloc(128)]),
    code: 'RTMP_BUFFER_LIMIT',
    limits: { maxBufferedBytes: 200 },
  },
];

for (const c of errors) {
  test(`chunk reader error: ${c.name}`, () => {
    assert.throws(() => read([c.input], c.limits), { code: c.code });
  });
}

test('chunk reader: partial messages are held in buffers of our own, counted in retainedBytes, and released', () => {
  // 60 chunk streams, each with the first chunk (128 bytes) of a 300 KiB message (item 10.2's pattern).
  const r = new ChunkReader(() => {}, { maxChunkStreams: 64 });
  const read = Buffer.alloc(60 * (12 + 128) + 65536); // one big socket read, mostly other bytes
  let off = 0;
  for (let i = 0; i < 60; i++) {
    off += hex(`${(4 + i).toString(16).padStart(2, '0')} 000000 04b000 09 01000000`).copy(read, off);
    read.fill(0xab, off, off + 128);
    off += 128;
  }
  r.push(read.subarray(0, off));
  assert.equal(r.bufferedBytes, 60 * 128);
  assert.ok(r.retainedBytes >= 60 * 16 * 1024, `retained ${r.retainedBytes}: the capacity of 60 body buffers`);
  assert.ok(r.retainedBytes < 60 * 20 * 1024 + 65536, `retained ${r.retainedBytes}`);
  // Abort each message (a new type-0 header of a 1-byte message replaces the partial one).
  for (let i = 0; i < 60; i++) r.push(hex(`${(4 + i).toString(16).padStart(2, '0')} 000000 000001 09 01000000 00`));
  assert.equal(r.bufferedBytes, 0);
  assert.equal(r.retainedBytes, 0);
});

test('chunk reader: a message spanning chunks does not pin the socket reads it came in', () => {
  const input = Buffer.concat(encodeChunks({ chunkStreamId: 4, timestamp: 0, typeId: 9, messageStreamId: 1, payload: Buffer.alloc(20_000, 5) }, 128));
  let payload: Buffer | undefined;
  const r = new ChunkReader((m) => (payload = m.payload));
  r.push(input);
  assert.equal(payload?.length, 20_000);
  assert.notEqual(payload?.buffer, input.buffer);
  assert.ok(payload!.every((b) => b === 5));
  assert.equal(r.retainedBytes, 0);
});

/**
 * Reads `pieces` the way a socket read straight from its handle delivers them: each copied into
 * one reused buffer, pushed with pushLent, and the buffer scribbled over right after. Payloads
 * are kept as Buffers and compared only at the end, so one that pointed into the lent buffer
 * would show the scribble.
 */
function readLent(pieces: readonly Buffer[], limits?: ChunkLimits): Msg[] {
  const kept: RtmpMessage[] = [];
  const r = new ChunkReader((m) => kept.push(m), limits);
  const shared = Buffer.alloc(64 * 1024);
  for (const p of pieces) {
    for (let off = 0; off < p.length; off += shared.length) {
      const n = p.copy(shared, 0, off, Math.min(p.length, off + shared.length));
      r.pushLent(shared.subarray(0, n));
      shared.fill(0xee);
    }
  }
  return kept.map((m) => ({ ...m, payload: m.payload.toString('hex') }));
}

for (const c of cases) {
  test(`chunk reader, lent input: ${c.name}`, () => {
    forEachFeeding(c.input, (pieces) => readLent(pieces), (got, label) => assert.deepEqual(got, c.expect, label));
  });
}

test('chunk reader, lent input: a long mixed stream in random reads gives what push gives, nothing pointing into the lent buffer', () => {
  let seed = 7;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
  const messages = Array.from({ length: 60 }, (_, i) => ({
    chunkStreamId: 4 + (i % 3),
    timestamp: i * 40,
    typeId: i % 3 === 0 ? 8 : 9,
    messageStreamId: 1,
    payload: Buffer.from(Array.from({ length: [3, 200, 4096, 9000, 70_000][i % 5]! }, (_, k) => (k * 7 + i) & 0xff)),
  }));
  const setChunkSize = { chunkStreamId: 2, timestamp: 0, typeId: 1, messageStreamId: 0, payload: hex('00001000') };
  const input = Buffer.concat([...encodeChunks(setChunkSize, 128), ...messages.flatMap((m) => encodeChunks(m, 4096))]);
  const pieces: Buffer[] = [];
  for (let off = 0; off < input.length; ) {
    const n = 1 + Math.floor(rnd() * 20_000);
    pieces.push(input.subarray(off, off + n));
    off += n;
  }
  const viaPush = read(pieces);
  assert.equal(viaPush.length, 61);
  assert.deepEqual(readLent(pieces), viaPush);
});

test('chunk reader, lent input: an error still leaves nothing of the lent buffer queued', () => {
  const r = new ChunkReader(() => {});
  const shared = Buffer.alloc(1024);
  hex('c3 00').copy(shared);
  assert.throws(() => r.pushLent(shared.subarray(0, 2)), { code: 'RTMP_CHUNK_NO_PREVIOUS_HEADER' });
  assert.equal(r.retainedBytes < shared.buffer.byteLength, true, `retained ${r.retainedBytes}`);
});
