import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  audioInfoFromRtpParams,
  createDepacketizer,
  createPacketizer,
  isRtpFormatSupported,
  rtpParamsForAudio,
  rtpParamsForVideo,
  videoInfoFromRtpParams,
  type RtpCodecParams,
} from '../../../../protocols/rtp/format.ts';
import type { AudioTrackInfo, VideoTrackInfo } from '../../../../protocols/media/frame.ts';
import { H264Packetizer } from '../../../../protocols/rtp/h264/packetizer.ts';
import { H265Depacketizer } from '../../../../protocols/rtp/h265/depacketizer.ts';
import { AacDepacketizer } from '../../../../protocols/rtp/aac/depacketizer.ts';
import { G711Packetizer } from '../../../../protocols/rtp/g711/packetizer.ts';
import { RtpPacket } from '../../../../protocols/rtp/packet.ts';
import { audioFrame, h264Nalu, pushAll, rtp, videoFrame } from './rtp-test-helpers.ts';

// x264 high 1280x720 25 fps SPS/PPS (see test/unit/protocols/codecs/h264/sps.test.ts for how they were made)
const H264_SPS = Buffer.from('6764001facd9405005bb011000000300100000030320f1831960', 'hex');
const H264_PPS = Buffer.from('68ebe3cb22c0', 'hex');
// x265 main 1280x720 25 fps VPS/SPS/PPS
const H265_VPS = Buffer.from('40010c01ffff01600000030090000003000003005d959809', 'hex');
const H265_SPS = Buffer.from('42010101600000030090000003000003005da00280802d165959a4932bc04040000003004000000642', 'hex');
const H265_PPS = Buffer.from('4401c172b46240', 'hex');
const IDENTITY = { ssrc: 1, initialSequenceNumber: 1, timestampOffset: 0 };

/** Round trips: track -> params (exact) -> track. */
const videoCases: { name: string; info: VideoTrackInfo; params: RtpCodecParams; back: VideoTrackInfo }[] = [
  {
    name: 'H.264 with parameter sets',
    info: { codec: 'h264', sps: H264_SPS, pps: H264_PPS, width: 1280, height: 720 },
    params: {
      payloadType: 96,
      encodingName: 'H264',
      clockRate: 90000,
      fmtp: {
        'packetization-mode': '1',
        'profile-level-id': '64001F',
        'sprop-parameter-sets': `${H264_SPS.toString('base64')},${H264_PPS.toString('base64')}`,
      },
    },
    back: { codec: 'h264', sps: H264_SPS, pps: H264_PPS, profile: 100, level: 31, width: 1280, height: 720, fps: 25 },
  },
  {
    name: 'H.264 without parameter sets yet',
    info: { codec: 'h264' },
    params: { payloadType: 96, encodingName: 'H264', clockRate: 90000, fmtp: { 'packetization-mode': '1' } },
    back: { codec: 'h264' },
  },
  {
    name: 'H.265 with parameter sets',
    info: { codec: 'h265', vps: H265_VPS, sps: H265_SPS, pps: H265_PPS },
    params: {
      payloadType: 96,
      encodingName: 'H265',
      clockRate: 90000,
      fmtp: { 'sprop-vps': H265_VPS.toString('base64'), 'sprop-sps': H265_SPS.toString('base64'), 'sprop-pps': H265_PPS.toString('base64') },
    },
    back: { codec: 'h265', vps: H265_VPS, sps: H265_SPS, pps: H265_PPS, profile: 1, level: 93, width: 1280, height: 720, fps: 25 },
  },
];

for (const c of videoCases) {
  test(`format video: ${c.name}`, () => {
    assert.deepEqual(rtpParamsForVideo(c.info), c.params);
    assert.deepEqual(videoInfoFromRtpParams(c.params), c.back);
    assert.equal(isRtpFormatSupported(c.params), true);
  });
}

const audioCases: { name: string; info: AudioTrackInfo; params: RtpCodecParams; back: AudioTrackInfo }[] = [
  {
    name: 'AAC LC 44.1 kHz stereo',
    info: { codec: 'aac', sampleRate: 44100, channels: 2, config: Buffer.from('1210', 'hex') },
    params: {
      payloadType: 97,
      encodingName: 'MPEG4-GENERIC',
      clockRate: 44100,
      channels: 2,
      fmtp: { streamtype: '5', 'profile-level-id': '1', mode: 'AAC-hbr', sizelength: '13', indexlength: '3', indexdeltalength: '3', config: '1210' },
    },
    back: { codec: 'aac', sampleRate: 44100, channels: 2, config: Buffer.from('1210', 'hex') },
  },
  {
    name: 'AAC without a config: AAC LC built from rate and channels',
    info: { codec: 'aac', sampleRate: 8000, channels: 1 },
    params: {
      payloadType: 97,
      encodingName: 'MPEG4-GENERIC',
      clockRate: 8000,
      channels: 1,
      fmtp: { streamtype: '5', 'profile-level-id': '1', mode: 'AAC-hbr', sizelength: '13', indexlength: '3', indexdeltalength: '3', config: '1588' },
    },
    back: { codec: 'aac', sampleRate: 8000, channels: 1, config: Buffer.from('1588', 'hex') },
  },
  {
    name: 'PCMU 8 kHz mono: static payload type 0',
    info: { codec: 'pcmu', sampleRate: 8000, channels: 1 },
    params: { payloadType: 0, encodingName: 'PCMU', clockRate: 8000, channels: 1, fmtp: {} },
    back: { codec: 'pcmu', sampleRate: 8000, channels: 1 },
  },
  {
    name: 'PCMA 8 kHz mono: static payload type 8',
    info: { codec: 'pcma', sampleRate: 8000, channels: 1 },
    params: { payloadType: 8, encodingName: 'PCMA', clockRate: 8000, channels: 1, fmtp: {} },
    back: { codec: 'pcma', sampleRate: 8000, channels: 1 },
  },
  {
    name: 'PCMA 16 kHz: dynamic payload type',
    info: { codec: 'pcma', sampleRate: 16000, channels: 1 },
    params: { payloadType: 97, encodingName: 'PCMA', clockRate: 16000, channels: 1, fmtp: {} },
    back: { codec: 'pcma', sampleRate: 16000, channels: 1 },
  },
];

for (const c of audioCases) {
  test(`format audio: ${c.name}`, () => {
    assert.deepEqual(rtpParamsForAudio(c.info), c.params);
    assert.deepEqual(audioInfoFromRtpParams(c.params), c.back);
  });
}

test('format: MP3 as MPA/90000 with static payload type 14', () => {
  const params = rtpParamsForAudio({ codec: 'mp3', sampleRate: 44100, channels: 2 }, 97);
  assert.deepEqual(params, { payloadType: 14, encodingName: 'MPA', clockRate: 90000, fmtp: {} });
  assert.deepEqual(audioInfoFromRtpParams(params!), { codec: 'mp3', sampleRate: 44100, channels: 2 });
  assert.ok(createPacketizer(params!, IDENTITY));
  assert.ok(createDepacketizer(params!));
});

/** Formats offered by cameras and other servers. */
const offered: { name: string; params: RtpCodecParams; video?: Partial<VideoTrackInfo> | null; audio?: Partial<AudioTrackInfo> | null }[] = [
  {
    name: 'hikvision-style: upper-case fmtp names, no packetization-mode (mode 0)',
    params: { payloadType: 96, encodingName: 'h264', clockRate: 90000, fmtp: { 'Profile-Level-Id': '420029', 'Sprop-Parameter-Sets': `${H264_SPS.toString('base64')},${H264_PPS.toString('base64')}` } },
    video: { codec: 'h264', width: 1280, height: 720 },
  },
  {
    name: 'camera puts Annex B start codes inside sprop-parameter-sets',
    params: { payloadType: 96, encodingName: 'H264', clockRate: 90000, fmtp: { 'sprop-parameter-sets': Buffer.concat([Buffer.from([0, 0, 0, 1]), H264_SPS, Buffer.from([0, 0, 0, 1]), H264_PPS]).toString('base64') } },
    video: { codec: 'h264', sps: H264_SPS, pps: H264_PPS, width: 1280 },
  },
  {
    name: 'broken SPS in sprop-parameter-sets: track kept, size unknown, profile from profile-level-id',
    params: { payloadType: 96, encodingName: 'H264', clockRate: 90000, fmtp: { 'profile-level-id': '4d401e', 'sprop-parameter-sets': 'Z01AHg==,aO48gA==' } },
    video: { codec: 'h264', profile: 77, level: 30 },
  },
  {
    name: 'H.264 interleaved mode is unsupported',
    params: { payloadType: 96, encodingName: 'H264', clockRate: 90000, fmtp: { 'packetization-mode': '2' } },
    video: null,
  },
  {
    name: 'H.265 with DONL (sprop-max-don-diff > 0) is unsupported',
    params: { payloadType: 96, encodingName: 'H265', clockRate: 90000, fmtp: { 'sprop-max-don-diff': '2' } },
    video: null,
  },
  {
    name: 'video at a clock other than 90 kHz is unsupported',
    params: { payloadType: 96, encodingName: 'H264', clockRate: 1000, fmtp: {} },
    video: null,
  },
  {
    name: 'AAC-lbr',
    params: { payloadType: 97, encodingName: 'mpeg4-generic', clockRate: 16000, channels: 1, fmtp: { mode: 'AAC-lbr', config: '1408' } },
    audio: { codec: 'aac', sampleRate: 16000, channels: 1 },
  },
  {
    name: 'AAC with CTS deltas is unsupported',
    params: { payloadType: 97, encodingName: 'MPEG4-GENERIC', clockRate: 48000, fmtp: { mode: 'AAC-hbr', sizelength: '13', ctsdeltalength: '16', config: '1190' } },
    audio: null,
  },
  {
    name: 'AAC with an unknown mode is unsupported',
    params: { payloadType: 97, encodingName: 'MPEG4-GENERIC', clockRate: 48000, fmtp: { mode: 'CELP-cbr', config: '1190' } },
    audio: null,
  },
  {
    name: 'AAC with a garbage config: AAC LC from rtpmap',
    params: { payloadType: 97, encodingName: 'MPEG4-GENERIC', clockRate: 48000, channels: 2, fmtp: { mode: 'AAC-hbr', sizelength: '13', indexlength: '3', config: 'zz' } },
    audio: { codec: 'aac', sampleRate: 48000, channels: 2, config: Buffer.from('1190', 'hex') },
  },
  {
    name: 'MP4A-LATM is unsupported',
    params: { payloadType: 97, encodingName: 'MP4A-LATM', clockRate: 44100, fmtp: { config: '40002410' } },
    audio: null,
  },
  {
    name: 'G.722 is unsupported',
    params: { payloadType: 9, encodingName: 'G722', clockRate: 8000, fmtp: {} },
    audio: null,
  },
];

for (const c of offered) {
  test(`format offered: ${c.name}`, () => {
    if (c.video !== undefined) {
      const info = videoInfoFromRtpParams(c.params);
      if (c.video === null) assert.equal(info, null);
      else for (const [k, v] of Object.entries(c.video)) assert.deepEqual(info?.[k as keyof VideoTrackInfo], v, k);
    }
    if (c.audio !== undefined) {
      const info = audioInfoFromRtpParams(c.params);
      if (c.audio === null) assert.equal(info, null);
      else for (const [k, v] of Object.entries(c.audio)) assert.deepEqual(info?.[k as keyof AudioTrackInfo], v, k);
    }
    const supported = (c.video !== undefined ? c.video : c.audio) !== null;
    assert.equal(isRtpFormatSupported(c.params), supported);
    if (supported) assert.doesNotThrow(() => createDepacketizer(c.params));
    else assert.throws(() => createDepacketizer(c.params), RangeError);
  });
}

test('createPacketizer: H.264 params -> H264Packetizer sending sprop SPS/PPS before IDRs', () => {
  const params = rtpParamsForVideo({ codec: 'h264', sps: H264_SPS, pps: H264_PPS })!;
  const p = createPacketizer(params, IDENTITY);
  assert.ok(p instanceof H264Packetizer);
  const packets = p.packetize(videoFrame([h264Nalu(0x65, 50)], 0, true));
  const stap = RtpPacket.decode(packets[0]!).payload;
  assert.equal(stap[0]! & 0x1f, 24);
  assert.equal(stap.readUInt16BE(1), H264_SPS.length);
});

test('createPacketizer / createDepacketizer pick the codec classes', () => {
  assert.ok(createPacketizer(rtpParamsForAudio({ codec: 'pcmu', sampleRate: 8000, channels: 1 })!, IDENTITY) instanceof G711Packetizer);
  assert.ok(createDepacketizer(rtpParamsForVideo({ codec: 'h265' })!) instanceof H265Depacketizer);
  assert.ok(createDepacketizer(rtpParamsForAudio({ codec: 'aac', sampleRate: 48000, channels: 2 })!) instanceof AacDepacketizer);
  assert.throws(() => createPacketizer({ payloadType: 9, encodingName: 'G722', clockRate: 8000, fmtp: {} }, IDENTITY), RangeError);
  const lbr: RtpCodecParams = { payloadType: 97, encodingName: 'MPEG4-GENERIC', clockRate: 16000, fmtp: { mode: 'AAC-lbr', config: '1408' } };
  assert.throws(() => createPacketizer(lbr, IDENTITY), RangeError, 'we only send AAC-hbr');
});

test('AAC depacketizer from params: HE-AAC with SBR counts 2048 samples per AU at the output clock', () => {
  // AOT 5 (SBR), core 24 kHz stereo, extension 48 kHz, core AOT 2
  const params: RtpCodecParams = { payloadType: 97, encodingName: 'MPEG4-GENERIC', clockRate: 48000, channels: 2, fmtp: { mode: 'AAC-hbr', sizelength: '13', indexlength: '3', indexdeltalength: '3', config: '2b118800' } };
  assert.deepEqual(audioInfoFromRtpParams(params), { codec: 'aac', sampleRate: 48000, channels: 2, config: Buffer.from('2b118800', 'hex') });
  const d = createDepacketizer(params);
  const frames = pushAll(d, [rtp('0020 0010 0008 aabb cc', 1, 0, true)]);
  assert.deepEqual(frames.map((f) => f.pts), [0, (2048 * 1000) / 48000]);
});

test('AAC packetizer from params round-trips through the depacketizer from the same params', () => {
  const params = rtpParamsForAudio({ codec: 'aac', sampleRate: 48000, channels: 2, config: Buffer.from('1190', 'hex') })!;
  const p = createPacketizer(params, IDENTITY);
  const d = createDepacketizer(params);
  const frames = [audioFrame(Buffer.alloc(300, 1), 0), audioFrame(Buffer.alloc(310, 2), 1024 / 48)];
  const out = pushAll(d, frames.flatMap((f) => p.packetize(f)));
  assert.deepEqual(out.map((f) => f.payload), frames.map((f) => f.payload));
  assert.deepEqual(out.map((f) => f.pts), frames.map((f) => f.pts));
});
