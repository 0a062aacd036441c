import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  audioSpecificConfigFromAdts,
  buildAdtsHeader,
  parseAdtsHeader,
  type AdtsHeader,
  type AdtsHeaderInit,
} from '../../../../../protocols/codecs/aac/adts.ts';

/**
 * Headers from the bundled ffmpeg 4.1:
 *   ffmpeg -f lavfi -i sine=sample_rate=44100 -ac 2 -c:a aac -t 0.1 -f adts a.aac   (first 7 bytes)
 */
const cases: { name: string; hex: string; init: AdtsHeaderInit; header: AdtsHeader; asc: string }[] = [
  {
    name: 'ffmpeg AAC LC 44.1 kHz stereo, 339-byte frame',
    hex: 'fff150802a7ffc',
    init: { objectType: 2, sampleRate: 44100, channelConfig: 2, payloadLength: 332 },
    header: { objectType: 2, samplingFrequencyIndex: 4, sampleRate: 44100, channelConfig: 2, channels: 2, headerLength: 7, frameLength: 339, rawDataBlocks: 1 },
    asc: '1210',
  },
  {
    name: 'ffmpeg AAC LC 16 kHz mono, 518-byte frame',
    hex: 'fff1604040dffc',
    init: { objectType: 2, sampleRate: 16000, channelConfig: 1, payloadLength: 511 },
    header: { objectType: 2, samplingFrequencyIndex: 8, sampleRate: 16000, channelConfig: 1, channels: 1, headerLength: 7, frameLength: 518, rawDataBlocks: 1 },
    asc: '1408',
  },
  {
    name: 'largest frame (8191 bytes), 6 channels 48 kHz',
    hex: 'fff14d83fffffc',
    init: { objectType: 2, sampleRate: 48000, channelConfig: 6, payloadLength: 8184 },
    header: { objectType: 2, samplingFrequencyIndex: 3, sampleRate: 48000, channelConfig: 6, channels: 6, headerLength: 7, frameLength: 8191, rawDataBlocks: 1 },
    asc: '11b0',
  },
];

for (const c of cases) {
  test(`ADTS: ${c.name}`, () => {
    const buf = Buffer.from(c.hex, 'hex');
    assert.deepEqual(parseAdtsHeader(buf), c.header);
    assert.equal(buildAdtsHeader(c.init).toString('hex'), c.hex);
    assert.equal(audioSpecificConfigFromAdts(c.header).toString('hex'), c.asc);
  });
}

test('ADTS: header at an offset, CRC header, need-more-bytes', () => {
  const buf = Buffer.concat([Buffer.from('0000', 'hex'), Buffer.from(cases[0]!.hex, 'hex')]);
  assert.equal(parseAdtsHeader(buf, 2)?.frameLength, 339);
  assert.equal(parseAdtsHeader(buf.subarray(0, 8), 2), null, '6 bytes available');
  const crc = Buffer.from('fff050802a7ffc1234', 'hex'); // protection_absent = 0
  assert.equal(parseAdtsHeader(crc)?.headerLength, 9);
  assert.equal(parseAdtsHeader(crc.subarray(0, 8)), null);
});

test('ADTS: invalid headers', () => {
  assert.throws(() => parseAdtsHeader(Buffer.from('fff050802a7ffc', 'hex').fill(0, 0, 1)), { code: 'CODEC_ADTS_INVALID' });
  assert.throws(() => parseAdtsHeader(Buffer.from('fff750802a7ffc', 'hex')), { code: 'CODEC_ADTS_INVALID' }, 'layer 3');
  assert.throws(() => parseAdtsHeader(Buffer.from('fff17480227ffc', 'hex')), { code: 'CODEC_ADTS_INVALID' }, 'reserved rate index 13');
  assert.throws(() => parseAdtsHeader(Buffer.from('fff15080007ffc', 'hex')), { code: 'CODEC_ADTS_INVALID' }, 'frame length 3');
  assert.throws(() => buildAdtsHeader({ objectType: 2, sampleRate: 11000, channelConfig: 1, payloadLength: 10 }), RangeError);
  assert.throws(() => buildAdtsHeader({ objectType: 2, sampleRate: 8000, channelConfig: 1, payloadLength: 8185 }), RangeError);
  assert.throws(() => buildAdtsHeader({ objectType: 5, sampleRate: 8000, channelConfig: 1, payloadLength: 1 }), RangeError);
});
