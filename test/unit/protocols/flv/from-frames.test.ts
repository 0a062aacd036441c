import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frameTag, metadataFromDescription, metadataTagBody, sequenceHeaderTags } from '../../../../protocols/flv/from-frames.ts';
import { FlvToFrames } from '../../../../protocols/flv/to-frames.ts';
import { FlvTagType } from '../../../../protocols/flv/constants.ts';
import { decodeAmf0 } from '../../../../protocols/rtmp/amf0/amf0-decoder.ts';
import { isEcmaArray } from '../../../../protocols/rtmp/amf0/amf-value.ts';
import type { AmfObject } from '../../../../protocols/rtmp/amf0/amf-value.ts';
import type { Frame, StreamDescription } from '../../../../protocols/media/frame.ts';
import { AAC_LC_44100_MONO, au, H264_IDR, H264_NON_IDR, H264_PPS, H264_SPS, H265_IDR, H265_PPS, H265_SPS, H265_VPS } from './fixtures.ts';

const descriptions: Array<{ name: string; desc: StreamDescription; video: Buffer }> = [
  {
    name: 'h264 + aac',
    desc: {
      video: { codec: 'h264', sps: H264_SPS, pps: H264_PPS, width: 64, height: 48, profile: 100, level: 10, fps: 10 },
      audio: { codec: 'aac', sampleRate: 44100, channels: 1, config: AAC_LC_44100_MONO },
    },
    video: H264_IDR,
  },
  {
    name: 'h265 + pcma',
    desc: {
      video: { codec: 'h265', vps: H265_VPS, sps: H265_SPS, pps: H265_PPS, width: 64, height: 48, profile: 1, level: 30, fps: 10 },
      audio: { codec: 'pcma', sampleRate: 8000, channels: 1 },
    },
    video: H265_IDR,
  },
];

for (const c of descriptions) {
  test(`frames -> tags -> frames round trip: ${c.name}`, () => {
    const frames: Frame[] = [
      { track: 'video', dts: 0, pts: 80, keyframe: true, payload: au(c.video) },
      { track: 'audio', dts: 10, pts: 10, keyframe: true, payload: Buffer.from('2110', 'hex') },
      { track: 'video', dts: 40, pts: 40, keyframe: false, payload: au(H264_NON_IDR) },
    ];
    const conv = new FlvToFrames();
    let desc: StreamDescription | undefined;
    const out: Frame[] = [];
    for (const tag of [...sequenceHeaderTags(c.desc), ...frames.map((f) => frameTag(c.desc, f)!)]) {
      const r = conv.pushTag(tag.type, tag.timestampMs, Buffer.concat(tag.parts));
      desc = r.description ?? desc;
      out.push(...r.frames);
    }
    assert.deepEqual(out, frames);
    // G.711 is described by its first frame, so compare the final description.
    assert.deepEqual(conv.description, c.desc);
  });
}

test('a frame of a track not in the description gives no tag', () => {
  const f: Frame = { track: 'audio', dts: 0, pts: 0, keyframe: true, payload: Buffer.alloc(1) };
  assert.equal(frameTag({ video: { codec: 'h264' } }, f), null);
  assert.deepEqual(sequenceHeaderTags({}), []);
});

test('onMetaData body is an ECMA array and does not alias the input', () => {
  const meta: AmfObject = { width: 64, encoder: 'cupola' };
  const values = decodeAmf0(metadataTagBody(meta));
  assert.equal(values[0], 'onMetaData');
  assert.deepEqual(values[1], meta);
  assert.ok(isEcmaArray(values[1] as AmfObject));
  assert.equal(isEcmaArray(meta), false);
});

test('metadata from a description', () => {
  assert.deepEqual(metadataFromDescription(descriptions[0]!.desc), {
    width: 64,
    height: 48,
    framerate: 10,
    videocodecid: 7,
    audiosamplerate: 44100,
    audiochannels: 1,
    stereo: false,
    audiocodecid: 10,
  });
  assert.equal(sequenceHeaderTags(descriptions[0]!.desc)[0]?.type, FlvTagType.Video);
});
