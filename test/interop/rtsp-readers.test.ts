/**
 * 50 RTSP readers on one camera: every reader starts at a keyframe and keeps up; the stream is
 * packetized once (one shared output); ffmpeg reading alongside decodes cleanly; readers leaving
 * release the output.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Frame } from '../../protocols/media/frame.ts';
import { startRtspPlayer, type RtspPlayer } from '../../src/rtsp/client/rtsp-player.ts';
import { RTSP_OUTPUT_KEY } from '../../src/rtsp/output/rtsp-play-output.ts';
import { decoderErrors, killAllFfmpeg, readWithFfmpeg, runFfmpeg, syntheticCameraArgs } from '../helpers/ffmpeg.ts';
import { startRtspHarness, waitLive, type RtspHarness } from './rtsp-harness.ts';
import { until } from '../helpers/wait.ts';

const READERS = 50;

describe('50 RTSP readers on one camera', { timeout: 120_000 }, () => {
  let h: RtspHarness;
  const CAM = 'site1/cam50';
  before(async () => {
    h = await startRtspHarness();
    runFfmpeg(syntheticCameraArgs(h.url(CAM), { format: 'rtsp', seconds: 60, gop: 25 }));
    await waitLive(h.registry, CAM, 15_000);
  });
  after(async () => {
    await killAllFfmpeg();
    await h.close();
  });

  it('all readers get frames from a keyframe on, over TCP and UDP, from one shared output', async () => {
    const frames: Frame[][] = [];
    const players: RtspPlayer[] = [];
    let created = 0;
    const stream = h.registry.get(CAM)!;
    const original = stream.output.bind(stream);
    stream.output = ((key: string, create: () => never) => original(key, () => (key === RTSP_OUTPUT_KEY && created++, create()))) as typeof stream.output;
    try {
      for (let i = 0; i < READERS; i++) {
        const got: Frame[] = [];
        frames.push(got);
        players.push(await startRtspPlayer({ url: h.url(CAM), transport: i % 5 === 0 ? 'udp' : 'tcp' }, { onDescription: () => {}, onFrame: (f) => got.push(f) }));
      }
      assert.equal(stream.readerCount('rtsp'), READERS);
      const probe = await readWithFfmpeg(h.url(CAM), { frames: 25, timeoutMs: 15_000, inputArgs: ['-rtsp_transport', 'tcp'] });
      assert.ok(probe.videoFrames >= 25);
      assert.deepEqual(decoderErrors(probe.stderr), []);
      const videoCounts = (): number[] => frames.map((f) => f.filter((x) => x.track === 'video').length);
      await until(() => videoCounts().every((n) => n >= 25), () => `25 video frames per reader (${videoCounts().join(', ')})`, 10_000, 50);
      for (const [i, got] of frames.entries()) {
        const video = got.filter((f) => f.track === 'video');
        assert.ok(video.length >= 25, `reader ${i}: ${video.length} video frames`);
        assert.equal(video[0]?.keyframe, true, `reader ${i} starts at a keyframe`);
        assert.equal(players[i]!.stats.packetsLost, 0, `reader ${i} lost packets`);
      }
      assert.equal(created, 1, 'one packetizing output for all readers');
      assert.equal(stream.stats.framesDropped, 0);
    } finally {
      await Promise.all(players.map((p) => p.close()));
      stream.output = original;
    }
    await until(() => stream.readerCount('rtsp') === 0, () => `no RTSP reader left (${stream.readerCount('rtsp')})`, 5000, 25);
    assert.equal(stream.readerCount('rtsp'), 0);
    assert.equal(h.listener.sessionCount, 1, 'only the camera (publisher) session is left');
  });
});
