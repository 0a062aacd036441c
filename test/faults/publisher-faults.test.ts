/**
 * Fault suite: publishers that misbehave, with a real slave and master.
 *   - A camera that flaps: published ~2 s, killed, republished, for FLAP_MS (12 s in `npm test`,
 *     CUPOLA_FAULT_FLAP_MS=60000 for the long run). Each return is timed to the first frame at
 *     readers of the slave and of the master; camera B, untouched, loses nothing on either; no
 *     reader is left behind on the slave afterwards.
 *   - A camera whose timestamps jump backwards, stall (the same timestamp for a second), jump an
 *     hour forward and wrap the 32-bit RTMP clock: a publisher built on the project's RtmpClient
 *     sending real x264 frames with crafted timestamps. Readers (RTMP and RTSP on the slave, RTMP on
 *     the master, and ffmpeg decoding over RTSP) keep receiving through every phase; the server
 *     stays up. Documented behaviour (docs/operations.md): timestamps are passed on as the camera
 *     sent them, only made monotonic where the output needs it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RtmpClient } from '../../src/rtmp/client/rtmp-client.ts';
import { FlvDemuxer } from '../../protocols/flv/flv-demuxer.ts';
import { FlvToFrames } from '../../protocols/flv/to-frames.ts';
import type { Frame, StreamDescription } from '../../protocols/media/frame.ts';
import { ffmpegPath, killAllFfmpeg, runFfmpeg, waitExit, type FfmpegRun } from '../helpers/ffmpeg.ts';
import { meter, type FrameMeter } from '../helpers/frame-meter.ts';
import { startServer, stopAllServers, waitFor, type ServerProcess } from '../helpers/server.ts';
import { FLAP_MS, FPS, FRAME_MS, assertUntouched, camera, framesAfter, json, liveStream, report, resumedAt, stopMeters, suiteTimeout } from './fault-kit.ts';

const A = 'site1/flapper';
const B = 'site1/steady';
const T = 'site1/timewarp';

/** Two seconds of real x264 video (160x120, 25 fps, GOP 25) as frames, from the bundled ffmpeg. */
async function x264Frames(): Promise<{ description: StreamDescription; frames: Frame[] }> {
  const chunks: Buffer[] = [];
  const run = runFfmpeg(
    ['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25', '-t', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '25', '-pix_fmt', 'yuv420p', '-f', 'flv', 'pipe:1'],
    { stdout: (b) => chunks.push(b) },
  );
  const { code } = await waitExit(run, 20_000);
  assert.equal(code, 0, `${ffmpegPath}: ${run.stderr()}`);
  let description: StreamDescription | undefined;
  const frames: Frame[] = [];
  const conv = new FlvToFrames();
  new FlvDemuxer((t) => {
    const r = conv.pushTag(t.type, t.timestampMs, t.body);
    if (r.description !== undefined) description = r.description;
    frames.push(...r.frames);
  }).push(Buffer.concat(chunks));
  assert.ok(description?.video !== undefined && frames.length >= 50, `${frames.length} frames`);
  return { description, frames };
}

interface Phase {
  readonly name: string;
  readonly frames: number;
  /** Timestamp (ms) of the phase's k-th frame, given the last one sent before it. */
  readonly ts: (k: number, last: number) => number;
}

const WRAP = 2 ** 32;
const PHASES: readonly Phase[] = [
  { name: 'steady', frames: 50, ts: (k, last) => (k === 0 ? 0 : last + FRAME_MS) },
  { name: 'jump back 2 s', frames: 50, ts: (k, last) => (k === 0 ? Math.max(0, last - 2000) : last + FRAME_MS) },
  { name: 'stall (same timestamp for 1 s)', frames: 25, ts: (k, last) => last },
  { name: 'jump forward 1 h', frames: 50, ts: (k, last) => (k === 0 ? last + 3_600_000 : last + FRAME_MS) },
  { name: '32-bit wrap', frames: 50, ts: (k, last) => (k === 0 ? WRAP - 1000 : (last + FRAME_MS) % WRAP) },
  { name: 'steady after', frames: 50, ts: (k, last) => last + FRAME_MS },
];

describe('fault suite: misbehaving publishers (flapping, timestamps jumping and stalling)', { timeout: suiteTimeout(120000, 0) }, () => {
  let slave: ServerProcess;
  let master: ServerProcess;
  const meters: FrameMeter[] = [];
  const track = (m: FrameMeter): FrameMeter => {
    meters.push(m);
    return m;
  };

  before(async () => {
    slave = await startServer({ role: 'slave', args: ['--no-compress'] });
    master = await startServer({ role: 'master', args: ['--upstream', `http://127.0.0.1:${slave.ports.api}`, '--failover-after', '600000'] });
  });

  after(async () => {
    await stopMeters(...meters);
    await killAllFfmpeg();
    await stopAllServers();
  });

  it(`a camera flapping every ~2 s for ${FLAP_MS / 1000} s: every return reaches slave and master readers; B loses nothing`, async () => {
    camera(slave.rtmpUrl(B));
    let flapper: FfmpegRun = camera(slave.rtmpUrl(A));
    await waitFor(async () => (await liveStream(master, 'raw', A)) !== undefined && (await liveStream(master, 'raw', B)) !== undefined, 30_000, 'both cameras on the master', 200);
    const hitSlave = track(meter(slave.rtmpUrl(A), { reconnect: true }));
    const hitMaster = track(meter(master.rtmpUrl(A), { reconnect: true }));
    const bSlave = track(meter(slave.rtmpUrl(B)));
    const bMaster = track(meter(master.rtmpUrl(B)));
    await Promise.all([hitSlave, hitMaster, bSlave, bMaster].map((m) => framesAfter(m.log, 0, 10, 20_000, 'a reader')));
    const from = [bSlave.log.frames, bMaster.log.frames];
    const recovery: number[] = [];
    const recoveryMaster: number[] = [];
    const t0 = Date.now();
    while (Date.now() - t0 < FLAP_MS) {
      await flapper.stop();
      await waitFor(async () => (await liveStream(slave, 'raw', A)) === undefined, 10_000, 'the flapper gone');
      const upAt = Date.now();
      flapper = camera(slave.rtmpUrl(A));
      const [s, m] = await Promise.all([
        waitFor(() => resumedAt(hitSlave.log, upAt), 15_000, 'the flapper back at the slave reader', 20),
        waitFor(() => resumedAt(hitMaster.log, upAt), 15_000, 'the flapper back at the master reader', 20),
      ]);
      recovery.push(s - upAt);
      recoveryMaster.push(m - upAt);
      // Up for about 2 s in all.
      await new Promise((r) => setTimeout(r, Math.max(0, 2000 - (Date.now() - upAt))));
    }
    const seconds = (Date.now() - t0) / 1000;
    let lost = assertUntouched('slave B', bSlave.log, from[0]!, Math.floor(seconds * 10));
    lost += assertUntouched('master B', bMaster.log, from[1]!, Math.floor(seconds * 10));
    report('publisher flapping (slave reader)', recovery, lost, { measured: 'camera republishes -> first frame at a slave reader', seconds });
    report('publisher flapping (master reader)', recoveryMaster, lost, { measured: 'camera republishes -> first frame at a master reader', seconds });
    await stopMeters(hitSlave, hitMaster);
    // Readers that left are gone from the stream: only the two meters of B remain on the slave's B,
    // and A ends with none of ours (the master's replication pull only).
    let seen: unknown;
    const a = await waitFor(async () => {
      const { items } = await json<{ items: { path: string; readers: { rtmp?: number; rtsp?: number } }[] }>(slave.apiUrl('/api/v1/streams?factory=raw'));
      const x = items.find((i) => i.path === A);
      seen = x;
      return x !== undefined && (x.readers.rtmp ?? 0) + (x.readers.rtsp ?? 0) <= 1 ? x : undefined;
    }, 10_000, 'no reader left behind on the flapper').catch((err: unknown) => {
      throw new Error(`${String(err)}: ${JSON.stringify(seen)}`);
    });
    assert.ok((a.readers.rtmp ?? 0) + (a.readers.rtsp ?? 0) <= 1, JSON.stringify(a.readers));
  });

  it('a camera whose timestamps jump back, stall, jump forward and wrap: every reader keeps receiving, the server stays up', async () => {
    const { description, frames } = await x264Frames();
    let closed: Error | null | undefined;
    const pub = RtmpClient.publish(slave.rtmpUrl(T), { onClose: (e) => (closed = e) });
    await waitFor(() => pub.started, 10_000, 'the crafted publisher started');
    pub.setDescription(description);
    const phaseStarts: { name: string; at: number }[] = [];
    let sent = 0;
    let last = 0;
    const readers: Record<string, FrameMeter> = {};
    let ffmpegReader: FfmpegRun | undefined;
    let decodedFrames = 0;
    const send = (ts: number): void => {
      const f = frames[sent % frames.length]!;
      pub.pushFrame({ ...f, dts: ts, pts: ts + (f.pts - f.dts) });
      sent++;
      last = ts;
    };
    const started = Date.now();
    for (const [p, phase] of PHASES.entries()) {
      phaseStarts.push({ name: phase.name, at: Date.now() });
      for (let k = 0; k < phase.frames; k++) {
        send(phase.ts(k, last));
        // Real-time pacing from the start of the run (no drift).
        const due = started + sent * FRAME_MS;
        await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
        if (p === 0 && k === 30 && readers['slave rtmp'] === undefined) {
          readers['slave rtmp'] = track(meter(slave.rtmpUrl(T)));
          readers['slave rtsp'] = track(meter(slave.rtspUrl(T)));
          readers['master rtmp'] = track(meter(master.rtmpUrl(T), { reconnect: true }));
          // -progress: frame counts while it runs (it is killed at the end, before any final stats).
          ffmpegReader = runFfmpeg(['-loglevel', 'warning', '-progress', 'pipe:1', '-rtsp_transport', 'tcp', '-i', slave.rtspUrl(T), '-map', '0:v:0', '-f', 'null', '-'], {
            stdout: (b) => {
              for (const m of b.toString('latin1').matchAll(/^frame=(\d+)$/gm)) decodedFrames = Number(m[1]);
            },
          });
        }
      }
    }
    const endedAt = Date.now();
    await framesAfter(readers['slave rtmp']!.log, 0, 1, 1000, 'the slave RTMP reader');
    assert.equal(closed, undefined, `the publisher's session was kept (${String(closed)})`);
    assert.equal((await fetch(slave.apiUrl('/healthz'))).status, 200, 'the slave still serves');
    assert.equal(slave.proc.exitCode, null, 'the slave did not crash');
    const perReader: Record<string, unknown> = {};
    for (const [name, m] of Object.entries(readers)) {
      // Every phase after the readers joined reached every reader (a phase lasts at least 1 s).
      for (const ph of phaseStarts.slice(1)) {
        const next = phaseStarts[phaseStarts.indexOf(ph) + 1]?.at ?? endedAt;
        const n = m.log.samples.filter((s) => s.at >= ph.at && s.at < next + 500).length;
        assert.ok(n >= 10, `${name}: ${n} frames during "${ph.name}"`);
      }
      if (name !== 'master rtmp') assert.equal(m.log.closes, 0, `${name} kept its session (${m.log.lastError})`);
      const g = m.log.gaps(FRAME_MS);
      // Timestamps are passed on as sent: the camera stepped back twice (the jump back, the wrap); no more.
      assert.ok(g.backwards <= 2, `${name}: ${g.backwards} steps back`);
      perReader[name] = { frames: m.log.frames, backwardSteps: g.backwards, closes: m.log.closes };
    }
    await ffmpegReader!.stop();
    perReader['ffmpeg rtsp'] = { decodedFrames };
    console.log(`FAULT ${JSON.stringify({ fault: 'publisher timestamps jump back / stall / jump forward / wrap', sent, readers: perReader })}`);
    assert.ok(decodedFrames >= 100, `ffmpeg decoded ${decodedFrames} frames over RTSP through every phase\n${ffmpegReader!.stderr().slice(-1500)}`);
    pub.close();
  });
});
