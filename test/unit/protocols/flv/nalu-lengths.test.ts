import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countLengthPrefixed, toFourByteLengths } from '../../../../protocols/flv/nalu-lengths.ts';
import { au, H264_IDR, H264_PPS, H264_SPS } from './fixtures.ts';

function prefixed(lengthSize: number, ...nalus: Buffer[]): Buffer {
  return Buffer.concat(
    nalus.flatMap((n) => {
      const len = Buffer.alloc(lengthSize);
      len.writeUIntBE(n.length, 0, lengthSize);
      return [len, n];
    }),
  );
}

for (const size of [1, 2, 4]) {
  test(`${size}-byte NAL unit lengths become 4-byte`, () => {
    const input = prefixed(size, H264_SPS, H264_PPS, H264_IDR);
    const copy = Buffer.from(input);
    assert.deepEqual(toFourByteLengths(input, size), au(H264_SPS, H264_PPS, H264_IDR));
    assert.deepEqual(input, copy);
    assert.equal(countLengthPrefixed(input, size), 3);
  });
}

test('4-byte input is returned without copying', () => {
  const input = au(H264_IDR);
  assert.equal(toFourByteLengths(input, 4), input);
});

test('corrupt lengths give null', () => {
  assert.equal(toFourByteLengths(Buffer.from('0005650000', 'hex'), 2), null);
  assert.equal(toFourByteLengths(Buffer.from('00000009650000', 'hex'), 4), null);
  assert.equal(toFourByteLengths(Buffer.from('00', 'hex'), 2), null);
  assert.deepEqual(toFourByteLengths(Buffer.alloc(0), 2), Buffer.alloc(0));
});
