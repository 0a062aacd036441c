import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasMpegAudioSync, parseMpegAudioFrameHeader, type MpegAudioFrameHeader } from '../../../../../protocols/codecs/mpeg-audio/frame-header.ts';

/**
 * Headers from the bundled ffmpeg 4.1, e.g.
 *   ffmpeg -f lavfi -i sine=sample_rate=22050 -ac 1 -c:a libmp3lame -b:a 32k -t 0.2 -f mp3 b.mp3
 * (frames of that file: 104, 105 (padding), ... bytes, found by walking the headers).
 */
const cases: { name: string; hex: string; header: MpegAudioFrameHeader }[] = [
  {
    name: 'libmp3lame MPEG-1 layer III 128 kbps 44.1 kHz stereo',
    hex: 'fffb9000',
    header: { version: 1, layer: 3, bitrateKbps: 128, sampleRate: 44100, channels: 2, samplesPerFrame: 1152, frameLength: 417 },
  },
  {
    name: 'libmp3lame MPEG-2 layer III 32 kbps 22.05 kHz mono',
    hex: 'fff340c4',
    header: { version: 2, layer: 3, bitrateKbps: 32, sampleRate: 22050, channels: 1, samplesPerFrame: 576, frameLength: 104 },
  },
  {
    name: 'same stream, padded frame',
    hex: 'fff342c4',
    header: { version: 2, layer: 3, bitrateKbps: 32, sampleRate: 22050, channels: 1, samplesPerFrame: 576, frameLength: 105 },
  },
  {
    name: 'ffmpeg mp2 MPEG-1 layer II 192 kbps 48 kHz stereo',
    hex: 'fffda404',
    header: { version: 1, layer: 2, bitrateKbps: 192, sampleRate: 48000, channels: 2, samplesPerFrame: 1152, frameLength: 576 },
  },
  {
    name: 'MPEG-2.5 layer III 8 kbps 8 kHz mono',
    hex: 'ffe318c0',
    header: { version: 2.5, layer: 3, bitrateKbps: 8, sampleRate: 8000, channels: 1, samplesPerFrame: 576, frameLength: 72 },
  },
  {
    name: 'MPEG-1 layer I 384 kbps 32 kHz with padding',
    hex: 'ffffca00',
    header: { version: 1, layer: 1, bitrateKbps: 384, sampleRate: 32000, channels: 2, samplesPerFrame: 384, frameLength: 580 },
  },
];

for (const c of cases) {
  test(`MPEG audio header: ${c.name}`, () => {
    const buf = Buffer.from(c.hex, 'hex');
    assert.equal(hasMpegAudioSync(buf), true);
    assert.deepEqual(parseMpegAudioFrameHeader(buf), c.header);
  });
}

test('MPEG audio header: short input -> null; invalid fields throw', () => {
  assert.equal(parseMpegAudioFrameHeader(Buffer.from('fffb90', 'hex')), null);
  assert.equal(hasMpegAudioSync(Buffer.from('49443304', 'hex')), false, 'ID3 tag');
  for (const [hex, why] of [
    ['49443304', 'no sync'],
    ['ffeb9000', 'reserved version'],
    ['fff99000', 'reserved layer'],
    ['fffb0000', 'free format bitrate'],
    ['fffbf000', 'bitrate index 15'],
    ['fffb9c00', 'reserved sampling rate'],
  ]) {
    assert.throws(() => parseMpegAudioFrameHeader(Buffer.from(hex!, 'hex')), { code: 'CODEC_MPEG_AUDIO_HEADER_INVALID' }, why);
  }
});
