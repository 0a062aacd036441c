import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildAvcDecoderConfig, parseAvcDecoderConfig } from '../../../../protocols/flv/avc-decoder-config.ts';
import { ProtocolError } from '../../../../protocols/errors.ts';
import { H264_PPS, H264_SPS } from './fixtures.ts';

test('AVCDecoderConfigurationRecord round trip', () => {
  const record = buildAvcDecoderConfig([H264_SPS], [H264_PPS]);
  // version 1, profile 100, compat 0, level 10, 0xff (4-byte lengths), 0xe1 (one SPS)
  assert.equal(record.subarray(0, 6).toString('hex'), '016400' + '0a' + 'ffe1');
  const parsed = parseAvcDecoderConfig(record);
  assert.equal(parsed.profile, 100);
  assert.equal(parsed.level, 10);
  assert.equal(parsed.lengthSizeMinusOne, 3);
  assert.deepEqual(parsed.sps, [H264_SPS]);
  assert.deepEqual(parsed.pps, [H264_PPS]);
  record.fill(0);
  assert.deepEqual(parsed.sps, [H264_SPS], 'parameter sets are copied out of the input');
});

test('several parameter sets and 2-byte lengths', () => {
  const record = buildAvcDecoderConfig([H264_SPS, H264_SPS], [H264_PPS, H264_PPS]);
  record[4] = 0xfc | 1;
  const parsed = parseAvcDecoderConfig(record);
  assert.equal(parsed.sps.length, 2);
  assert.equal(parsed.pps.length, 2);
  assert.equal(parsed.lengthSizeMinusOne, 1);
});

test('encoder writing configurationVersion 0 is tolerated', () => {
  const record = buildAvcDecoderConfig([H264_SPS], [H264_PPS]);
  record[0] = 0;
  assert.deepEqual(parseAvcDecoderConfig(record).sps, [H264_SPS]);
});

test('high-profile trailing chroma/bit-depth bytes are ignored', () => {
  const record = Buffer.concat([buildAvcDecoderConfig([H264_SPS], [H264_PPS]), Buffer.from('fdf8f800', 'hex')]);
  assert.deepEqual(parseAvcDecoderConfig(record).pps, [H264_PPS]);
});

test('every truncation of a record is FLV_AVC_CONFIG_INVALID', () => {
  const record = buildAvcDecoderConfig([H264_SPS], [H264_PPS]);
  for (let n = 0; n < record.length; n++) {
    assert.throws(
      () => parseAvcDecoderConfig(record.subarray(0, n)),
      (e: unknown) => e instanceof ProtocolError && e.code === 'FLV_AVC_CONFIG_INVALID',
      `truncated at ${n}`,
    );
  }
});

test('version 2 and 3-byte NAL lengths are refused', () => {
  const record = buildAvcDecoderConfig([H264_SPS], [H264_PPS]);
  const v2 = Buffer.from(record);
  v2[0] = 2;
  assert.throws(() => parseAvcDecoderConfig(v2), { code: 'FLV_AVC_CONFIG_INVALID' });
  const len3 = Buffer.from(record);
  len3[4] = 0xfc | 2;
  assert.throws(() => parseAvcDecoderConfig(len3), { code: 'FLV_AVC_CONFIG_INVALID' });
});

test('building without an SPS is refused', () => {
  assert.throws(() => buildAvcDecoderConfig([], [H264_PPS]), { code: 'FLV_AVC_CONFIG_INVALID' });
});
