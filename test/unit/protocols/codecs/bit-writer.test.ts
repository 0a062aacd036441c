import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BitWriter } from '../../../../protocols/codecs/bit-writer.ts';
import { BitReader } from '../../../../protocols/bytes/bit-reader.ts';

test('BitWriter writes MSB first and pads the last byte with zeros', () => {
  const w = new BitWriter();
  w.writeBits(5, 2);
  w.writeBits(4, 4);
  w.writeBits(4, 2);
  w.writeBits(3, 0);
  assert.equal(w.toBuffer().toString('hex'), '1210');
  const w2 = new BitWriter();
  w2.writeBits(1, 1);
  assert.equal(w2.toBuffer().toString('hex'), '80');
});

test('BitWriter round-trips through BitReader, including 32-bit values', () => {
  const fields: [number, number][] = [[3, 5], [32, 0xdeadbeef], [24, 0x123456], [1, 1], [7, 0x55]];
  const w = new BitWriter();
  for (const [n, v] of fields) w.writeBits(n, v);
  const r = new BitReader(w.toBuffer());
  for (const [n, v] of fields) assert.equal(r.readBits(n), v);
});
