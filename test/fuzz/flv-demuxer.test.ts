/**
 * Fuzz of the FLV pipe: FlvDemuxer -> FlvToFrames, seeded from FLV streams we build from real
 * parameter sets (H.264 + AAC, enhanced and legacy H.265 + G.711), mutated and cut at random.
 * Invariants: only ProtocolError is thrown; buffered bytes stay under the tag limit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlvDemuxer } from '../../protocols/flv/flv-demuxer.ts';
import { FlvToFrames } from '../../protocols/flv/to-frames.ts';
import { flvFileHeader, flvTagBuffers } from '../../protocols/flv/flv-muxer.ts';
import { frameTag, metadataTagBody, sequenceHeaderTags } from '../../protocols/flv/from-frames.ts';
import type { StreamDescription } from '../../protocols/media/frame.ts';
import { FUZZ_ITERATIONS, mutate, onlyProtocolError } from '../unit/protocols/rtmp/fuzz-helpers.ts';
import { prng } from '../helpers/random.ts';
import { randomSegments } from '../helpers/feed.ts';
import { AAC_LC_44100_MONO, au, H264_IDR, H264_NON_IDR, H264_PPS, H264_SPS, H265_IDR, H265_PPS, H265_SPS, H265_TRAIL, H265_VPS } from '../unit/protocols/flv/fixtures.ts';

function flvStream(desc: StreamDescription, hevc: 'enhanced' | 'legacy' = 'enhanced'): Buffer {
  const tags = [{ type: 18 as const, timestampMs: 0, parts: [metadataTagBody({ width: 64, height: 48, framerate: 10 })] }, ...sequenceHeaderTags(desc, 0, { hevc })];
  const idr = desc.video?.codec === 'h265' ? H265_IDR : H264_IDR;
  const inter = desc.video?.codec === 'h265' ? H265_TRAIL : H264_NON_IDR;
  for (let i = 0; i < 5; i++) {
    const v = frameTag(desc, { track: 'video', dts: i * 100, pts: i * 100 + 100, keyframe: i === 0, payload: au(i === 0 ? idr : inter) }, { hevc });
    const a = frameTag(desc, { track: 'audio', dts: i * 100 + 5, pts: i * 100 + 5, keyframe: true, payload: Buffer.from('2110d5d5', 'hex') });
    if (v !== null) tags.push(v);
    if (a !== null) tags.push(a);
  }
  return Buffer.concat([flvFileHeader({ hasAudio: true, hasVideo: true }), ...tags.flatMap((t) => flvTagBuffers(t))]);
}

const MAX_TAG = 4096;

test('fuzz: FLV demuxer + FlvToFrames take only ProtocolErrors', () => {
  const seeds = [
    flvStream({ video: { codec: 'h264', sps: H264_SPS, pps: H264_PPS }, audio: { codec: 'aac', sampleRate: 44100, channels: 1, config: AAC_LC_44100_MONO } }),
    flvStream({ video: { codec: 'h265', vps: H265_VPS, sps: H265_SPS, pps: H265_PPS }, audio: { codec: 'pcma', sampleRate: 8000, channels: 1 } }),
    flvStream({ video: { codec: 'h265', vps: H265_VPS, sps: H265_SPS, pps: H265_PPS } }, 'legacy'),
  ];
  const rnd = prng(0x464c56);
  for (let i = 0; i < FUZZ_ITERATIONS; i++) {
    const input = mutate(seeds[i % seeds.length]!, rnd, 1 + (i % 8));
    onlyProtocolError(() => {
      const conv = new FlvToFrames();
      const demuxer = new FlvDemuxer((t) => conv.pushTag(t.type, t.timestampMs, t.body), { maxTagBytes: MAX_TAG, checkPreviousTagSize: i % 2 === 0 });
      for (const piece of randomSegments(input, rnd)) {
        demuxer.push(piece);
        assert.ok(demuxer.bufferedBytes <= MAX_TAG + 64, `buffered ${demuxer.bufferedBytes}`);
      }
    }, `iteration ${i}`, { target: 'flv', input });
  }
});
