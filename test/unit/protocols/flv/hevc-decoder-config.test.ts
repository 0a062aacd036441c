import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildHevcDecoderConfig, parseHevcDecoderConfig } from '../../../../protocols/flv/hevc-decoder-config.ts';
import { H265_PPS, H265_SPS, H265_VPS } from './fixtures.ts';

test('HEVCDecoderConfigurationRecord round trip with profile/tier/level from the SPS', () => {
  const record = buildHevcDecoderConfig([H265_VPS], [H265_SPS], [H265_PPS]);
  const parsed = parseHevcDecoderConfig(record);
  assert.equal(parsed.profileSpace, 0);
  assert.equal(parsed.tierFlag, 0);
  assert.equal(parsed.profileIdc, 1); // Main
  assert.equal(parsed.levelIdc, 30); // level 1
  assert.equal(parsed.chromaFormat, 1);
  assert.equal(parsed.lengthSizeMinusOne, 3);
  assert.deepEqual(parsed.vps, [H265_VPS]);
  assert.deepEqual(parsed.sps, [H265_SPS]);
  assert.deepEqual(parsed.pps, [H265_PPS]);
  // general_profile_compatibility_flags 0x60000000 and constraint flags 0x900000000000 lie behind
  // emulation prevention bytes in the SPS: they must be unescaped when copied.
  assert.equal(record.readUInt32BE(2), 0x60000000);
  assert.equal(record.subarray(6, 12).toString('hex'), '900000000000');
});

test('SEI arrays are skipped and lengths other than 4 are reported', () => {
  const record = buildHevcDecoderConfig([H265_VPS], [H265_SPS], [H265_PPS]);
  const sei = Buffer.from([0x80 | 39, 0, 1, 0, 3, 0x4e, 0x01, 0x80]);
  const withSei = Buffer.concat([record, sei]);
  withSei[22] = 4;
  withSei[21] = (withSei[21]! & 0xfc) | 1;
  const parsed = parseHevcDecoderConfig(withSei);
  assert.equal(parsed.lengthSizeMinusOne, 1);
  assert.deepEqual(parsed.pps, [H265_PPS]);
});

test('every truncation is FLV_HEVC_CONFIG_INVALID', () => {
  const record = buildHevcDecoderConfig([H265_VPS], [H265_SPS], [H265_PPS]);
  for (let n = 0; n < record.length; n++) {
    assert.throws(() => parseHevcDecoderConfig(record.subarray(0, n)), { code: 'FLV_HEVC_CONFIG_INVALID' }, `at ${n}`);
  }
});

test('building without a complete SPS is refused', () => {
  assert.throws(() => buildHevcDecoderConfig([H265_VPS], [], [H265_PPS]), { code: 'FLV_HEVC_CONFIG_INVALID' });
  assert.throws(() => buildHevcDecoderConfig([H265_VPS], [H265_SPS.subarray(0, 8)], [H265_PPS]), {
    code: 'FLV_HEVC_CONFIG_INVALID',
  });
});
