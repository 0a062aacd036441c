import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlvToFrames } from '../../../../protocols/flv/to-frames.ts';
import { FlvTagType } from '../../../../protocols/flv/constants.ts';
import { buildAvcDecoderConfig } from '../../../../protocols/flv/avc-decoder-config.ts';
import { videoFrameTagParts, videoSequenceHeaderBody } from '../../../../protocols/flv/video-tag-writer.ts';
import { audioSequenceHeaderBody } from '../../../../protocols/flv/audio-tag-writer.ts';
import { encodeAmf0 } from '../../../../protocols/rtmp/amf0/amf0-encoder.ts';
import { asEcmaArray } from '../../../../protocols/rtmp/amf0/amf-value.ts';
import type { Frame, VideoTrackInfo } from '../../../../protocols/media/frame.ts';
import {
  AAC_LC_44100_MONO,
  au,
  H264_IDR,
  H264_NON_IDR,
  H264_PPS,
  H264_SPS,
  H265_IDR,
  H265_PPS,
  H265_SPS,
  H265_TRAIL,
  H265_VPS,
} from './fixtures.ts';

const h264: VideoTrackInfo = { codec: 'h264', sps: H264_SPS, pps: H264_PPS };

function videoBody(frame: Frame, codec: 'h264' | 'h265' = 'h264', hevc: 'enhanced' | 'legacy' = 'enhanced'): Buffer {
  return Buffer.concat(videoFrameTagParts(codec, frame, { hevc }));
}

function vf(payload: Buffer, dts: number, cts: number, keyframe: boolean): Frame {
  return { track: 'video', dts, pts: dts + cts, keyframe, payload };
}

test('H.264: sequence header describes the track, frames get pts = dts + cts', () => {
  const conv = new FlvToFrames();
  const r1 = conv.pushTag(FlvTagType.Video, 0, videoSequenceHeaderBody(h264)!);
  assert.deepEqual(r1.frames, []);
  assert.equal(r1.description, undefined, 'held until the first frame');
  const r2 = conv.pushTag(FlvTagType.Video, 40, videoBody(vf(au(H264_IDR), 40, 80, true)));
  const v = r2.description?.video;
  assert.equal(v?.codec, 'h264');
  assert.equal(v?.width, 64);
  assert.equal(v?.height, 48);
  assert.equal(v?.profile, 100);
  assert.deepEqual(v?.sps, H264_SPS);
  assert.deepEqual(r2.frames, [{ track: 'video', dts: 40, pts: 120, keyframe: true, payload: au(H264_IDR) }]);
  const r2b = conv.pushTag(FlvTagType.Video, 60, videoBody(vf(au(H264_NON_IDR), 60, 0, false)));
  assert.equal(r2b.description, undefined);
  const r3 = conv.pushTag(FlvTagType.Video, 80, videoBody(vf(au(H264_NON_IDR), 80, -40, false)));
  assert.equal(r3.frames[0]?.pts, 40);
  assert.equal(r3.frames[0]?.keyframe, false);
});

test('an IDR marked as inter frame by the encoder is still a keyframe', () => {
  const conv = new FlvToFrames();
  conv.pushTag(FlvTagType.Video, 0, videoSequenceHeaderBody(h264)!);
  const r = conv.pushTag(FlvTagType.Video, 0, videoBody(vf(au(H264_IDR), 0, 0, false)));
  assert.equal(r.frames[0]?.keyframe, true);
});

test('2-byte NAL unit lengths are converted to 4-byte', () => {
  const conv = new FlvToFrames();
  const record = buildAvcDecoderConfig([H264_SPS], [H264_PPS]);
  record[4] = 0xfc | 1;
  conv.pushTag(FlvTagType.Video, 0, Buffer.concat([Buffer.from('1700000000', 'hex'), record]));
  const body = Buffer.concat([Buffer.from('1701000000', 'hex'), Buffer.from([0, H264_IDR.length]), H264_IDR]);
  assert.deepEqual(conv.pushTag(FlvTagType.Video, 0, body).frames[0]?.payload, au(H264_IDR));
});

test('a repeated identical sequence header does not change the description', () => {
  const conv = new FlvToFrames();
  conv.pushTag(FlvTagType.Video, 0, videoSequenceHeaderBody(h264)!);
  assert.ok(conv.pushTag(FlvTagType.Video, 0, videoBody(vf(au(H264_IDR), 0, 0, true))).description);
  assert.equal(conv.pushTag(FlvTagType.Video, 40, videoSequenceHeaderBody(h264)!).description, undefined);
});

test('the first description has every track whose header came before the first frame; later changes are immediate', () => {
  const conv = new FlvToFrames();
  assert.equal(conv.pushTag(FlvTagType.Video, 0, videoSequenceHeaderBody(h264)!).description, undefined);
  const aac = { codec: 'aac', sampleRate: 44100, channels: 1, config: AAC_LC_44100_MONO } as const;
  assert.equal(conv.pushTag(FlvTagType.Audio, 0, audioSequenceHeaderBody(aac)!).description, undefined);
  const r = conv.pushTag(FlvTagType.Video, 0, videoBody(vf(au(H264_IDR), 0, 0, true)));
  assert.equal(r.description?.video?.codec, 'h264');
  assert.deepEqual(r.description?.audio, aac);
  assert.equal(r.frames.length, 1);
  // Flowing: a new header re-describes at once.
  const config = Buffer.from('1210', 'hex'); // AAC LC, 44.1 kHz, stereo
  const changed = conv.pushTag(FlvTagType.Audio, 40, audioSequenceHeaderBody({ ...aac, channels: 2, config })!);
  assert.equal(changed.description?.audio?.channels, 2);
  assert.equal(changed.description?.video?.codec, 'h264');
});

test('frames before any sequence header are dropped and counted', () => {
  const conv = new FlvToFrames();
  assert.deepEqual(conv.pushTag(FlvTagType.Video, 0, videoBody(vf(au(H264_NON_IDR), 0, 0, false))).frames, []);
  assert.deepEqual(conv.pushTag(FlvTagType.Audio, 0, Buffer.from('af012110', 'hex')).frames, []);
  assert.equal(conv.droppedFrames, 2);
});

test('encoder sending parameter sets only in-band: description from the keyframe', () => {
  const conv = new FlvToFrames();
  const r = conv.pushTag(FlvTagType.Video, 0, videoBody(vf(au(H264_SPS, H264_PPS, H264_IDR), 0, 0, true)));
  assert.equal(r.description?.video?.width, 64);
  assert.equal(r.frames.length, 1);
});

test('corrupt NAL unit lengths drop the frame', () => {
  const conv = new FlvToFrames();
  conv.pushTag(FlvTagType.Video, 0, videoSequenceHeaderBody(h264)!);
  assert.deepEqual(conv.pushTag(FlvTagType.Video, 0, Buffer.from('170100000000000009650000', 'hex')).frames, []);
  assert.equal(conv.droppedFrames, 1);
});

for (const hevc of ['enhanced', 'legacy'] as const) {
  test(`H.265 (${hevc} signalling): VPS/SPS/PPS and frames`, () => {
    const conv = new FlvToFrames();
    const track: VideoTrackInfo = { codec: 'h265', vps: H265_VPS, sps: H265_SPS, pps: H265_PPS };
    conv.pushTag(FlvTagType.Video, 0, videoSequenceHeaderBody(track, { hevc })!);
    const r1 = conv.pushTag(FlvTagType.Video, 0, videoBody(vf(au(H265_IDR), 0, 40, true), 'h265', hevc));
    const d = r1.description?.video;
    assert.equal(d?.codec, 'h265');
    assert.deepEqual([d?.vps, d?.sps, d?.pps], [H265_VPS, H265_SPS, H265_PPS]);
    assert.equal(d?.width, 64);
    assert.equal(d?.height, 48);
    const f1 = r1.frames[0];
    assert.deepEqual(f1, { track: 'video', dts: 0, pts: 40, keyframe: true, payload: au(H265_IDR) });
    const f2 = conv.pushTag(FlvTagType.Video, 40, videoBody(vf(au(H265_TRAIL), 40, 0, false), 'h265', hevc)).frames[0];
    assert.equal(f2?.keyframe, false);
    assert.equal(f2?.pts, 40);
  });
}

test('AAC: sequence header then raw frames', () => {
  const conv = new FlvToFrames();
  conv.pushTag(FlvTagType.Audio, 0, audioSequenceHeaderBody({ codec: 'aac', sampleRate: 44100, channels: 1, config: AAC_LC_44100_MONO })!);
  const r = conv.pushTag(FlvTagType.Audio, 23, Buffer.from('af012110', 'hex'));
  assert.deepEqual(r.description?.audio, { codec: 'aac', sampleRate: 44100, channels: 1, config: AAC_LC_44100_MONO });
  const f = r.frames;
  assert.deepEqual(f, [{ track: 'audio', dts: 23, pts: 23, keyframe: true, payload: Buffer.from('2110', 'hex') }]);
});

test('G.711 describes itself from the first frame; a change re-describes', () => {
  const conv = new FlvToFrames();
  const r1 = conv.pushTag(FlvTagType.Audio, 0, Buffer.from('72d5d5', 'hex'));
  assert.deepEqual(r1.description?.audio, { codec: 'pcma', sampleRate: 8000, channels: 1 });
  assert.equal(conv.pushTag(FlvTagType.Audio, 20, Buffer.from('72d5d5', 'hex')).description, undefined);
  assert.equal(conv.pushTag(FlvTagType.Audio, 40, Buffer.from('82ffff', 'hex')).description?.audio?.codec, 'pcmu');
});

for (const c of [
  { name: 'G.711 A-law', meta: { audiocodecid: 7, audiosamplerate: 8000, stereo: false }, audio: { codec: 'pcma', sampleRate: 8000, channels: 1 }, tag: '72d5d5' },
  { name: 'G.711 µ-law (stereo flag)', meta: { audiocodecid: 8, stereo: true }, audio: { codec: 'pcmu', sampleRate: 8000, channels: 2 }, tag: '83ffff' },
  { name: 'MP3 at the announced rate', meta: { audiocodecid: 2, audiosamplerate: 22050, stereo: false }, audio: { codec: 'mp3', sampleRate: 22050, channels: 1 }, tag: undefined },
]) {
  test(`${c.name} announced by onMetaData is in the first description, before its first frame`, () => {
    const conv = new FlvToFrames();
    conv.pushTag(FlvTagType.Script, 0, encodeAmf0('@setDataFrame', 'onMetaData', asEcmaArray({ videocodecid: 7, ...c.meta })));
    conv.pushTag(FlvTagType.Video, 0, videoSequenceHeaderBody(h264)!);
    const first = conv.pushTag(FlvTagType.Video, 0, videoBody(vf(au(H264_IDR), 0, 0, true)));
    assert.deepEqual(first.description?.audio, c.audio);
    assert.equal(first.description?.video?.codec, 'h264');
    if (c.tag !== undefined) {
      // The first frame agrees with the announcement: no new description.
      assert.equal(conv.pushTag(FlvTagType.Audio, 10, Buffer.from(c.tag, 'hex')).description, undefined);
    }
  });
}

test('onMetaData with AAC, no audio or a bogus codec id announces nothing; the frames decide', () => {
  for (const meta of [{ audiocodecid: 10 }, {}, { audiocodecid: 'x' }, { audiocodecid: 99 }]) {
    const conv = new FlvToFrames();
    conv.pushTag(FlvTagType.Script, 0, encodeAmf0('onMetaData', asEcmaArray(meta)));
    conv.pushTag(FlvTagType.Video, 0, videoSequenceHeaderBody(h264)!);
    assert.equal(conv.pushTag(FlvTagType.Video, 0, videoBody(vf(au(H264_IDR), 0, 0, true))).description?.audio, undefined, JSON.stringify(meta));
  }
});

test('an announced track the first frame contradicts is re-described', () => {
  const conv = new FlvToFrames();
  conv.pushTag(FlvTagType.Script, 0, encodeAmf0('onMetaData', asEcmaArray({ audiocodecid: 7 })));
  conv.pushTag(FlvTagType.Video, 0, videoSequenceHeaderBody(h264)!);
  conv.pushTag(FlvTagType.Video, 0, videoBody(vf(au(H264_IDR), 0, 0, true)));
  assert.deepEqual(conv.pushTag(FlvTagType.Audio, 10, Buffer.from('82ffff', 'hex')).description?.audio, { codec: 'pcmu', sampleRate: 8000, channels: 1 });
});

test('unsupported audio is ignored, unsupported video is refused', () => {
  const conv = new FlvToFrames();
  assert.deepEqual(conv.pushTag(FlvTagType.Audio, 0, Buffer.from('b200', 'hex')).frames, []);
  assert.equal(conv.ignoredTags, 1);
  assert.throws(() => conv.pushTag(FlvTagType.Video, 0, Buffer.from('1200', 'hex')), { code: 'FLV_VIDEO_CODEC_UNSUPPORTED' });
});

test('metadata: RTMP @setDataFrame form and plain FLV form; the SPS frame rate wins', () => {
  const conv = new FlvToFrames();
  conv.pushTag(FlvTagType.Video, 0, videoSequenceHeaderBody({ codec: 'h264', sps: H264_SPS, pps: H264_PPS })!);
  const meta = asEcmaArray({ width: 64, height: 48, framerate: 12.5 });
  const r = conv.pushTag(FlvTagType.Script, 0, encodeAmf0('@setDataFrame', 'onMetaData', meta));
  assert.deepEqual(r.metadata, { width: 64, height: 48, framerate: 12.5 });
  // The fixture SPS declares 10 fps in its VUI: that wins over onMetaData's framerate.
  assert.equal(r.description, undefined);
  assert.equal(conv.description.video?.fps, 10);
  const r2 = new FlvToFrames().pushTag(FlvTagType.Script, 0, encodeAmf0('onMetaData', { duration: 0 }));
  assert.deepEqual(r2.metadata, { duration: 0 });
  const r3 = new FlvToFrames().pushTag(FlvTagType.Script, 0, encodeAmf0('onCuePoint', {}));
  assert.equal(r3.metadata, undefined);
});

test('32-bit timestamp wrap keeps a continuous clock', () => {
  const conv = new FlvToFrames();
  conv.pushTag(FlvTagType.Audio, 0xffffffe0, Buffer.from('72d5', 'hex'));
  const f = conv.pushTag(FlvTagType.Audio, 0x10, Buffer.from('72d5', 'hex')).frames[0];
  assert.equal(f?.dts, 0xffffffe0 + 0x30);
});

test('interleaved tracks with slightly older timestamps stay in place', () => {
  const conv = new FlvToFrames();
  conv.pushTag(FlvTagType.Audio, 1000, Buffer.from('72d5', 'hex'));
  assert.equal(conv.pushTag(FlvTagType.Audio, 990, Buffer.from('72d5', 'hex')).frames[0]?.dts, 990);
});

test('small payloads viewing a large received buffer are copied out (they would pin it in the GOP cache)', () => {
  const conv = new FlvToFrames();
  const socketRead = Buffer.alloc(64 * 1024);
  Buffer.from('72d5d5', 'hex').copy(socketRead, 100);
  const f = conv.pushTag(FlvTagType.Audio, 0, socketRead.subarray(100, 103)).frames[0]!;
  assert.deepEqual(f.payload, Buffer.from('d5d5', 'hex'));
  assert.notEqual(f.payload.buffer, socketRead.buffer);
  const own = Buffer.from('72d5d5', 'hex');
  assert.equal(conv.pushTag(FlvTagType.Audio, 20, own).frames[0]!.payload.buffer, own.buffer, 'small parents are kept as views');
});

test('the parameter sets and configs a stream keeps for its life pin neither the message nor a shared pool', () => {
  const conv = new FlvToFrames();
  // Both sequence headers arrive as small views into one large buffer (a socket read, a pool slab).
  const big = Buffer.alloc(65536);
  const videoSeq = videoSequenceHeaderBody(h264)!;
  const audioSeq = audioSequenceHeaderBody({ codec: 'aac', sampleRate: 44100, channels: 1, config: AAC_LC_44100_MONO })!;
  videoSeq.copy(big, 100);
  audioSeq.copy(big, 1000);
  conv.pushTag(FlvTagType.Video, 0, big.subarray(100, 100 + videoSeq.length));
  conv.pushTag(FlvTagType.Audio, 0, big.subarray(1000, 1000 + audioSeq.length));
  const d = conv.pushTag(FlvTagType.Video, 40, videoBody(vf(au(H264_IDR), 40, 0, true))).description;
  const video = d?.video;
  const audio = d?.audio;
  assert.equal(video?.codec, 'h264');
  assert.ok(audio !== undefined && 'config' in audio && audio.config !== undefined);
  for (const [name, b] of [['sps', video?.codec === 'h264' ? video.sps : undefined], ['pps', video?.codec === 'h264' ? video.pps : undefined], ['aac config', audio.config]] as const) {
    assert.ok(b !== undefined, name);
    assert.notEqual(b.buffer, big.buffer, `${name}: not a view of the message`);
    assert.ok(b.buffer.byteLength < 256, `${name}: backed by ${b.buffer.byteLength} bytes, its own`);
  }
  big.fill(0xee);
  assert.deepEqual(video?.codec === 'h264' ? video.sps : undefined, H264_SPS);
});
