import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAudioTagBody } from '../../../../protocols/flv/audio-tag.ts';
import { audioFrameTagParts, audioSequenceHeaderBody } from '../../../../protocols/flv/audio-tag-writer.ts';
import type { AudioTrackInfo, Frame } from '../../../../protocols/media/frame.ts';
import { AAC_LC_48000_STEREO } from './fixtures.ts';

/** A 128 kb/s MPEG-1 Layer III frame header, 44.1 kHz, joint stereo. */
const MP3_HEADER_44100 = Buffer.from('fffb9064', 'hex');
/** MPEG-2 Layer III, 22.05 kHz, mono. */
const MP3_HEADER_22050_MONO = Buffer.from('fff390c4', 'hex');

function audioFrame(payload: Buffer): Frame {
  return { track: 'audio', dts: 0, pts: 0, keyframe: true, payload };
}

const roundTrips: Array<{ name: string; track: AudioTrackInfo; payload: Buffer; firstByte: number }> = [
  { name: 'AAC', track: { codec: 'aac', sampleRate: 48000, channels: 2, config: AAC_LC_48000_STEREO }, payload: Buffer.from('2110', 'hex'), firstByte: 0xaf },
  { name: 'G.711 A-law mono', track: { codec: 'pcma', sampleRate: 8000, channels: 1 }, payload: Buffer.alloc(160, 0xd5), firstByte: 0x72 },
  { name: 'G.711 µ-law mono', track: { codec: 'pcmu', sampleRate: 8000, channels: 1 }, payload: Buffer.alloc(160, 0xff), firstByte: 0x82 },
  { name: 'MP3 44.1 kHz stereo', track: { codec: 'mp3', sampleRate: 44100, channels: 2 }, payload: Buffer.concat([MP3_HEADER_44100, Buffer.alloc(100)]), firstByte: 0x2f },
  { name: 'MP3 22.05 kHz mono', track: { codec: 'mp3', sampleRate: 22050, channels: 1 }, payload: Buffer.concat([MP3_HEADER_22050_MONO, Buffer.alloc(50)]), firstByte: 0x2a },
];

for (const c of roundTrips) {
  test(`round trip: ${c.name}`, () => {
    const [header, payload] = audioFrameTagParts(c.track, audioFrame(c.payload));
    assert.equal(header[0], c.firstByte);
    assert.equal(payload, c.payload);
    const parsed = parseAudioTagBody(Buffer.concat([header, payload]));
    assert.equal(parsed.kind, 'frame');
    if (parsed.kind !== 'frame') return;
    assert.equal(parsed.codec, c.track.codec);
    assert.deepEqual(parsed.data, c.payload);
    if (c.track.codec !== 'aac') {
      assert.equal(parsed.sampleRate, c.track.sampleRate);
      assert.equal(parsed.channels, c.track.channels);
    }
  });
}

test('AAC sequence header round trip', () => {
  const track: AudioTrackInfo = { codec: 'aac', sampleRate: 48000, channels: 2, config: AAC_LC_48000_STEREO };
  const body = audioSequenceHeaderBody(track)!;
  assert.equal(body.toString('hex'), 'af00' + AAC_LC_48000_STEREO.toString('hex'));
  assert.deepEqual(parseAudioTagBody(body), { kind: 'aac-config', config: AAC_LC_48000_STEREO });
  assert.equal(audioSequenceHeaderBody({ codec: 'pcma', sampleRate: 8000, channels: 1 }), null);
});

test('decode: unsupported formats and empty tags', () => {
  assert.deepEqual(parseAudioTagBody(Buffer.from('b2', 'hex')), { kind: 'unsupported', codec: 'flv-sound-format-11' }); // Speex
  assert.deepEqual(parseAudioTagBody(Buffer.from('62', 'hex')), { kind: 'unsupported', codec: 'flv-sound-format-6' }); // Nellymoser
  assert.deepEqual(parseAudioTagBody(Buffer.alloc(0)), { kind: 'ignored', reason: 'empty audio tag' });
});

test('decode: G.711 is 8 kHz whatever the rate bits say', () => {
  const parsed = parseAudioTagBody(Buffer.from('7f00', 'hex'));
  assert.equal(parsed.kind === 'frame' && parsed.sampleRate, 8000);
  assert.equal(parsed.kind === 'frame' && parsed.channels, 2);
});

test('decode: MP3 without a frame header falls back to the tag bits', () => {
  const parsed = parseAudioTagBody(Buffer.from('2e0000', 'hex'));
  assert.equal(parsed.kind === 'frame' && parsed.sampleRate, 44100);
  assert.equal(parsed.kind === 'frame' && parsed.channels, 1);
});

test('errors: AAC without packet type, bad packet type', () => {
  assert.throws(() => parseAudioTagBody(Buffer.from('af', 'hex')), { code: 'FLV_AUDIO_TAG_TRUNCATED' });
  assert.throws(() => parseAudioTagBody(Buffer.from('af02', 'hex')), { code: 'FLV_AUDIO_PACKET_TYPE_INVALID' });
});
