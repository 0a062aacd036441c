/**
 * Cupola's RTSP client against Cupola's RTSP server in-process: play over TCP and UDP, re-push
 * with ANNOUNCE/RECORD (read back by ffmpeg), Basic and Digest auth on read and publish.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Frame, StreamDescription } from '../../protocols/media/frame.ts';
import { startRtspPlayer, type RtspPlayer } from '../../src/rtsp/client/rtsp-player.ts';
import { startRtspPusher } from '../../src/rtsp/client/rtsp-pusher.ts';
import { decoderErrors, killAllFfmpeg, readWithFfmpeg, runFfmpeg, syntheticCameraArgs, type FfmpegRun } from '../helpers/ffmpeg.ts';
import { startRtspHarness, waitLive, type RtspHarness } from './rtsp-harness.ts';
import { until as waitUntil } from '../helpers/wait.ts';

const until = (check: () => boolean, timeoutMs: number, what: string): Promise<void> => waitUntil(check, what, timeoutMs, 25);

interface Capture {
  frames: Frame[];
  description?: StreamDescription;
  player: RtspPlayer;
}

async function capture(url: string, transport: 'tcp' | 'udp', extra: { credentials?: { username: string; password: string } } = {}): Promise<Capture> {
  const c: Partial<Capture> & { frames: Frame[] } = { frames: [] };
  c.player = await startRtspPlayer({ url, transport, ...extra }, { onDescription: (d) => (c.description = d), onFrame: (f) => c.frames.push(f) });
  return c as Capture;
}

describe('RTSP client against the server', { timeout: 120_000 }, () => {
  let h: RtspHarness;
  let camera: FfmpegRun;
  const CAM = 'site1/cam1';
  before(async () => {
    h = await startRtspHarness({
      auth: {
        read: { credentials: [{ username: 'viewer', password: 'v pass' }], schemes: ['digest'] },
        publish: { credentials: [{ username: 'pub', password: 'p' }], schemes: ['basic'] },
      },
    });
    camera = runFfmpeg(syntheticCameraArgs(`rtsp://pub:p@127.0.0.1:${h.listener.port}/${CAM}`, { format: 'rtsp', seconds: 60, gop: 25 }));
    await waitLive(h.registry, CAM, 15_000);
  });
  after(async () => {
    await killAllFfmpeg();
    await h.close();
  });

  for (const transport of ['tcp', 'udp'] as const) {
    it(`plays over ${transport} with Digest credentials: description, keyframe first, both tracks, no loss`, async () => {
      const c = await capture(h.url(CAM), transport, { credentials: { username: 'viewer', password: 'v pass' } });
      try {
        await until(() => c.frames.filter((f) => f.track === 'video').length >= 30, 10_000, '30 video frames');
        assert.equal(c.description?.video?.codec, 'h264');
        assert.equal(c.description?.video?.height, 240);
        assert.equal(c.description?.audio?.codec, 'aac');
        assert.equal(c.frames.find((f) => f.track === 'video')?.keyframe, true);
        assert.ok(c.frames.some((f) => f.track === 'audio'));
        const video = c.frames.filter((f) => f.track === 'video');
        for (let i = 1; i < video.length; i++) assert.ok(video[i]!.dts > video[i - 1]!.dts, 'video dts increases');
        assert.equal(c.player.stats.packetsLost, 0);
        assert.deepEqual([...c.player.tracks].sort(), ['audio', 'video']);
      } finally {
        await c.player.close();
      }
    });
  }

  it('refuses wrong or missing read credentials with RTSP_CLIENT_AUTH_FAILED', async () => {
    await assert.rejects(startRtspPlayer({ url: h.url(CAM) }, { onDescription: () => {}, onFrame: () => {} }), { code: 'RTSP_CLIENT_AUTH_FAILED' });
    await assert.rejects(startRtspPlayer({ url: `rtsp://viewer:nope@127.0.0.1:${h.listener.port}/${CAM}` }, { onDescription: () => {}, onFrame: () => {} }), {
      code: 'RTSP_CLIENT_AUTH_FAILED',
    });
  });

  it('404 for an unknown path', async () => {
    await assert.rejects(startRtspPlayer({ url: `rtsp://viewer:v%20pass@127.0.0.1:${h.listener.port}/site1/none` }, { onDescription: () => {}, onFrame: () => {} }), {
      code: 'RTSP_CLIENT_BAD_STATUS',
    });
  });

  it('re-pushes what it plays with ANNOUNCE/RECORD (Basic publish auth); ffmpeg reads the copy cleanly', async () => {
    const OUT = 'site1/copy';
    const c = await capture(`rtsp://viewer:v%20pass@127.0.0.1:${h.listener.port}/${CAM}`, 'tcp');
    try {
      await until(() => c.description !== undefined, 5000, 'description');
      await assert.rejects(startRtspPusher({ url: h.url(OUT), description: c.description! }), { code: 'RTSP_CLIENT_AUTH_FAILED' });
      const pusher = await startRtspPusher({ url: h.url(OUT), description: c.description!, credentials: { username: 'pub', password: 'p' } });
      try {
        let sent = 0;
        const forward = setInterval(() => {
          for (; sent < c.frames.length; sent++) pusher.pushFrame(c.frames[sent]!);
        }, 10);
        try {
          await waitLive(h.registry, OUT, 5000);
          const probe = await readWithFfmpeg(`rtsp://viewer:v%20pass@127.0.0.1:${h.listener.port}/${OUT}`, { frames: 25, timeoutMs: 15_000, inputArgs: ['-rtsp_transport', 'tcp'] });
          assert.equal(probe.codec, 'h264', probe.stderr.slice(-1500));
          assert.equal(probe.width, 320);
          assert.ok(probe.videoFrames >= 25, `${probe.videoFrames} frames`);
          assert.deepEqual(decoderErrors(probe.stderr), []);
          assert.ok(pusher.stats.framesSent > 25);
          assert.equal(pusher.stats.framesDropped, 0);
        } finally {
          clearInterval(forward);
        }
      } finally {
        await pusher.close();
      }
      await until(() => h.registry.get(OUT)?.publisher == null, 5000, 'publisher gone after TEARDOWN');
    } finally {
      await c.player.close();
    }
  });

  it('pushed tracks stay aligned: audio starting 500 ms after video arrives 500 ms later (sender reports)', async () => {
    const OUT = 'site1/late-audio';
    const c = await capture(`rtsp://viewer:v%20pass@127.0.0.1:${h.listener.port}/${CAM}`, 'tcp');
    const firsts = new Map<string, number>();
    const onUp = (s: { path: string; subscribe: (sink: never) => unknown }): void => {
      if (s.path !== OUT) return;
      const sink = { onDescription: () => {}, onEnd: () => {}, onFrame: (f: Frame) => void (firsts.has(f.track) || firsts.set(f.track, f.dts)) };
      s.subscribe(sink as never);
    };
    h.registry.on('stream.up', onUp as never);
    try {
      await until(() => c.frames.filter((f) => f.track === 'video').length >= 30, 10_000, 'frames');
      const video0 = c.frames.find((f) => f.track === 'video')!.dts;
      const pusher = await startRtspPusher({ url: h.url(OUT), description: c.description!, credentials: { username: 'pub', password: 'p' } });
      try {
        for (const f of c.frames) if (f.track === 'video' || f.dts >= video0 + 500) pusher.pushFrame(f);
        await until(() => firsts.size === 2, 5000, 'both tracks published');
      } finally {
        await pusher.close();
      }
      const skew = firsts.get('audio')! - firsts.get('video')!;
      assert.ok(Math.abs(skew - 500) < 30, `audio starts ${skew} ms after video`);
    } finally {
      h.registry.off('stream.up', onUp as never);
      await c.player.close();
    }
  });

  it('a second publisher on a busy path is refused', async () => {
    const desc = h.registry.get(CAM)!.description!;
    await assert.rejects(startRtspPusher({ url: h.url(CAM), description: desc, credentials: { username: 'pub', password: 'p' } }), { code: 'RTSP_CLIENT_BAD_STATUS' });
    assert.equal(camera.proc.exitCode, null, 'the camera keeps publishing');
  });
});
