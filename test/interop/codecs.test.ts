/**
 * Codecs beyond H.264 + AAC, and protocol crossings, with the real ffmpeg against in-process RTMP
 * and RTSP listeners sharing one registry: G.711 A-law / µ-law and MP3 published over RTMP are
 * passed through to RTMP and RTSP readers; an H.264 + AAC stream pushed over RTSP is read back
 * over RTMP; an H.265 stream pushed over RTSP is read back over RTSP (ffmpeg) and RTMP (Enhanced
 * RTMP 'hvc1', our client: the bundled ffmpeg predates Enhanced RTMP).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Frame, StreamDescription } from '../../protocols/media/frame.ts';
import { RtmpClient } from '../../src/rtmp/client/rtmp-client.ts';
import { startRtmpListener, type RtmpListener } from '../../src/rtmp/server/rtmp-listener.ts';
import { startRtspListener, type RtspListener } from '../../src/rtsp/server/rtsp-listener.ts';
import { createLogger, silentLogger } from '../../src/log/logger.ts';
import { StreamRegistry } from '../../src/streams/registry.ts';
import { decoderErrors, killAllFfmpeg, readWithFfmpeg, runFfmpeg, type ProbeResult } from '../helpers/ffmpeg.ts';
import { waitLive } from './rtsp-harness.ts';

const log = process.env['CUPOLA_TEST_LOGS'] === '1' ? createLogger('debug') : silentLogger;

/** testsrc2 320x240 25 fps (GOP 25) plus a sine encoded with `audio` (codec args), published in real time. */
function cameraArgs(audio: string[], video: string[], out: string[]): string[] {
  return [
    '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
    '-t', '30',
    ...video, '-g', '25', '-keyint_min', '25', '-sc_threshold', '0',
    ...audio,
    ...out,
  ];
}
const X264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p'];
const X265 = ['-c:v', 'libx265', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-x265-params', 'log-level=error'];

/** Decodes video and audio for `frames` video frames; asserts the banner and a clean decode. */
async function readBoth(url: string, inputArgs: string[], expect: { video: string; audio?: string }, frames = 30): Promise<ProbeResult> {
  const r = await readWithFfmpeg(url, { frames, timeoutMs: 15_000, inputArgs, extraArgs: expect.audio === undefined ? [] : ['-map', '0:a:0'] });
  const what = `${url} ${inputArgs.join(' ')}`;
  assert.equal(r.codec, expect.video, `${what}: video codec\n${r.stderr.slice(-2000)}`);
  assert.equal(r.width, 320, what);
  assert.equal(r.height, 240, what);
  if (expect.audio !== undefined) assert.equal(r.audioCodec, expect.audio, `${what}: audio codec\n${r.stderr.slice(-2000)}`);
  assert.ok(r.videoFrames >= frames, `${what}: ${r.videoFrames} frames`);
  assert.deepEqual(decoderErrors(r.stderr), [], `${what}: decoder errors`);
  return r;
}

describe('codecs and protocol crossings with ffmpeg', { timeout: 150_000 }, () => {
  let registry: StreamRegistry;
  let rtmp: RtmpListener;
  let rtsp: RtspListener;
  const rtmpUrl = (path: string): string => `rtmp://127.0.0.1:${rtmp.port}/${path}`;
  const rtspUrl = (path: string): string => `rtsp://127.0.0.1:${rtsp.port}/${path}`;

  before(async () => {
    registry = new StreamRegistry('raw', { unpublishedGraceMs: 500 });
    rtmp = await startRtmpListener({ port: 0, host: '127.0.0.1' }, { registry, log });
    rtsp = await startRtspListener({ port: 0, host: '127.0.0.1', allowPublish: true }, { registry, log });
  });
  after(async () => {
    await killAllFfmpeg();
    await rtmp.close();
    await rtsp.close();
    registry.close();
  });

  for (const c of [
    { name: 'G.711 A-law', args: ['-c:a', 'pcm_alaw', '-ar', '8000', '-ac', '1'], rtmp: 'pcm_alaw', rtsp: 'pcm_alaw', codec: 'pcma' },
    { name: 'G.711 µ-law', args: ['-c:a', 'pcm_mulaw', '-ar', '8000', '-ac', '1'], rtmp: 'pcm_mulaw', rtsp: 'pcm_mulaw', codec: 'pcmu' },
    { name: 'MP3', args: ['-c:a', 'libmp3lame', '-b:a', '64k', '-ar', '44100', '-ac', '1'], rtmp: 'mp3', rtsp: 'mp3', codec: 'mp3' },
  ]) {
    it(`${c.name} published over RTMP passes through to RTMP and RTSP (tcp, udp) readers`, async () => {
      const path = `site1/${c.codec}`;
      const pub = runFfmpeg(cameraArgs(c.args, X264, ['-f', 'flv', rtmpUrl(path)]));
      try {
        await waitLive(registry, path, 15_000);
        const desc = registry.get(path)!.description!;
        assert.equal(desc.audio?.codec, c.codec);
        await readBoth(rtmpUrl(path), [], { video: 'h264', audio: c.rtmp });
        await readBoth(rtspUrl(path), ['-rtsp_transport', 'tcp'], { video: 'h264', audio: c.rtsp });
        await readBoth(rtspUrl(path), ['-rtsp_transport', 'udp'], { video: 'h264', audio: c.rtsp });
      } finally {
        await pub.stop();
      }
    });
  }

  it('H.264 + AAC pushed over RTSP is read back over RTMP', async () => {
    const path = 'site1/pushed-to-rtmp';
    const pub = runFfmpeg(cameraArgs(['-c:a', 'aac', '-b:a', '64k', '-ar', '44100', '-ac', '1'], X264, ['-f', 'rtsp', '-rtsp_transport', 'tcp', rtspUrl(path)]));
    try {
      await waitLive(registry, path, 15_000);
      await readBoth(rtmpUrl(path), [], { video: 'h264', audio: 'aac' });
    } finally {
      await pub.stop();
    }
  });

  it('H.265 pushed over RTSP is read back over RTSP by ffmpeg and over Enhanced RTMP by our client', async () => {
    const path = 'site1/hevc';
    const pub = runFfmpeg(cameraArgs(['-an'], X265, ['-f', 'rtsp', '-rtsp_transport', 'tcp', rtspUrl(path)]));
    try {
      await waitLive(registry, path, 20_000);
      await readBoth(rtspUrl(path), ['-rtsp_transport', 'tcp'], { video: 'hevc' }, 25);
      const frames: Frame[] = [];
      let description: StreamDescription | undefined;
      const client = RtmpClient.play(rtmpUrl(path), { onDescription: (d) => (description = d), onFrame: (f) => frames.push(f), onClose: () => {} });
      try {
        for (let i = 0; i < 200 && frames.length < 25; i++) await new Promise((r) => setTimeout(r, 50));
        assert.ok(frames.length >= 25, `RTMP client got ${frames.length} frames`);
        assert.equal(description?.video?.codec, 'h265');
        assert.equal(description?.video?.width, 320);
        assert.equal(frames[0]?.keyframe, true, 'starts at a keyframe');
      } finally {
        client.close();
      }
    } finally {
      await pub.stop();
    }
  });
});
