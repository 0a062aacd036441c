import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  H264NaluType,
  H265NaluType,
  h264NaluType,
  h265NaluType,
  isH265IrapType,
  isKeyframeAccessUnit,
  isKeyframeNalu,
} from '../../../../protocols/codecs/nalu.ts';

const h264 = (type: number): Buffer => Buffer.from([0x60 | type, 0x88]);
const h265 = (type: number): Buffer => Buffer.from([type << 1, 0x01, 0xaf]);

test('H.264 nal_unit_type is the low 5 bits; only IDR is a keyframe', () => {
  assert.equal(h264NaluType(Buffer.from([0x65])), H264NaluType.Idr);
  assert.equal(h264NaluType(Buffer.alloc(0)), -1);
  for (let t = 0; t < 32; t++) assert.equal(isKeyframeNalu('h264', h264(t)), t === H264NaluType.Idr, `type ${t}`);
});

test('H.265 IRAP types 16..23 are keyframes, others are not', () => {
  for (let t = 0; t < 64; t++) {
    assert.equal(h265NaluType(h265(t)), t);
    assert.equal(isKeyframeNalu('h265', h265(t)), t >= 16 && t <= 23, `type ${t}`);
    assert.equal(isH265IrapType(t), t >= 16 && t <= 23);
  }
  assert.equal(h265NaluType(Buffer.from([0x40])), -1, 'one byte is shorter than the NAL header');
});

test('access unit keyframe detection', () => {
  assert.equal(isKeyframeAccessUnit('h264', [h264(H264NaluType.Sps), h264(H264NaluType.Pps), h264(5)]), true);
  assert.equal(isKeyframeAccessUnit('h264', [h264(H264NaluType.Sei), h264(H264NaluType.NonIdr)]), false);
  assert.equal(isKeyframeAccessUnit('h265', [h265(H265NaluType.Vps), h265(H265NaluType.CraNut)]), true);
});
