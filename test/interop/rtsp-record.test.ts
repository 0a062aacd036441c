/**
 * ffmpeg pushes `-f rtsp` (TCP and UDP) into a publish-enabled listener (Factory 2's role); the
 * stream is read back over RTSP by ffmpeg (TCP and UDP) and by Cupola's own RTSP client.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Frame, StreamDescription } from '../../protocols/media/frame.ts';
import { startRtspPlayer } from '../../src/rtsp/client/rtsp-player.ts';
import { decoderErrors, killAllFfmpeg, readWithFfmpeg, runFfmpeg, syntheticCameraArgs } from '../helpers/ffmpeg.ts';
import { startRtspHarness, waitLive, type RtspHarness } from './rtsp-harness.ts';
import { until } from '../helpers/wait.ts';

describe('RTSP record (ffmpeg push) and play back', { timeout: 120_000 }, () => {
  let h: RtspHarness;
  before(async () => {
    h = await startRtspHarness();
  });
  after(async () => {
    await killAllFfmpeg();
    await h.close();
  });

  for (const push of ['tcp', 'udp'] as const) {
    it(`ffmpeg pushes over ${push}; ffmpeg reads over tcp and udp; Cupola's client reads`, async () => {
      const path = `site1/push-${push}`;
      const pusher = runFfmpeg(syntheticCameraArgs(h.url(path), { format: 'rtsp', rtspTransport: push, seconds: 20, gop: 25 }));
      try {
        await waitLive(h.registry, path, 15_000);
        const desc = h.registry.get(path)!.description!;
        assert.equal(desc.video?.codec, 'h264');
        assert.equal(desc.video?.width, 320);
        assert.equal(desc.audio?.codec, 'aac');
        for (const read of ['tcp', 'udp'] as const) {
          const probe = await readWithFfmpeg(h.url(path), { frames: 30, timeoutMs: 15_000, inputArgs: ['-rtsp_transport', read] });
          assert.equal(probe.codec, 'h264', probe.stderr.slice(-2000));
          assert.equal(probe.width, 320);
          assert.equal(probe.height, 240);
          assert.equal(probe.audioCodec, 'aac');
          assert.ok(probe.videoFrames >= 30, `${read}: ${probe.videoFrames} frames`);
          assert.deepEqual(decoderErrors(probe.stderr), [], `${read} reader saw decoder errors`);
        }
        const frames: Frame[] = [];
        let description: StreamDescription | undefined;
        const player = await startRtspPlayer({ url: h.url(path) }, { onDescription: (d) => (description = d), onFrame: (f) => frames.push(f) });
        try {
          await until(() => frames.filter((f) => f.track === 'video').length >= 25, () => `25 video frames (client got ${frames.filter((f) => f.track === 'video').length})`, 10_000, 50);
          const video = frames.filter((f) => f.track === 'video');
          assert.ok(video.length >= 25, `client got ${video.length} video frames`);
          assert.equal(video[0]?.keyframe, true, 'client starts at a keyframe (GOP cache)');
          assert.ok(frames.some((f) => f.track === 'audio'));
          assert.equal(description?.video?.width, 320);
          assert.equal(player.stats.packetsLost, 0);
        } finally {
          await player.close();
        }
      } finally {
        await pusher.stop();
      }
    });
  }
});
