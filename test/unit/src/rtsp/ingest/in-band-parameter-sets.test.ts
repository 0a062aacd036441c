/**
 * Camera quirks the RTSP client (pulled cameras) and RTSP RECORD share: SPS/PPS only in-band (no
 * sprop-parameter-sets in the SDP) and a camera that changes resolution mid-stream (a new SPS in a
 * keyframe). SPS/PPS below are x264's for 320x240 and 640x360 (ffmpeg testsrc2, one frame each).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Frame, StreamDescription } from '../../../../../protocols/media/frame.ts';
import { InBandParameterSets } from '../../../../../src/rtsp/ingest/in-band-parameter-sets.ts';
import { au, H264_IDR, H264_NON_IDR } from '../../../protocols/flv/fixtures.ts';

const SPS_320x240 = Buffer.from('6742c00dda0507ec0440000003004000000c83c50aa8', 'hex');
const SPS_640x360 = Buffer.from('6742c01eda0280bfe5c044000003000400000300c83c58ba80', 'hex');
const PPS = Buffer.from('68ce0fc8', 'hex');

const key = (dts: number, ...params: Buffer[]): Frame => ({ track: 'video', dts, pts: dts, keyframe: true, payload: au(...params, H264_IDR) });
const delta = (dts: number): Frame => ({ track: 'video', dts, pts: dts, keyframe: false, payload: au(H264_NON_IDR) });

describe('in-band parameter sets', () => {
  it('camera quirk: SPS/PPS only in-band — the description is published at the first keyframe carrying them, with the size from the SPS', () => {
    const published: StreamDescription[] = [];
    const gate = new InBandParameterSets({ video: { codec: 'h264' } }, (d) => published.push(d));
    assert.equal(gate.published, false);
    gate.observe(delta(0));
    gate.observe(key(40, PPS)); // PPS alone is not enough
    assert.equal(published.length, 0);
    gate.observe(key(80, SPS_320x240, PPS));
    assert.equal(gate.published, true);
    assert.deepEqual([published.length, published[0]?.video?.width, published[0]?.video?.height], [1, 320, 240]);
    gate.observe(key(120, SPS_320x240, PPS));
    assert.equal(published.length, 1, 'the same parameter sets again change nothing');
  });

  it('camera quirk: resolution changes mid-stream — a keyframe with a new SPS republishes the description', () => {
    const published: StreamDescription[] = [];
    const gate = new InBandParameterSets({ video: { codec: 'h264', sps: SPS_320x240, pps: PPS } }, (d) => published.push(d));
    assert.equal(published.length, 1, 'complete from the SDP: published at once');
    gate.observe(key(0, SPS_640x360, PPS));
    assert.deepEqual([published.length, published[1]?.video?.width, published[1]?.video?.height], [2, 640, 360]);
    assert.ok(published[1]?.video?.sps?.equals(SPS_640x360));
  });
});
