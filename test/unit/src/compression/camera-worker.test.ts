import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StreamRegistry } from '../../../../src/streams/registry.ts';
import { CameraWorker, type CameraWorkerDeps } from '../../../../src/compression/camera-worker.ts';
import type { CameraCompressionStatus, StatusChange } from '../../../../src/compression/compression-status.ts';
import { silentLogger } from '../../../../src/log/logger.ts';
import { DEFAULT_BACKOFF, DEFAULT_COMPRESSION_PROFILE } from '../../../../workers/messages.ts';
import type { FrameSink } from '../../../../src/streams/types.ts';
import type { Frame } from '../../../../protocols/media/frame.ts';
import { FakeWorker } from './fake-worker.ts';

const SPS = Buffer.from('6742c01e95a0a0fd01', 'hex');
const PPS = Buffer.from('68ce3c80', 'hex');

function setup(over: Partial<CameraWorkerDeps> = {}) {
  const compressed = new StreamRegistry('compressed', { unpublishedGraceMs: 50 });
  const workers: FakeWorker[] = [];
  const statuses: Array<[CameraCompressionStatus, StatusChange]> = [];
  const deps: CameraWorkerDeps = {
    compressed,
    raw: null,
    createWorker: () => {
      const w = new FakeWorker();
      workers.push(w);
      return w;
    },
    inputUrl: 'rtsp://127.0.0.1:8554/site1/cam1',
    output: { kind: 'frames' },
    stallTimeoutMs: 5000,
    backoff: { ...DEFAULT_BACKOFF, initialMs: 10, maxMs: 20, jitter: 0 },
    stopTimeoutMs: 200,
    onStatus: (s, c) => statuses.push([s, c]),
    log: silentLogger,
    now: Date.now,
    ...over,
  };
  const cam = new CameraWorker('site1/cam1', DEFAULT_COMPRESSION_PROFILE, deps);
  return { cam, compressed, workers, statuses };
}

/** A sink collecting what readers of the compressed stream see. */
function reader(frames: Frame[]): FrameSink {
  return { onDescription: () => {}, onFrame: (f) => frames.push(f), onEnd: () => {} };
}

describe('CameraWorker', () => {
  it('sends start with the camera URL and profile, publishes description and frames on Factory 2', () => {
    const { cam, compressed, workers, statuses } = setup();
    cam.start();
    const w = workers[0]!;
    const start = w.received[0];
    assert.equal(start?.type, 'start');
    assert.equal(start.type === 'start' && start.inputUrl, 'rtsp://127.0.0.1:8554/site1/cam1');
    assert.equal(start.type === 'start' && start.profile.id, 'default');
    w.send({ type: 'ffmpeg-started', pid: 4242 });
    assert.equal(cam.status().state, 'starting');
    assert.equal(cam.status().pid, 4242);
    // Structured clone hands parameter sets over as plain Uint8Arrays.
    w.send({ type: 'description', desc: { video: { codec: 'h264', sps: new Uint8Array(SPS) as Buffer, pps: new Uint8Array(PPS) as Buffer, width: 854, height: 480 } } });
    const stream = compressed.get('site1/cam1');
    assert.equal(stream?.live, true);
    assert.equal(stream?.publisher?.kind, 'compressor');
    assert.ok(Buffer.isBuffer(stream?.description?.video?.sps));
    const got: Frame[] = [];
    stream!.subscribe(reader(got));
    const payload = new ArrayBuffer(8);
    new DataView(payload).setUint32(0, 4);
    w.send({ type: 'frame', track: 'video', dts: 0, pts: 0, keyframe: true, payload });
    assert.equal(got.length, 1);
    assert.equal(got[0]!.payload.buffer, payload, 'the transferred buffer is used without a copy');
    assert.equal(cam.status().state, 'running');
    assert.deepEqual(statuses.map(([s, c]) => `${c}:${s.state}`), ['state:starting', 'state:running']);
  });

  it('ffmpeg exit closes the Factory 2 stream; backoff and restarts are reported; the next run republishes', () => {
    const { cam, compressed, workers } = setup();
    cam.start();
    const w = workers[0]!;
    w.send({ type: 'description', desc: { video: { codec: 'h264', sps: SPS, pps: PPS } } });
    w.send({ type: 'ffmpeg-exited', code: 1, signal: null, stderrTail: ['Connection refused'] });
    assert.equal(compressed.get('site1/cam1')?.live ?? false, false);
    w.send({ type: 'backoff', delayMs: 500, attempt: 1 });
    const s = cam.status();
    assert.equal(s.state, 'backoff');
    assert.equal(s.restarts, 1);
    assert.deepEqual(s.stderrTail, ['Connection refused']);
    assert.equal(s.lastExit?.code, 1);
    w.send({ type: 'ffmpeg-started', pid: 2 });
    w.send({ type: 'description', desc: { video: { codec: 'h264', sps: SPS, pps: PPS } } });
    assert.equal(compressed.get('site1/cam1')?.live, true);
    assert.equal(cam.status().state, 'running');
  });

  it('progress updates fps/speed/drops and is reported at most once a second', () => {
    let now = 10_000;
    const { cam, workers, statuses } = setup({ now: () => now });
    cam.start();
    const w = workers[0]!;
    const progress = { type: 'progress', fps: 25, speed: 1, bitrateBps: 800_000, frames: 50, dropped: 1, duplicated: 2, restarts: 0 } as const;
    w.send(progress);
    w.send(progress);
    now += 1000;
    w.send({ ...progress, fps: 24 });
    const reports = statuses.filter(([, c]) => c === 'progress');
    assert.equal(reports.length, 2);
    assert.equal(reports[1]![0].fps, 24);
    assert.equal(cam.status().droppedFrames, 1);
    assert.equal(cam.status().duplicatedFrames, 2);
  });

  it('stop: asks the worker, waits for its exit, closes the stream, state stopped', async () => {
    const { cam, compressed, workers } = setup();
    cam.start();
    const w = workers[0]!;
    w.send({ type: 'description', desc: { video: { codec: 'h264', sps: SPS, pps: PPS } } });
    await cam.stop();
    assert.deepEqual(w.received.map((m) => m.type), ['start', 'stop']);
    assert.equal(w.exited, true);
    assert.equal(w.terminated, false);
    assert.equal(compressed.get('site1/cam1')?.live ?? false, false);
    assert.equal(cam.status().state, 'stopped');
  });

  it('stop: a worker that does not answer is terminated after stopTimeoutMs', async () => {
    const { cam, workers } = setup({ stopTimeoutMs: 20 });
    cam.start();
    workers[0]!.stopsWhenAsked = false;
    await cam.stop();
    assert.equal(workers[0]!.terminated, true);
  });

  it('a worker thread that dies unexpectedly is replaced after backoff', async () => {
    const { cam, workers } = setup();
    cam.start();
    workers[0]!.exit(1);
    assert.equal(cam.status().state, 'backoff');
    assert.equal(cam.status().restarts, 1);
    for (let i = 0; i < 100 && workers.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(workers.length, 2);
    assert.equal(workers[1]!.received[0]?.type, 'start');
    await cam.stop();
  });

  it('Factory 2 path taken by another publisher: error reported, nothing published', () => {
    const { cam, compressed, workers } = setup();
    const other = compressed.publish('site1/cam1', { kind: 'rtsp', remote: '10.0.0.9:5000' });
    cam.start();
    workers[0]!.send({ type: 'description', desc: { video: { codec: 'h264', sps: SPS, pps: PPS } } });
    assert.match(cam.status().lastError ?? '', /refused/);
    assert.equal(compressed.get('site1/cam1')?.publisher?.kind, 'rtsp');
    other.close();
  });

  it('push output (compressor role): bitrates measured by the slave give the ratio; ffmpeg progress is the fallback', () => {
    let remote: { inputBps: number; outputBps: number } | undefined;
    const { cam, workers } = setup({ compressed: null, raw: null, output: { kind: 'push', url: 'rtsp://10.0.0.1:8555/site1/cam1' }, remoteBitrates: () => remote });
    cam.start();
    const w = workers[0]!;
    w.send({ type: 'progress', fps: 25, speed: 1, bitrateBps: 0, frames: 10, dropped: 0, duplicated: 0, restarts: 0 });
    assert.equal(cam.status().state, 'running', 'progress is the sign of life of a push');
    assert.deepEqual([cam.status().outputBitrateBps, cam.status().bitrateRatio], [0, null], 'RTSP output: ffmpeg prints bitrate=N/A');
    w.send({ type: 'progress', fps: 25, speed: 1, bitrateBps: 300_000, frames: 20, dropped: 0, duplicated: 0, restarts: 0 });
    assert.equal(cam.status().outputBitrateBps, 300_000);
    remote = { inputBps: 4_000_000, outputBps: 800_000 };
    const s = cam.status();
    assert.deepEqual([s.inputBitrateBps, s.outputBitrateBps, s.bitrateRatio], [4_000_000, 800_000, 0.2]);
  });

  it('unsupported profile (no VAAPI here): state failed with the reason, not restarted', () => {
    const { cam, workers, statuses } = setup();
    cam.start();
    workers[0]!.send({ type: 'unsupported', message: 'codec h264_vaapi: VAAPI device /dev/dri/renderD128 does not exist' });
    const s = cam.status();
    assert.equal(s.state, 'failed');
    assert.match(s.lastError ?? '', /renderD128 does not exist/);
    assert.equal(s.restarts, 0);
    assert.equal(workers.length, 1);
    assert.equal(statuses.at(-1)![0].state, 'failed');
  });
});
