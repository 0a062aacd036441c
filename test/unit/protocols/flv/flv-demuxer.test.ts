import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlvDemuxer } from '../../../../protocols/flv/flv-demuxer.ts';
import type { FlvHeaderInfo, FlvTag } from '../../../../protocols/flv/flv-demuxer.ts';
import { flvFileHeader, flvTagBuffers } from '../../../../protocols/flv/flv-muxer.ts';
import { FlvTagType } from '../../../../protocols/flv/constants.ts';
import { forEachFeeding } from '../../../helpers/feed.ts';

function file(tags: Array<{ type: FlvTagType; timestampMs: number; body: Buffer }>): Buffer {
  return Buffer.concat([
    flvFileHeader({ hasAudio: true, hasVideo: true }),
    ...tags.flatMap((t) => flvTagBuffers({ type: t.type, timestampMs: t.timestampMs, parts: [t.body] })),
  ]);
}

function demux(pieces: readonly Buffer[], options = {}): { tags: FlvTag[]; header: FlvHeaderInfo | undefined } {
  const tags: FlvTag[] = [];
  let header: FlvHeaderInfo | undefined;
  const d = new FlvDemuxer((t) => tags.push({ ...t, body: Buffer.from(t.body) }), { ...options, onHeader: (h) => (header = h) });
  for (const p of pieces) d.push(p);
  return { tags, header };
}

const TAGS = [
  { type: FlvTagType.Script, timestampMs: 0, body: Buffer.from('020a6f6e4d65746144617461', 'hex') },
  { type: FlvTagType.Video, timestampMs: 0, body: Buffer.from('1700000000aabbcc', 'hex') },
  { type: FlvTagType.Audio, timestampMs: 23, body: Buffer.from('af012110', 'hex') },
  { type: FlvTagType.Video, timestampMs: 40, body: Buffer.alloc(0) },
  // Timestamp past 24 bits uses TimestampExtended as the upper byte.
  { type: FlvTagType.Video, timestampMs: 0x12345678, body: Buffer.from('2701000000', 'hex') },
] as const;

test('FLV file demuxes the same fed whole, split at every offset and byte at a time', () => {
  const input = file([...TAGS]);
  forEachFeeding(
    input,
    (pieces) => demux(pieces),
    (result, label) => {
      assert.deepEqual(result.header, { hasAudio: true, hasVideo: true }, label);
      assert.deepEqual(result.tags, TAGS.map((t) => ({ ...t })), label);
    },
  );
});

test('TimestampExtended byte is written and read as the upper 8 bits', () => {
  const [header] = flvTagBuffers({ type: FlvTagType.Video, timestampMs: 0x12345678, parts: [] });
  assert.equal(header!.toString('hex'), '09' + '000000' + '345678' + '12' + '000000');
});

test('header with a larger DataOffset skips the padding', () => {
  const h = flvFileHeader({ hasAudio: false, hasVideo: true });
  const padded = Buffer.concat([h.subarray(0, 9), Buffer.alloc(3), h.subarray(9)]);
  padded.writeUInt32BE(12, 5);
  const tags = flvTagBuffers({ type: FlvTagType.Audio, timestampMs: 5, parts: [Buffer.from('72d5', 'hex')] });
  const result = demux([Buffer.concat([padded, ...tags])]);
  assert.deepEqual(result.header, { hasAudio: false, hasVideo: true });
  assert.equal(result.tags.length, 1);
});

const errors: Array<{ name: string; input: () => Buffer; code: string; options?: object }> = [
  { name: 'not FLV', input: () => Buffer.from('GIF89a\0\0\0\0\0\0\0', 'latin1'), code: 'FLV_HEADER_INVALID' },
  {
    name: 'DataOffset below 9',
    input: () => {
      const h = flvFileHeader({ hasAudio: true, hasVideo: true });
      h.writeUInt32BE(5, 5);
      return h;
    },
    code: 'FLV_HEADER_INVALID',
  },
  {
    name: 'PreviousTagSize0 not zero',
    input: () => {
      const h = flvFileHeader({ hasAudio: true, hasVideo: true });
      h.writeUInt32BE(7, 9);
      return h;
    },
    code: 'FLV_PREVIOUS_TAG_SIZE_MISMATCH',
  },
  {
    name: 'PreviousTagSize disagrees with the tag',
    input: () => {
      const f = file([{ type: FlvTagType.Audio, timestampMs: 0, body: Buffer.from('72d5', 'hex') }]);
      f.writeUInt32BE(99, f.length - 4);
      return Buffer.concat([f, Buffer.alloc(11)]);
    },
    code: 'FLV_PREVIOUS_TAG_SIZE_MISMATCH',
  },
  {
    name: 'tag type 7',
    input: () => {
      const f = file([{ type: FlvTagType.Audio, timestampMs: 0, body: Buffer.from('72d5', 'hex') }]);
      f[13] = 7;
      return f;
    },
    code: 'FLV_TAG_TYPE_INVALID',
  },
  {
    name: 'encrypted tag (Filter bit)',
    input: () => {
      const f = file([{ type: FlvTagType.Audio, timestampMs: 0, body: Buffer.from('72d5', 'hex') }]);
      f[13] = 0x20 | 8;
      return f;
    },
    code: 'FLV_TAG_TYPE_INVALID',
  },
  {
    name: 'tag larger than maxTagBytes, refused from the header alone',
    input: () => file([{ type: FlvTagType.Video, timestampMs: 0, body: Buffer.alloc(2000) }]).subarray(0, 13 + 11),
    code: 'FLV_TAG_TOO_LARGE',
    options: { maxTagBytes: 1000 },
  },
];

for (const c of errors) {
  test(`error: ${c.name}`, () => {
    assert.throws(() => demux([c.input()], c.options), { code: c.code });
  });
}

test('PreviousTagSize checking can be turned off', () => {
  const f = file([
    { type: FlvTagType.Audio, timestampMs: 0, body: Buffer.from('72d5', 'hex') },
    { type: FlvTagType.Audio, timestampMs: 1, body: Buffer.from('72d5', 'hex') },
  ]);
  f.writeUInt32BE(0, 13 + 11 + 2);
  assert.equal(demux([f], { checkPreviousTagSize: false }).tags.length, 2);
});

test('buffered bytes never exceed one tag header plus the tag limit', () => {
  const d = new FlvDemuxer(() => {}, { maxTagBytes: 100 });
  d.push(file([{ type: FlvTagType.Video, timestampMs: 0, body: Buffer.alloc(100) }]).subarray(0, 13 + 11 + 50));
  assert.ok(d.bufferedBytes <= 100);
});
