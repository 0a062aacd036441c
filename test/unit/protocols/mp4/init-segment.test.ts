import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildInitSegment } from '../../../../protocols/mp4/init-segment.ts';
import { codecString } from '../../../../protocols/mp4/codec-string.ts';
import { mp4TracksFromDescription, type Mp4Track } from '../../../../protocols/mp4/track.ts';
import type { StreamDescription } from '../../../../protocols/media/frame.ts';
import { AAC_LC_44100_MONO, H264_PPS, H264_SPS, H265_PPS, H265_SPS, H265_VPS } from '../flv/fixtures.ts';
import { find, findAll, parseBoxes } from './box-reader.ts';

const h264 = { codec: 'h264', sps: H264_SPS, pps: H264_PPS, width: 64, height: 48 } as const;

const cases: { name: string; desc: StreamDescription; entries: string[]; configs: (string | null)[]; codecs: (string | null)[] }[] = [
  { name: 'H.264 + AAC', desc: { video: h264, audio: { codec: 'aac', sampleRate: 44100, channels: 1, config: AAC_LC_44100_MONO } }, entries: ['avc1', 'mp4a'], configs: ['avcC', 'esds'], codecs: ['avc1.64000A', 'mp4a.40.2'] },
  { name: 'H.265 alone', desc: { video: { codec: 'h265', vps: H265_VPS, sps: H265_SPS, pps: H265_PPS, width: 64, height: 48 } }, entries: ['hvc1'], configs: ['hvcC'], codecs: [/* checked by pattern below */ null] },
  { name: 'H.264 + G.711 A-law', desc: { video: h264, audio: { codec: 'pcma', sampleRate: 8000, channels: 1 } }, entries: ['avc1', 'alaw'], configs: ['avcC', null], codecs: ['avc1.64000A', null] },
  { name: 'G.711 µ-law alone', desc: { audio: { codec: 'pcmu', sampleRate: 8000, channels: 1 } }, entries: ['ulaw'], configs: [null], codecs: [null] },
  { name: 'MP3 alone', desc: { audio: { codec: 'mp3', sampleRate: 44100, channels: 2 } }, entries: ['mp4a'], configs: ['esds'], codecs: ['mp4a.40.34'] },
];

for (const c of cases) {
  test(`init segment: ${c.name}`, () => {
    const tracks = mp4TracksFromDescription(c.desc);
    const boxes = parseBoxes(buildInitSegment(tracks));
    assert.deepEqual(boxes.map((b) => b.type), ['ftyp', 'moov']);
    assert.equal(boxes[0]!.body.toString('latin1', 0, 4), 'iso5');
    const traks = findAll(find(boxes, 'moov')!.children, 'trak');
    assert.equal(traks.length, c.entries.length);
    traks.forEach((trak, i) => {
      const t = tracks[i]!;
      const tkhd = find(trak.children, 'tkhd')!;
      assert.equal(tkhd.body.readUInt32BE(12), t.id, 'track_ID');
      const mdhd = find(trak.children, 'mdia/mdhd')!;
      assert.equal(mdhd.body.readUInt32BE(12), t.timescale, 'timescale');
      const entry = find(trak.children, 'mdia/minf/stbl/stsd')!.children[0]!;
      assert.equal(entry.type, c.entries[i]);
      const config = c.configs[i];
      if (config !== null && config !== undefined) assert.equal(entry.children[0]?.type, config);
      if (t.kind === 'video') {
        assert.equal(entry.body.readUInt16BE(24), 64, 'width');
        assert.equal(entry.body.readUInt16BE(26), 48, 'height');
        assert.deepEqual(entry.children[0]!.body, t.config, 'the decoder configuration record, verbatim');
      } else {
        assert.equal(entry.body.readUInt16BE(16), t.channels, 'channelcount');
        assert.equal(entry.body.readUInt32BE(24) >>> 16, t.sampleRate, 'samplerate');
      }
      const expected = c.codecs[i];
      if (expected !== null && expected !== undefined) assert.equal(codecString(t), expected);
    });
    const trex = findAll(find(boxes, 'moov/mvex')!.children, 'trex');
    assert.deepEqual(trex.map((b) => b.body.readUInt32BE(4)), tracks.map((t) => t.id));
  });
}

test('esds carries the AudioSpecificConfig in its DecoderSpecificInfo (object type 0x40)', () => {
  const [track] = mp4TracksFromDescription({ audio: { codec: 'aac', sampleRate: 44100, channels: 1, config: AAC_LC_44100_MONO } });
  const esds = find(find(parseBoxes(buildInitSegment([track!])), 'moov/trak/mdia/minf/stbl/stsd')!.children, 'mp4a/esds')!;
  const body = esds.body.subarray(4);
  assert.equal(body[0], 0x03, 'ES_Descriptor');
  const dcd = body.indexOf(0x04, 2);
  assert.equal(body[dcd + 2], 0x40, 'objectTypeIndication: AAC');
  const dsi = body.indexOf(0x05, dcd + 2);
  assert.deepEqual(body.subarray(dsi + 2, dsi + 2 + AAC_LC_44100_MONO.length), AAC_LC_44100_MONO);
});

test('Opus gets an Opus sample entry with dOps; its codec string is "opus"', () => {
  const track: Mp4Track = { kind: 'audio', id: 1, codec: 'opus', timescale: 48000, sampleRate: 48000, channels: 2 };
  const entry = find(parseBoxes(buildInitSegment([track])), 'moov/trak/mdia/minf/stbl/stsd')!.children[0]!;
  assert.equal(entry.type, 'Opus');
  const dops = entry.children[0]!;
  assert.equal(dops.type, 'dOps');
  assert.equal(dops.body[1], 2, 'OutputChannelCount');
  assert.equal(dops.body.readUInt32BE(4), 48000, 'InputSampleRate');
  assert.equal(codecString(track), 'opus');
});

test('H.265 codec string names profile, compatibility, tier and level', () => {
  const [t] = mp4TracksFromDescription({ video: { codec: 'h265', vps: H265_VPS, sps: H265_SPS, pps: H265_PPS } });
  assert.match(codecString(t!)!, /^hvc1\.1\.6\.L30\.B0$/);
});

test('tracks: none without parameter sets; audio codecs can be chosen (HLS leaves G.711 out)', () => {
  assert.deepEqual(mp4TracksFromDescription({ video: { codec: 'h264' } }), []);
  const tracks = mp4TracksFromDescription({ video: h264, audio: { codec: 'pcma', sampleRate: 8000, channels: 1 } }, { audioCodecs: ['aac'] });
  assert.deepEqual(tracks.map((t) => t.kind), ['video']);
});
