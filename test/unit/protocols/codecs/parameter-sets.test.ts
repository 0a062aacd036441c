/** The one reader of H.264/H.265 parameter sets that FLV, MPEG-TS and RTP ingest share. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { H264NaluType, H265NaluType } from '../../../../protocols/codecs/nalu.ts';
import {
  collectParameterSet,
  copyParameterSets,
  hasAllParameterSets,
  isParameterSetNalu,
  parameterSetName,
  parameterSetsToPrepend,
  sameParameterSets,
  updateParameterSets,
  videoTrackFromParameterSets,
  type ParameterSets,
} from '../../../../protocols/codecs/parameter-sets.ts';
import { H264_IDR, H264_PPS, H264_SPS, H265_IDR, H265_PPS, H265_SPS, H265_VPS } from '../flv/fixtures.ts';

const h264 = (type: number): Buffer => Buffer.from([0x60 | type, 0x88]);
const h265 = (type: number): Buffer => Buffer.from([type << 1, 0x01, 0xaf]);
/** An SPS our parser refuses (truncated after the profile): the track keeps its other fields. */
const BAD_H264_SPS = Buffer.from('6764', 'hex');

test('parameter-set NAL types: H.264 SPS/PPS, H.265 VPS/SPS/PPS', () => {
  assert.equal(isParameterSetNalu('h264', h264(H264NaluType.Pps)), true);
  assert.equal(isParameterSetNalu('h264', h264(H264NaluType.Idr)), false);
  assert.equal(isParameterSetNalu('h265', h265(H265NaluType.Vps)), true);
  assert.equal(isParameterSetNalu('h265', h265(H265NaluType.PrefixSei)), false);
  assert.deepEqual(
    [parameterSetName('h264', H264_SPS), parameterSetName('h264', H264_PPS), parameterSetName('h264', H264_IDR)],
    ['sps', 'pps', undefined],
  );
  assert.deepEqual(
    [parameterSetName('h265', H265_VPS), parameterSetName('h265', H265_SPS), parameterSetName('h265', H265_PPS), parameterSetName('h265', H265_IDR)],
    ['vps', 'sps', 'pps', undefined],
  );
  assert.equal(parameterSetName('h264', Buffer.alloc(0)), undefined);
});

test('collectParameterSet keeps the last of each kind; hasAllParameterSets wants a VPS for H.265 only', () => {
  const sets: ParameterSets = {};
  const other = Buffer.from('6742c0', 'hex');
  assert.equal(collectParameterSet('h264', H264_IDR, sets), false);
  assert.equal(collectParameterSet('h264', other, sets), true);
  assert.equal(hasAllParameterSets('h264', sets), false);
  collectParameterSet('h264', H264_SPS, sets);
  collectParameterSet('h264', H264_PPS, sets);
  assert.equal(sets.sps, H264_SPS);
  assert.equal(hasAllParameterSets('h264', sets), true);
  assert.equal(hasAllParameterSets('h265', { sps: H265_SPS, pps: H265_PPS }), false);
  assert.equal(hasAllParameterSets('h265', { vps: H265_VPS, sps: H265_SPS, pps: H265_PPS }), true);
});

test('sameParameterSets compares bytes; copyParameterSets copies them', () => {
  const a = { sps: H264_SPS, pps: H264_PPS };
  const copy = copyParameterSets(a);
  assert.notEqual(copy.sps, H264_SPS);
  assert.ok(copy.sps?.equals(H264_SPS));
  assert.equal(copy.vps, undefined);
  assert.equal(sameParameterSets(a, copy), true);
  assert.equal(sameParameterSets(a, { sps: H264_SPS }), false);
  assert.equal(sameParameterSets(a, { ...a, vps: H265_VPS }), false);
  assert.equal(sameParameterSets(a, { sps: H264_SPS, pps: H265_PPS }), false);
});

test('videoTrackFromParameterSets reads size, profile and level from the SPS, and carries an unreadable SPS without them', () => {
  const t = videoTrackFromParameterSets('h264', { sps: H264_SPS, pps: H264_PPS });
  assert.deepEqual([t.codec, t.width, t.height, t.profile, t.sps, t.pps, 'vps' in t], ['h264', 64, 48, 100, H264_SPS, H264_PPS, false]);
  const v = videoTrackFromParameterSets('h265', { vps: H265_VPS, sps: H265_SPS, pps: H265_PPS });
  assert.deepEqual([v.codec, v.width, v.height, v.vps], ['h265', 64, 48, H265_VPS]);
  const bad = videoTrackFromParameterSets('h264', { sps: BAD_H264_SPS, pps: H264_PPS });
  assert.deepEqual(bad, { codec: 'h264', sps: BAD_H264_SPS, pps: H264_PPS });
  assert.deepEqual(videoTrackFromParameterSets('h264', {}), { codec: 'h264' });
});

test('updateParameterSets: the same track when nothing differs, copies of what changed, the SPS read again only when it changed', () => {
  const track = videoTrackFromParameterSets('h264', { sps: H264_SPS, pps: H264_PPS });
  assert.equal(updateParameterSets(track, {}), track);
  assert.equal(updateParameterSets(track, { sps: Buffer.from(H264_SPS) }), track);
  const newPps = Buffer.from('68ce0fc8', 'hex');
  const p = updateParameterSets(track, { pps: newPps });
  assert.ok(p.pps?.equals(newPps));
  assert.notEqual(p.pps, newPps, 'copied');
  assert.equal(p.width, 64);
  const bad = updateParameterSets(track, { sps: BAD_H264_SPS });
  assert.ok(bad.sps?.equals(BAD_H264_SPS));
  assert.equal(bad.width, 64, 'an unreadable new SPS leaves the informational fields as they were');
});

test('parameterSetsToPrepend: only before keyframes, only the sets the access unit lacks, in VPS, SPS, PPS order', () => {
  const h264Sets = { sps: H264_SPS, pps: H264_PPS };
  assert.deepEqual(parameterSetsToPrepend('h264', [H264_IDR], h264Sets), [H264_SPS, H264_PPS]);
  assert.deepEqual(parameterSetsToPrepend('h264', [H264_SPS, H264_IDR], h264Sets), [H264_PPS]);
  assert.deepEqual(parameterSetsToPrepend('h264', [H264_SPS, H264_PPS, H264_IDR], h264Sets), []);
  assert.deepEqual(parameterSetsToPrepend('h264', [h264(H264NaluType.NonIdr)], h264Sets), [], 'not a keyframe');
  assert.deepEqual(parameterSetsToPrepend('h264', [H264_IDR], { sps: Buffer.alloc(0), pps: H264_PPS }), [H264_PPS], 'an empty set is never sent');
  const h265Sets = { vps: H265_VPS, sps: H265_SPS, pps: H265_PPS };
  assert.deepEqual(parameterSetsToPrepend('h265', [H265_IDR], h265Sets), [H265_VPS, H265_SPS, H265_PPS]);
  assert.deepEqual(parameterSetsToPrepend('h265', [H265_VPS, H265_IDR], h265Sets), [H265_SPS, H265_PPS]);
  assert.deepEqual(parameterSetsToPrepend('h265', [h265(H265NaluType.TrailR)], h265Sets), []);
});
