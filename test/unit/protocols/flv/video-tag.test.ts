import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseVideoTagBody } from '../../../../protocols/flv/video-tag.ts';
import type { FlvVideoTag } from '../../../../protocols/flv/video-tag.ts';
import {
  videoEndOfSequenceBody,
  videoFrameTagParts,
  videoSequenceHeaderBody,
} from '../../../../protocols/flv/video-tag-writer.ts';
import type { HevcSignalling } from '../../../../protocols/flv/video-tag-writer.ts';
import type { Frame, VideoTrackInfo } from '../../../../protocols/media/frame.ts';
import { au, H264_IDR, H264_NON_IDR, H264_PPS, H264_SPS, H265_IDR, H265_PPS, H265_SPS, H265_VPS } from './fixtures.ts';

const h264: VideoTrackInfo = { codec: 'h264', sps: H264_SPS, pps: H264_PPS };
const h265: VideoTrackInfo = { codec: 'h265', vps: H265_VPS, sps: H265_SPS, pps: H265_PPS };

function frame(payload: Buffer, dts: number, pts: number, keyframe: boolean): Frame {
  return { track: 'video', dts, pts, keyframe, payload };
}

/** Round-trip table shared by the writer and the parser. */
const roundTrips: Array<{ name: string; track: VideoTrackInfo; hevc?: HevcSignalling; frame: Frame; cts: number }> = [
  { name: 'h264 keyframe, cts 80', track: h264, frame: frame(au(H264_IDR), 1000, 1080, true), cts: 80 },
  { name: 'h264 inter frame, negative cts', track: h264, frame: frame(au(H264_NON_IDR), 1000, 960, false), cts: -40 },
  { name: 'h265 enhanced CodedFrames with cts', track: h265, frame: frame(au(H265_IDR), 40, 120, true), cts: 80 },
  { name: 'h265 enhanced CodedFramesX (cts 0)', track: h265, frame: frame(au(H265_IDR), 40, 40, true), cts: 0 },
  { name: 'h265 legacy codec id 12', track: h265, hevc: 'legacy', frame: frame(au(H265_IDR), 40, 80, false), cts: 40 },
  { name: 'fractional pts rounds the cts', track: h264, frame: frame(au(H264_IDR), 33.3, 66.7, true), cts: 33 },
];

for (const c of roundTrips) {
  test(`round trip: ${c.name}`, () => {
    const opts = c.hevc !== undefined ? { hevc: c.hevc } : {};
    const [header, payload] = videoFrameTagParts(c.track.codec, c.frame, opts);
    assert.equal(payload, c.frame.payload, 'payload is passed through, not copied');
    const parsed = parseVideoTagBody(Buffer.concat([header, payload]));
    assert.deepEqual(parsed, { kind: 'coded-frame', codec: c.track.codec, keyframe: c.frame.keyframe, cts: c.cts, data: payload });

    const seq = videoSequenceHeaderBody(c.track, opts);
    assert.ok(seq !== null);
    const parsedSeq = parseVideoTagBody(seq);
    assert.equal(parsedSeq.kind, 'sequence-start');
    assert.equal((parsedSeq as { codec: string }).codec, c.track.codec);

    assert.deepEqual(parseVideoTagBody(videoEndOfSequenceBody(c.track.codec, opts)), {
      kind: 'sequence-end',
      codec: c.track.codec,
    });
  });
}

test('enhanced RTMP header bytes for hvc1', () => {
  const seq = videoSequenceHeaderBody(h265)!;
  assert.equal(seq.subarray(0, 5).toString('hex'), '90' + Buffer.from('hvc1').toString('hex'));
  const [header] = videoFrameTagParts('h265', frame(au(H265_IDR), 0, 0, false));
  assert.equal(header.toString('hex'), 'a3' + Buffer.from('hvc1').toString('hex')); // inter, CodedFramesX
});

test('legacy AVC header bytes', () => {
  const [header] = videoFrameTagParts('h264', frame(au(H264_IDR), 0, 40, true));
  assert.equal(header.toString('hex'), '1701000028');
  assert.equal(videoSequenceHeaderBody(h264)!.subarray(0, 5).toString('hex'), '1700000000');
});

test('no sequence header without parameter sets', () => {
  assert.equal(videoSequenceHeaderBody({ codec: 'h264' }), null);
  assert.equal(videoSequenceHeaderBody({ codec: 'h265', sps: H265_SPS, pps: H265_PPS }), null);
});

/** Decode-only cases: input we accept but never produce. */
const decodeOnly: Array<{ name: string; hex: string; expect: FlvVideoTag | { kind: string } }> = [
  { name: 'empty body', hex: '', expect: { kind: 'ignored', reason: 'empty video tag' } },
  { name: 'AVC command frame (seek start)', hex: '5700', expect: { kind: 'ignored', reason: 'video command frame' } },
  { name: 'VP6 (codec id 4)', hex: '1400', expect: { kind: 'unsupported', codec: 'flv-codec-id-4' } },
  { name: 'enhanced av01 FourCC', hex: '91' + Buffer.from('av01').toString('hex'), expect: { kind: 'unsupported', codec: 'av01' } },
  { name: 'enhanced metadata packet', hex: '94', expect: { kind: 'ignored', reason: 'enhanced rtmp video metadata' } },
  {
    name: 'enhanced avc1 CodedFramesX',
    hex: '93' + Buffer.from('avc1').toString('hex') + '00000001' + '65',
    expect: { kind: 'coded-frame', codec: 'h264', keyframe: true, cts: 0, data: Buffer.from('0000000165', 'hex') },
  },
  {
    name: 'generated keyframe (frame type 4) counts as key',
    hex: '4701000000' + '0000000165',
    expect: { kind: 'coded-frame', codec: 'h264', keyframe: true, cts: 0, data: Buffer.from('0000000165', 'hex') },
  },
  { name: 'AVC end of sequence without cts bytes', hex: '1702', expect: { kind: 'sequence-end', codec: 'h264' } },
];

for (const c of decodeOnly) {
  test(`decode: ${c.name}`, () => {
    assert.deepEqual(parseVideoTagBody(Buffer.from(c.hex, 'hex')), c.expect);
  });
}

const errors: Array<{ name: string; hex: string; code: string }> = [
  { name: 'AVC without packet type', hex: '17', code: 'FLV_VIDEO_TAG_TRUNCATED' },
  { name: 'AVC NALU without cts', hex: '170100', code: 'FLV_VIDEO_TAG_TRUNCATED' },
  { name: 'AVC packet type 3', hex: '1703000000', code: 'FLV_VIDEO_PACKET_TYPE_INVALID' },
  { name: 'enhanced without FourCC', hex: '9068', code: 'FLV_VIDEO_TAG_TRUNCATED' },
  { name: 'enhanced CodedFrames without cts', hex: '91' + Buffer.from('hvc1').toString('hex') + '00', code: 'FLV_VIDEO_TAG_TRUNCATED' },
  { name: 'enhanced packet type 9', hex: '99' + Buffer.from('hvc1').toString('hex'), code: 'FLV_VIDEO_PACKET_TYPE_INVALID' },
];

for (const c of errors) {
  test(`error: ${c.name}`, () => {
    assert.throws(() => parseVideoTagBody(Buffer.from(c.hex, 'hex')), { code: c.code });
  });
}
