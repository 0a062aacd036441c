import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseH264Sps, type H264SpsInfo } from '../../../../../protocols/codecs/h264/sps.ts';
import { isProtocolError } from '../../../../../protocols/errors.ts';
import { SpsWriter } from '../sps-writer.ts';

/**
 * Real SPS NAL units, made with the bundled ffmpeg 4.1 / libx264, e.g.
 *   ffmpeg -f lavfi -i testsrc2=size=1280x720:rate=25 -c:v libx264 -frames:v 1 -f h264 out.h264
 * then the NAL unit of type 7 copied as hex (options per case in its name).
 */
const cases: { name: string; hex: string; expected: H264SpsInfo }[] = [
  {
    name: 'x264 high 1280x720 25 fps',
    hex: '6764001facd9405005bb011000000300100000030320f1831960',
    expected: { profile: 100, constraintFlags: 0, level: 31, width: 1280, height: 720, fps: 25, chromaFormatIdc: 1, bitDepthLuma: 8, frameMbsOnly: true },
  },
  {
    name: 'x264 high 1920x1080 30 fps (cropped from 1088)',
    hex: '67640028acd940780227e5c044000003000400000300f03c60c658',
    expected: { profile: 100, constraintFlags: 0, level: 40, width: 1920, height: 1080, fps: 30, chromaFormatIdc: 1, bitDepthLuma: 8, frameMbsOnly: true },
  },
  {
    name: 'x264 -profile:v baseline 640x360 15 fps (cropped from 368)',
    hex: '6742c016d900a02ff970110000030001000003001e0f162e48',
    expected: { profile: 66, constraintFlags: 0xc0, level: 22, width: 640, height: 360, fps: 15, chromaFormatIdc: 1, bitDepthLuma: 8, frameMbsOnly: true },
  },
  {
    name: 'x264 -pix_fmt yuv422p (high 4:2:2) 320x240',
    hex: '677a000dbcd94141fb011000000300100000030320f1429960',
    expected: { profile: 122, constraintFlags: 0, level: 13, width: 320, height: 240, fps: 25, chromaFormatIdc: 2, bitDepthLuma: 8, frameMbsOnly: true },
  },
  {
    name: 'x264 -flags +ildct+ilme interlaced=1 720x576 (frame_mbs_only = 0)',
    hex: '6764001eacd940b424d8088000000300800000190f8a14cb',
    expected: { profile: 100, constraintFlags: 0, level: 30, width: 720, height: 576, fps: 25, chromaFormatIdc: 1, bitDepthLuma: 8, frameMbsOnly: false },
  },
];

for (const c of cases) {
  test(`parseH264Sps: ${c.name}`, () => {
    const sps = Buffer.from(c.hex, 'hex');
    const copy = Buffer.from(sps);
    assert.deepEqual(parseH264Sps(sps), c.expected);
    assert.deepEqual(sps, copy, 'input not modified');
  });
}

test('parseH264Sps: synthetic high profile with scaling lists, POC type 1, cropping, no VUI', () => {
  const w = new SpsWriter().u(8, 100).u(8, 0).u(8, 40).ue(0);
  w.ue(1).ue(0).ue(0).u(1, 0); // chroma 4:2:0, 8-bit, no bypass
  w.u(1, 1); // seq_scaling_matrix_present_flag
  w.u(1, 1); // list 0 present: 16 deltas
  for (let j = 0; j < 16; j++) w.se(j % 2 === 0 ? 3 : -2);
  w.u(1, 1).se(-8); // list 1 present: first delta gives nextScale 0 (use default), list ends
  w.u(1, 0).u(1, 0).u(1, 0).u(1, 0); // lists 2..5 absent
  w.u(1, 1); // list 6 (8x8) present: 64 deltas
  for (let j = 0; j < 64; j++) w.se(1);
  w.u(1, 0); // list 7 absent
  w.ue(0); // log2_max_frame_num_minus4
  w.ue(1).u(1, 0).se(-1).se(2).ue(2).se(1).se(-1); // pic_order_cnt_type 1 with a 2-entry cycle
  w.ue(3).u(1, 0); // max_num_ref_frames, gaps
  w.ue(39).ue(29).u(1, 1).u(1, 1); // 640x480 frame MBs, direct_8x8
  w.u(1, 1).ue(2).ue(3).ue(0).ue(4); // crop left 4, right 6, top 0, bottom 8 (luma samples)
  w.u(1, 0); // no VUI
  const info = parseH264Sps(w.finish([0x67]));
  assert.deepEqual(info, {
    profile: 100, constraintFlags: 0, level: 40, width: 630, height: 472, chromaFormatIdc: 1, bitDepthLuma: 8, frameMbsOnly: true,
  });
});

test('parseH264Sps: 4:4:4 with separate colour planes crops in luma units', () => {
  const w = new SpsWriter().u(8, 244).u(8, 0).u(8, 30).ue(0);
  w.ue(3).u(1, 1).ue(2).ue(2).u(1, 0).u(1, 0); // 4:4:4, separate planes, 10-bit
  w.ue(0).ue(2).ue(1).u(1, 0).ue(19).ue(14).u(1, 1).u(1, 1);
  w.u(1, 1).ue(1).ue(1).ue(1).ue(1); // crop 1 each side
  w.u(1, 0);
  const info = parseH264Sps(w.finish([0x67]));
  assert.equal(info.width, 318);
  assert.equal(info.height, 238);
  assert.equal(info.bitDepthLuma, 10);
  assert.equal(info.chromaFormatIdc, 3);
});

test('parseH264Sps: rejects a non-SPS NAL unit and out-of-range fields', () => {
  assert.throws(() => parseH264Sps(Buffer.from('68ebe3cb22c0', 'hex')), { code: 'CODEC_SPS_INVALID' });
  assert.throws(() => parseH264Sps(Buffer.alloc(0)), { code: 'CODEC_SPS_INVALID' });
  const badId = new SpsWriter().u(8, 66).u(8, 0).u(8, 30).ue(32).finish([0x67]);
  assert.throws(() => parseH264Sps(badId), { code: 'CODEC_SPS_INVALID' });
  const overCropped = new SpsWriter().u(8, 66).u(8, 0).u(8, 30).ue(0).ue(0).ue(2).ue(1).u(1, 0)
    .ue(0).ue(0).u(1, 1).u(1, 1).u(1, 1).ue(8).ue(0).ue(0).ue(0).u(1, 0).finish([0x67]);
  assert.throws(() => parseH264Sps(overCropped), { code: 'CODEC_SPS_INVALID' });
});

test('parseH264Sps: every truncation either throws ProtocolError or keeps the size (VUI cut short -> no fps)', () => {
  const full = Buffer.from(cases[1]!.hex, 'hex');
  let sawSizeWithoutFps = false;
  for (let n = 0; n < full.length; n++) {
    try {
      const info = parseH264Sps(full.subarray(0, n));
      assert.equal(info.width, 1920);
      assert.equal(info.height, 1080);
      if (info.fps === undefined) sawSizeWithoutFps = true;
    } catch (err) {
      assert.ok(isProtocolError(err), String(err));
    }
  }
  assert.ok(sawSizeWithoutFps, 'a truncated VUI still yields the picture size');
});
