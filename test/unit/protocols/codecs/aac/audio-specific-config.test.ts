import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildAudioSpecificConfig,
  parseAudioSpecificConfig,
  type AudioSpecificConfig,
  type AudioSpecificConfigInit,
} from '../../../../../protocols/codecs/aac/audio-specific-config.ts';

/** Round-trip cases: build(init) === hex and parse(hex) === parsed. */
const cases: { name: string; init: AudioSpecificConfigInit; hex: string; parsed: AudioSpecificConfig }[] = [
  {
    name: 'AAC LC 44.1 kHz stereo (ffmpeg -c:a aac default)',
    init: { objectType: 2, sampleRate: 44100, channelConfig: 2 },
    hex: '1210',
    parsed: { objectType: 2, sampleRate: 44100, channelConfig: 2, channels: 2, samplesPerFrame: 1024 },
  },
  {
    name: 'AAC LC 48 kHz stereo',
    init: { objectType: 2, sampleRate: 48000, channelConfig: 2 },
    hex: '1190',
    parsed: { objectType: 2, sampleRate: 48000, channelConfig: 2, channels: 2, samplesPerFrame: 1024 },
  },
  {
    name: 'AAC LC 8 kHz mono (typical camera)',
    init: { objectType: 2, sampleRate: 8000, channelConfig: 1 },
    hex: '1588',
    parsed: { objectType: 2, sampleRate: 8000, channelConfig: 1, channels: 1, samplesPerFrame: 1024 },
  },
  {
    name: 'AAC LC 16 kHz mono, 960-sample frames',
    init: { objectType: 2, sampleRate: 16000, channelConfig: 1, shortFrames: true },
    hex: '140c',
    parsed: { objectType: 2, sampleRate: 16000, channelConfig: 1, channels: 1, samplesPerFrame: 960 },
  },
  {
    name: 'explicit 24-bit rate 11000 Hz mono',
    // 00010 1111 0x002af8 0001 000 -> 5 + 4 + 24 + 4 + 3 = 40 bits
    init: { objectType: 2, sampleRate: 11000, channelConfig: 1 },
    hex: '1780157c08',
    parsed: { objectType: 2, sampleRate: 11000, channelConfig: 1, channels: 1, samplesPerFrame: 1024 },
  },
  {
    name: '7.1 channels (channelConfiguration 7 = 8 channels)',
    init: { objectType: 2, sampleRate: 48000, channelConfig: 7 },
    hex: '11b8',
    parsed: { objectType: 2, sampleRate: 48000, channelConfig: 7, channels: 8, samplesPerFrame: 1024 },
  },
];

for (const c of cases) {
  test(`AudioSpecificConfig: ${c.name}`, () => {
    assert.equal(buildAudioSpecificConfig(c.init).toString('hex'), c.hex);
    assert.deepEqual(parseAudioSpecificConfig(Buffer.from(c.hex, 'hex')), c.parsed);
  });
}

test('AudioSpecificConfig: escaped object type (>= 32) round-trips', () => {
  const asc = buildAudioSpecificConfig({ objectType: 39, sampleRate: 48000, channelConfig: 1 });
  const parsed = parseAudioSpecificConfig(asc);
  assert.equal(parsed.objectType, 39);
  assert.equal(parsed.sampleRate, 48000);
  assert.equal(parsed.channels, 1);
});

test('AudioSpecificConfig: decode-only cases', () => {
  // ffmpeg -c:a aac -f flv: sequence header carries a backward-compatible SBR sync extension (0x2b7), ignored.
  assert.deepEqual(parseAudioSpecificConfig(Buffer.from('121056e500', 'hex')), {
    objectType: 2, sampleRate: 44100, channelConfig: 2, channels: 2, samplesPerFrame: 1024,
  });
  // HE-AAC explicit signalling: AOT 5, 24 kHz core, stereo, 48 kHz extension rate, core AOT 2.
  assert.deepEqual(parseAudioSpecificConfig(Buffer.from('2b118800', 'hex')), {
    objectType: 2, sampleRate: 24000, channelConfig: 2, channels: 2, samplesPerFrame: 1024,
    extensionObjectType: 5, extensionSampleRate: 48000,
  });
  // AAC-LD (AOT 23) 48 kHz mono: 512-sample frames.
  assert.equal(parseAudioSpecificConfig(buildAudioSpecificConfig({ objectType: 23, sampleRate: 48000, channelConfig: 1 })).samplesPerFrame, 512);
});

test('AudioSpecificConfig: invalid input', () => {
  assert.throws(() => parseAudioSpecificConfig(Buffer.alloc(0)), { code: 'CODEC_AUDIO_CONFIG_INVALID' });
  assert.throws(() => parseAudioSpecificConfig(Buffer.from('12', 'hex')), { code: 'CODEC_AUDIO_CONFIG_INVALID' });
  // samplingFrequencyIndex 13 is reserved
  assert.throws(() => parseAudioSpecificConfig(Buffer.from('1690', 'hex')), { code: 'CODEC_AUDIO_CONFIG_INVALID' });
  // explicit rate of 0
  assert.throws(() => parseAudioSpecificConfig(Buffer.from('1780000008', 'hex')), { code: 'CODEC_AUDIO_CONFIG_INVALID' });
  assert.throws(() => buildAudioSpecificConfig({ objectType: 0, sampleRate: 44100, channelConfig: 2 }), RangeError);
  assert.throws(() => buildAudioSpecificConfig({ objectType: 2, sampleRate: 2 ** 24, channelConfig: 2 }), RangeError);
  assert.throws(() => buildAudioSpecificConfig({ objectType: 2, sampleRate: 44100, channelConfig: 16 }), RangeError);
});
