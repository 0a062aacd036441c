/**
 * Camera quirks the RTSP client (pulled cameras) and RTSP RECORD share: SPS/PPS only in-band (no
 * sprop-parameter-sets in the SDP) and a camera that changes resolution mid-stream (a new SPS in a
 * keyframe). SPS/PPS below are x264's for 320x240 and 640x360 (ffmpeg testsrc2, one frame each).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Frame, StreamDescription } from '../../../../protocols/media/frame.ts';
import { InBandParameterSets, withInBandParameterSets } from '../../../../protocols/media/in-band-parameter-sets.ts';
import { splitLengthPrefixed } from '../../../../protocols/media/frame.ts';
import { au, H264_IDR, H264_NON_IDR, H265_IDR, H265_PPS, H265_SPS, H265_VPS } from '../flv/fixtures.ts';

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

  it('H.265 waits for the VPS too; SPS and PPS alone publish nothing', () => {
    const published: StreamDescription[] = [];
    const gate = new InBandParameterSets({ video: { codec: 'h265' } }, (d) => published.push(d));
    const frame = (...nalus: Buffer[]): Frame => ({ track: 'video', dts: 0, pts: 0, keyframe: true, payload: au(...nalus) });
    gate.observe(frame(H265_SPS, H265_PPS, H265_IDR));
    assert.equal(published.length, 0);
    gate.observe(frame(H265_VPS, H265_SPS, H265_PPS, H265_IDR));
    assert.deepEqual([published.length, published[0]?.video?.width, published[0]?.video?.height], [1, 64, 48]);
    assert.ok(published[0]?.video?.vps?.equals(H265_VPS));
  });

  it('parameter sets in a non-keyframe are not looked at; a description without video is published at once', () => {
    const published: StreamDescription[] = [];
    const gate = new InBandParameterSets({ video: { codec: 'h264' } }, (d) => published.push(d));
    gate.observe({ track: 'video', dts: 0, pts: 0, keyframe: false, payload: au(SPS_320x240, PPS, H264_NON_IDR) });
    assert.equal(gate.published, false);
    const audioOnly = new InBandParameterSets({ audio: { codec: 'aac', sampleRate: 48000, channels: 2 } }, (d) => published.push(d));
    assert.equal(audioOnly.published, true);
    assert.equal(published.length, 1);
  });

  it('the published parameter sets are copies, not views of the frame they came in', () => {
    const published: StreamDescription[] = [];
    const gate = new InBandParameterSets({ video: { codec: 'h264' } }, (d) => published.push(d));
    const frame = key(0, SPS_320x240, PPS);
    gate.observe(frame);
    frame.payload.fill(0);
    assert.ok(published[0]?.video?.sps?.equals(SPS_320x240));
    assert.ok(published[0]?.video?.pps?.equals(PPS));
  });
});

describe('withInBandParameterSets', () => {
  const video = { codec: 'h264' as const, sps: SPS_320x240, pps: PPS };

  it('puts the track parameter sets before a keyframe that lacks them', () => {
    const out = withInBandParameterSets(video, key(0));
    assert.deepEqual(splitLengthPrefixed(out.payload).map((n) => n.toString('hex')), [SPS_320x240, PPS, H264_IDR].map((n) => n.toString('hex')));
    assert.equal(out.dts, 0);
  });

  it('leaves alone keyframes that carry parameter sets, delta frames, audio, and a track without parameter sets', () => {
    const carrying = key(0, SPS_640x360, PPS);
    assert.equal(withInBandParameterSets(video, carrying), carrying);
    const d = delta(40);
    assert.equal(withInBandParameterSets(video, d), d);
    const audio: Frame = { track: 'audio', dts: 0, pts: 0, keyframe: true, payload: Buffer.from([1, 2]) };
    assert.equal(withInBandParameterSets(video, audio), audio);
    const k = key(80);
    assert.equal(withInBandParameterSets({ codec: 'h264' }, k), k);
  });
});
