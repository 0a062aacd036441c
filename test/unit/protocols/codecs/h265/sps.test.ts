import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseH265Sps, type H265SpsInfo } from '../../../../../protocols/codecs/h265/sps.ts';
import { isProtocolError } from '../../../../../protocols/errors.ts';
import { SpsWriter } from '../sps-writer.ts';

/**
 * Real SPS NAL units, made with the bundled ffmpeg 4.1 / libx265, e.g.
 *   ffmpeg -f lavfi -i testsrc2=size=1280x720:rate=25 -c:v libx265 -frames:v 1 -f hevc out.hevc
 * then the NAL unit of type 33 copied as hex (options per case in its name).
 */
const cases: { name: string; hex: string; expected: H265SpsInfo }[] = [
  {
    name: 'x265 main 1280x720 25 fps',
    hex: '42010101600000030090000003000003005da00280802d165959a4932bc04040000003004000000642',
    expected: { profile: 1, profileSpace: 0, tier: 0, level: 93, width: 1280, height: 720, fps: 25, chromaFormatIdc: 1, bitDepthLuma: 8 },
  },
  {
    name: 'x265 main 1920x1080 30 fps',
    hex: '420101016000000300900000030000030078a003c08010e596566924caf01010000003001000000301e080',
    expected: { profile: 1, profileSpace: 0, tier: 0, level: 120, width: 1920, height: 1080, fps: 30, chromaFormatIdc: 1, bitDepthLuma: 8 },
  },
  {
    name: 'x265 854x480 24 fps (conformance window: coded 856)',
    hex: '42010101600000030090000003000003005aa006b201e1d796566924caf010100000030010000003018080',
    expected: { profile: 1, profileSpace: 0, tier: 0, level: 90, width: 854, height: 480, fps: 24, chromaFormatIdc: 1, bitDepthLuma: 8 },
  },
  {
    name: 'x265 -pix_fmt yuv422p (range extensions profile) 320x240',
    hex: '4201010408000003009d0800000300003cb00a080f165959a4932bc04040000003004000000642',
    expected: { profile: 4, profileSpace: 0, tier: 0, level: 60, width: 320, height: 240, fps: 25, chromaFormatIdc: 2, bitDepthLuma: 8 },
  },
  {
    name: 'x265 temporal-layers=1 (sps_max_sub_layers_minus1 = 1) 352x288',
    hex: '42010201600000030090000003000003003c0000a00b080485965662b3492657808080000003008000000f04',
    expected: { profile: 1, profileSpace: 0, tier: 0, level: 60, width: 352, height: 288, fps: 30, chromaFormatIdc: 1, bitDepthLuma: 8 },
  },
];

for (const c of cases) {
  test(`parseH265Sps: ${c.name}`, () => {
    const sps = Buffer.from(c.hex, 'hex');
    const copy = Buffer.from(sps);
    assert.deepEqual(parseH265Sps(sps), c.expected);
    assert.deepEqual(sps, copy, 'input not modified');
  });
}

test('parseH265Sps: synthetic SPS with scaling list data, PCM, inter-predicted RPS, long-term refs, VUI', () => {
  const w = new SpsWriter().u(4, 0).u(3, 0).u(1, 1);
  w.u(2, 0).u(1, 1).u(5, 2).u(32, 0x20000000).u(48, 0).u(8, 153); // Main 10, high tier, level 5.1
  w.ue(0).ue(1).ue(1920).ue(1088).u(1, 1).ue(0).ue(0).ue(0).ue(4); // crop 8 rows at the bottom
  w.ue(2).ue(2).ue(4).u(1, 1).ue(4).ue(2).ue(0); // 10-bit, poc lsb 8 bits, one ordering entry
  for (let i = 0; i < 6; i++) w.ue(i % 3);
  w.u(1, 1).u(1, 1); // scaling_list_enabled, data present
  for (let sizeId = 0; sizeId < 4; sizeId++) {
    for (let m = 0; m < 6; m += sizeId === 3 ? 3 : 1) {
      if (m % 2 === 0) {
        w.u(1, 0).ue(0);
      } else {
        w.u(1, 1);
        if (sizeId > 1) w.se(8);
        for (let k = 0; k < Math.min(64, 1 << (4 + (sizeId << 1))); k++) w.se(k % 3 - 1);
      }
    }
  }
  w.u(1, 1).u(1, 1); // amp, sao
  w.u(1, 1).u(4, 7).u(4, 7).ue(0).ue(1).u(1, 0); // pcm
  w.ue(2); // two short-term RPS
  w.ue(2).ue(1).ue(0).u(1, 1).ue(1).u(1, 1).ue(0).u(1, 0); // #0: 2 negative, 1 positive
  w.u(1, 1).u(1, 0).ue(0); // #1 inter-predicted from #0 (NumDeltaPocs 3 -> 4 flags)
  w.u(1, 1).u(1, 0).u(1, 1).u(1, 0).u(1, 0).u(1, 1);
  w.u(1, 1).ue(2).u(8, 17).u(1, 1).u(8, 99).u(1, 0); // long-term refs: lsb 8 bits each
  w.u(1, 1).u(1, 0); // temporal mvp, strong intra smoothing
  w.u(1, 1); // VUI
  w.u(1, 1).u(8, 255).u(16, 4).u(16, 3); // extended SAR
  w.u(1, 0).u(1, 1).u(3, 5).u(1, 0).u(1, 1).u(24, 0x010101).u(1, 0);
  w.u(3, 0).u(1, 1).ue(0).ue(0).ue(0).ue(0); // default display window
  w.u(1, 1).u(32, 1001).u(32, 60000);
  const info = parseH265Sps(w.finish([0x42, 0x01]));
  assert.deepEqual(info, {
    profile: 2, profileSpace: 0, tier: 1, level: 153, width: 1920, height: 1080, fps: 60000 / 1001, chromaFormatIdc: 1, bitDepthLuma: 10,
  });
});

test('parseH265Sps: rejects a non-SPS NAL unit', () => {
  assert.throws(() => parseH265Sps(Buffer.from('4401c172b46240', 'hex')), { code: 'CODEC_SPS_INVALID' });
  assert.throws(() => parseH265Sps(Buffer.from([0x42])), { code: 'CODEC_SPS_INVALID' });
});

test('parseH265Sps: every truncation throws ProtocolError or keeps the size', () => {
  const full = Buffer.from(cases[0]!.hex, 'hex');
  for (let n = 0; n < full.length; n++) {
    try {
      const info = parseH265Sps(full.subarray(0, n));
      assert.equal(info.width, 1280);
      assert.equal(info.height, 720);
    } catch (err) {
      assert.ok(isProtocolError(err), String(err));
    }
  }
});
