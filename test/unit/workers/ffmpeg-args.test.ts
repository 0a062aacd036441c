import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';
import { buildFfmpegArgs, encoderName, pipeContainer, videoFilter, PROGRESS_FD } from '../../../workers/ffmpeg-args.ts';
import { DEFAULT_COMPRESSION_PROFILE, type CompressionProfile } from '../../../workers/messages.ts';

const base: CompressionProfile = {
  id: 't',
  codec: 'h264',
  bitrateKbps: 500,
  maxrateKbps: 750,
  bufsizeKbps: 1000,
  gopFrames: 50,
  preset: 'veryfast',
  tune: 'zerolatency',
  audio: 'drop',
};

/** The value following `flag` (first occurrence). */
function after(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i === -1 ? undefined : args[i + 1];
}

describe('videoFilter', () => {
  const cases: Array<[string, Partial<CompressionProfile>, string]> = [
    ['no resize keeps the size', {}, 'format=yuv420p'],
    ['height only keeps the aspect, never upscales', { height: 480 }, "scale=-2:'2*trunc(min(480,ih)/2)',setsar=1,format=yuv420p"],
    ['width only keeps the aspect, never upscales', { width: 640 }, "scale='2*trunc(min(640,iw)/2)':-2,setsar=1,format=yuv420p"],
    ['both set: fits inside the box, keeps the aspect', { width: 640, height: 360 }, "scale='2*trunc(min(iw,min(640,360*iw/ih))/2)':-2,setsar=1,format=yuv420p"],
    ['fps before scale', { fps: 10, height: 360 }, "fps=10,scale=-2:'2*trunc(min(360,ih)/2)',setsar=1,format=yuv420p"],
    ['vaapi uploads nv12', { codec: 'h264_vaapi', height: 360 }, "scale=-2:'2*trunc(min(360,ih)/2)',setsar=1,format=nv12,hwupload"],
  ];
  for (const [name, over, want] of cases) {
    it(name, () => assert.equal(videoFilter({ ...base, ...over }), want));
  }
});

describe('videoFilter sizes with the bundled ffmpeg (one lavfi frame each)', () => {
  /** The size libx264 encodes one frame of a `input` camera at, through the profile's filter. */
  function encodedSize(input: string, over: Partial<CompressionProfile>): string {
    return encoded(input, over).size;
  }
  /** Size and sample aspect ratio of the encoded frame, as ffmpeg prints them. */
  function encoded(input: string, over: Partial<CompressionProfile>): { size: string; sar: string } {
    const r = spawnSync(ffmpegInstaller.path, [
      '-hide_banner', '-f', 'lavfi', '-i', `testsrc2=size=${input}:rate=5`, '-frames:v', '1',
      '-vf', videoFilter({ ...base, ...over }), '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'null', '-',
    ], { encoding: 'utf8', timeout: 20_000 });
    const m = /Stream #0:0: Video: h264 \(libx264\)[^\n]*?, (\d+x\d+)(?: \[SAR (\d+:\d+))?/.exec(r.stderr);
    assert.ok(m !== null, r.stderr.slice(-1500));
    return { size: m[1]!, sar: m[2] ?? '1:1' };
  }
  // Issue 16.11: without setsar=1, 1280x720 -> 854x480 is flagged SAR 1280:1281.
  it('scaled pictures keep square pixels (SAR 1:1)', () => {
    for (const [input, over] of [['1280x720', { height: 480 }], ['1920x1080', { height: 480 }], ['1280x720', { width: 640, height: 480 }]] as const) {
      assert.deepEqual(encoded(input, over), { size: encoded(input, over).size, sar: '1:1' }, `${input} with ${JSON.stringify(over)}`);
    }
  });
  const cases: Array<[string, string, Partial<CompressionProfile>, string]> = [
    ['downscales keeping 16:9', '1280x720', { height: 480 }, '854x480'],
    ['a smaller camera is not upscaled', '320x240', { height: 480 }, '320x240'],
    ['width bound, smaller camera kept', '320x240', { width: 640 }, '320x240'],
    ['box: fits 16:9 inside 640x480', '1280x720', { width: 640, height: 480 }, '640x360'],
    ['box: portrait camera fits by height', '480x640', { width: 640, height: 480 }, '360x480'],
    ['odd camera size rounded down to even', '331x251', { height: 480 }, '330x250'],
  ];
  for (const [name, input, over, want] of cases) {
    it(name, () => assert.equal(encodedSize(input, over), want));
  }
});

describe('buildFfmpegArgs', () => {
  it('h264 to the worker pipe: rtsp over tcp in, flv out, rate control, GOP, tune, progress', () => {
    const args = buildFfmpegArgs({ inputUrl: 'rtsp://127.0.0.1:8554/site1/cam1', profile: base, output: { kind: 'frames' } });
    assert.equal(after(args, '-rtsp_transport'), 'tcp');
    assert.ok(args.indexOf('-rtsp_transport') < args.indexOf('-i'), 'input option before -i');
    assert.equal(after(args, '-flags'), 'low_delay', 'no frame-threaded decoding delay');
    assert.ok(args.indexOf('-flags') < args.indexOf('-i'));
    assert.equal(after(args, '-i'), 'rtsp://127.0.0.1:8554/site1/cam1');
    assert.equal(after(args, '-c:v'), 'libx264');
    assert.equal(after(args, '-b:v'), '500k');
    assert.equal(after(args, '-maxrate'), '750k');
    assert.equal(after(args, '-bufsize'), '1000k');
    assert.equal(after(args, '-g'), '50');
    assert.equal(after(args, '-keyint_min'), '50');
    assert.equal(after(args, '-preset'), 'veryfast');
    assert.equal(after(args, '-tune'), 'zerolatency');
    assert.match(after(args, '-x264-params') ?? '', /scenecut=0/);
    assert.equal(after(args, '-progress'), `pipe:${PROGRESS_FD}`);
    assert.ok(args.includes('-an'));
    assert.deepEqual(args.slice(-7), ['-flush_packets', '1', '-f', 'flv', '-flvflags', 'no_duration_filesize', 'pipe:1']);
    assert.ok(args.includes('-nostdin'));
  });

  it('one decoder thread and one x264 thread unless the profile sets threads (0: the encoder chooses)', () => {
    /** `-threads` values before and after `-i`: the decoder's and the encoder's. */
    const threads = (args: readonly string[]): [string | undefined, string | undefined] => {
      const input = args.indexOf('-i');
      return [after(args.slice(0, input), '-threads'), after(args.slice(input), '-threads')];
    };
    const url = 'rtsp://127.0.0.1:8554/site1/cam1';
    assert.deepEqual(threads(buildFfmpegArgs({ inputUrl: url, profile: base, output: { kind: 'frames' } })), ['1', '1']);
    assert.deepEqual(threads(buildFfmpegArgs({ inputUrl: url, profile: { ...base, threads: 0 }, output: { kind: 'frames' } })), ['1', '0']);
    assert.deepEqual(threads(buildFfmpegArgs({ inputUrl: url, profile: { ...base, threads: 4 }, output: { kind: 'frames' } })), ['1', '4']);
    const x265 = buildFfmpegArgs({ inputUrl: url, profile: { ...base, codec: 'h265', threads: 4 }, output: { kind: 'frames' } });
    assert.deepEqual(threads(x265), ['1', undefined], 'ffmpeg 4.1 libx265 ignores -threads: not passed');
    const vaapi = buildFfmpegArgs({ inputUrl: url, profile: { ...base, codec: 'h264_vaapi', threads: 4 }, output: { kind: 'frames' } });
    assert.deepEqual(threads(vaapi), ['1', undefined], 'a GPU encoder has no thread option');
    assert.equal(DEFAULT_COMPRESSION_PROFILE.threads, 1);
    assert.equal(DEFAULT_COMPRESSION_PROFILE.preset, 'superfast');
  });

  it('h265 goes through MPEG-TS (FLV cannot carry HEVC in ffmpeg 4.1) with in-band headers', () => {
    const args = buildFfmpegArgs({ inputUrl: 'rtsp://h/x', profile: { ...base, codec: 'h265' }, output: { kind: 'frames' } });
    assert.equal(after(args, '-c:v'), 'libx265');
    const x265 = after(args, '-x265-params') ?? '';
    for (const p of ['keyint=50', 'min-keyint=50', 'scenecut=0', 'repeat-headers=1']) assert.ok(x265.includes(p), p);
    assert.deepEqual(args.slice(-7), ['-f', 'mpegts', '-omit_video_pes_length', '0', '-pes_payload_size', '0', 'pipe:1']);
  });

  it('vaapi: device before the input, no preset or tune, no B-frames', () => {
    const args = buildFfmpegArgs({ inputUrl: 'rtsp://h/x', profile: { ...base, codec: 'hevc_vaapi' }, output: { kind: 'frames' } });
    assert.ok(args.indexOf('-vaapi_device') < args.indexOf('-i'));
    assert.equal(after(args, '-c:v'), 'hevc_vaapi');
    assert.equal(after(args, '-bf'), '0');
    assert.ok(!args.includes('-preset') && !args.includes('-tune'));
  });

  it('audio copy and aac map the first audio stream optionally', () => {
    const copy = buildFfmpegArgs({ inputUrl: 'x', profile: { ...base, audio: 'copy' }, output: { kind: 'frames' } });
    assert.equal(after(copy, '-c:a'), 'copy');
    assert.ok(copy.includes('0:a:0?'));
    const aac = buildFfmpegArgs({ inputUrl: 'x', profile: { ...base, audio: 'aac', audioBitrateKbps: 96 }, output: { kind: 'frames' } });
    assert.equal(after(aac, '-c:a'), 'aac');
    assert.equal(after(aac, '-b:a'), '96k');
    const aacDefault = buildFfmpegArgs({ inputUrl: 'x', profile: { ...base, audio: 'aac' }, output: { kind: 'frames' } });
    assert.equal(after(aacDefault, '-b:a'), '64k');
  });

  it('push output: RTSP ANNOUNCE/RECORD over TCP', () => {
    const args = buildFfmpegArgs({ inputUrl: 'rtsp://a/x', profile: base, output: { kind: 'push', url: 'rtsp://b:8555/x' } });
    assert.deepEqual(args.slice(-5), ['-f', 'rtsp', '-rtsp_transport', 'tcp', 'rtsp://b:8555/x']);
  });

  it('non-RTSP inputs get no RTSP options; explicit input args win', () => {
    const file = buildFfmpegArgs({ inputUrl: 'rtmp://h/app/x', profile: base, output: { kind: 'frames' } });
    assert.ok(!file.includes('-rtsp_transport'));
    const lavfi = buildFfmpegArgs({ inputUrl: 'testsrc2', inputArgs: ['-re', '-f', 'lavfi'], profile: base, output: { kind: 'frames' } });
    assert.deepEqual(lavfi.slice(lavfi.indexOf('-re'), lavfi.indexOf('-i') + 2), ['-re', '-f', 'lavfi', '-i', 'testsrc2']);
  });

  it('empty tune is left out', () => {
    const args = buildFfmpegArgs({ inputUrl: 'x', profile: { ...base, tune: '' }, output: { kind: 'frames' } });
    assert.ok(!args.includes('-tune'));
  });

  it('the default profile is h264 through FLV with tune zerolatency', () => {
    assert.equal(encoderName(DEFAULT_COMPRESSION_PROFILE.codec), 'libx264');
    assert.equal(pipeContainer(DEFAULT_COMPRESSION_PROFILE.codec), 'flv');
    assert.equal(DEFAULT_COMPRESSION_PROFILE.tune, 'zerolatency');
    assert.ok(DEFAULT_COMPRESSION_PROFILE.maxrateKbps >= DEFAULT_COMPRESSION_PROFILE.bitrateKbps);
  });
});
