/**
 * Fault suite: `kill -9` of each process of the 3-machine layout, repeatedly (CYCLES, 3 in
 * `npm test`; CUPOLA_FAULT_CYCLES for the long run), all real processes on loopback:
 *   slave (--no-compress; cameras A and B publish RTMP) <- compressor role (RTSP in, RECORD out)
 *   slave <- master (replication; camera D also publishes directly to the master).
 * Faults, each measured as the time from the restart (or the kill, for what the system restarts
 * itself) to the first frame at a reader of the stream hit, while readers of streams the fault did
 * not touch must lose no frame (continuous 25 fps timestamps, session kept):
 *   - a camera's ffmpeg (A): untouched B on the slave and on the master;
 *   - the compressor's ffmpeg for A (its worker restarts it): untouched compressed B, raw A;
 *   - the compressor role: untouched raw A and B on the slave;
 *   - the master, restarted on its ports: untouched raw and compressed on the slave;
 *   - the slave, restarted on its ports: untouched D, published directly to the master.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { killAllFfmpeg, type FfmpegRun } from '../helpers/ffmpeg.ts';
import { meter, type FrameMeter } from '../helpers/frame-meter.ts';
import { startServer, stopAllServers, waitFor, type ServerProcess } from '../helpers/server.ts';
import { isAlive } from '../unit/workers/worker-harness.ts';
import {
  CYCLES, FPS, apiTokens, assertUntouched, camera, framesAfter, json, liveStream, report, resumedAt, samePorts, smallDefaultProfile, stopMeters, suiteTimeout,
} from './fault-kit.ts';

// Catalog cameras (the seeded site1/cam1..cam5): a secured slave (API token) takes compressed
// pushes only for catalog cameras and only with credentials (the compressor sends the token).
const A = 'site1/cam1';
const B = 'site1/cam2';
const D = 'site1/cam3';
const TOKEN = 'fault-suite-slave-token';
/**
 * The compressor's ffmpeg is killed in groups of 3 back to back (its worker restarts it after 0.5,
 * 1 and 2 s: the backoff doubles per crash), with a healthy run between groups: a run of
 * BACKOFF_RESET_AFTER_MS (workers/messages.ts, resetAfterMs) starts the backoff again at 0.5 s.
 */
const KILLS_PER_GROUP = 3;
const BACKOFF_RESET_AFTER_MS = 10_000;

interface CompressionItem {
  path: string;
  state: string;
  pid: number | null;
}

describe(`fault suite: kill -9 and restart (${CYCLES} cycles per process)`, { timeout: suiteTimeout(120000, 100000) }, () => {
  let slave: ServerProcess;
  let master: ServerProcess;
  let compressor: ServerProcess;
  const cams = new Map<string, FfmpegRun>();
  const meters: FrameMeter[] = [];
  const stray: number[] = [];

  const slaveArgs = ['--no-compress', '--api-token', TOKEN];
  const masterArgs = (): string[] => ['--upstream', `http://127.0.0.1:${slave.ports.api}`, '--upstream-token', TOKEN, '--failover-after', '600000'];
  const compressorArgs = (): string[] => ['--upstream', `http://127.0.0.1:${slave.ports.api}`, '--upstream-token', TOKEN];
  const track = (m: FrameMeter): FrameMeter => {
    meters.push(m);
    return m;
  };
  const publish = (path: string, node: ServerProcess): void => {
    cams.set(path, camera(node.rtmpUrl(path)));
  };
  const compressionPid = async (path: string): Promise<number | undefined> => {
    const { items } = await json<{ items: CompressionItem[] }>(compressor.apiUrl('/api/v1/compression'));
    const c = items.find((x) => x.path === path);
    return c?.state === 'running' && c.pid !== null ? c.pid : undefined;
  };
  const allLive = async (): Promise<boolean> => {
    const [ra, rb, ca, cb, ma, mb] = await Promise.all([
      liveStream(slave, 'raw', A), liveStream(slave, 'raw', B),
      liveStream(slave, 'compressed', A), liveStream(slave, 'compressed', B),
      liveStream(master, 'raw', A), liveStream(master, 'raw', B),
    ]);
    return [ra, rb, ca, cb, ma, mb].every((s) => s !== undefined);
  };

  before(async () => {
    slave = await startServer({ role: 'slave', args: slaveArgs });
    apiTokens.set(slave.ports.api, TOKEN);
    [master, compressor] = await Promise.all([startServer({ role: 'master', args: masterArgs() }), startServer({ role: 'compressor', args: compressorArgs() })]);
    await smallDefaultProfile(compressor);
    publish(A, slave);
    publish(B, slave);
    publish(D, master);
    await waitFor(allLive, 60_000, 'raw and compressed A and B on the slave, raw on the master', 250);
  });

  after(async () => {
    await stopMeters(...meters);
    await killAllFfmpeg();
    await stopAllServers();
    for (const pid of stray) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  });

  it("a camera's ffmpeg: the master's reader of A resumes; B on slave and master loses nothing", async () => {
    const hit = track(meter(master.rtmpUrl(A), { reconnect: true }));
    const bSlave = track(meter(slave.rtmpUrl(B)));
    const bMaster = track(meter(master.rtmpUrl(B)));
    await framesAfter(hit.log, 0, 10, 15_000, "the master's A");
    await Promise.all([framesAfter(bSlave.log, 0, 10, 15_000, 'slave B'), framesAfter(bMaster.log, 0, 10, 15_000, 'master B')]);
    const from = [bSlave.log.frames, bMaster.log.frames];
    const t0 = Date.now();
    const recovery: number[] = [];
    for (let i = 0; i < CYCLES; i++) {
      await cams.get(A)!.stop(); // SIGKILL
      await waitFor(async () => (await liveStream(slave, 'raw', A)) === undefined, 10_000, 'A gone from the slave');
      const restartAt = Date.now();
      publish(A, slave);
      const back = await waitFor(() => resumedAt(hit.log, restartAt), 20_000, `frames of A at the master (cycle ${i + 1})`, 20).catch(async (err: unknown) => {
        throw new Error(`${String(err)}\nmaster replication: ${JSON.stringify(await json(master.apiUrl('/api/v1/replication')))}\nslave A: ${JSON.stringify(await liveStream(slave, 'raw', A))}\nmeter: ${hit.log.frames} frames, ${hit.log.closes} closes (${hit.log.lastError}), gaps ${JSON.stringify(hit.log.samples.map((x, j, all) => [x.at - restartAt, j > 0 ? x.at - all[j - 1]!.at : 0, x.dts]).filter((x) => x[1]! > 80 || Math.abs(x[0]!) < 300))}\n${master.logs().split('\n').filter((l) => l.includes('camA')).slice(-15).join('\n')}`);
      });
      recovery.push(back - restartAt);
      await framesAfter(hit.log, hit.log.frames, FPS, 10_000, 'a steady second before the next cycle');
    }
    const seconds = (Date.now() - t0) / 1000;
    let lost = assertUntouched('slave B', bSlave.log, from[0]!, Math.floor(seconds * 10));
    lost += assertUntouched('master B', bMaster.log, from[1]!, Math.floor(seconds * 10));
    report('kill -9 camera ffmpeg (publisher)', recovery, lost, { measured: 'camera restart -> first frame at a master reader' });
    await stopMeters(hit, bSlave, bMaster);
  });

  it("the compressor's ffmpeg of A: restarted by its worker; compressed B and raw A lose nothing", async () => {
    const hit = track(meter(slave.rtspUrl(A, 'compressed'), { reconnect: true }));
    const cB = track(meter(slave.rtspUrl(B, 'compressed')));
    const rA = track(meter(slave.rtmpUrl(A)));
    await waitFor(() => compressionPid(A), 30_000, "the compressor's ffmpeg of A running");
    await Promise.all([framesAfter(hit.log, 0, 10, 20_000, 'compressed A'), framesAfter(cB.log, 0, 10, 20_000, 'compressed B'), framesAfter(rA.log, 0, 10, 20_000, 'raw A')]);
    const from = [cB.log.frames, rA.log.frames];
    const t0 = Date.now();
    const recovery: number[] = [];
    for (let i = 0; i < CYCLES; i++) {
      const pid = (await waitFor(() => compressionPid(A), 30_000, "the compressor's ffmpeg of A running"))!;
      if (i > 0 && i % KILLS_PER_GROUP === 0) {
        // A healthy run resets the restart backoff (it doubles per crash: 0.5, 1, 2 s ...).
        await new Promise((r) => setTimeout(r, BACKOFF_RESET_AFTER_MS + 1000));
      }
      const killedAt = Date.now();
      process.kill(pid, 'SIGKILL');
      await waitFor(async () => {
        const p = await compressionPid(A);
        return p !== undefined && p !== pid;
      }, 20_000, `a new ffmpeg for A (cycle ${i + 1})`);
      const back = await waitFor(() => resumedAt(hit.log, killedAt), 20_000, `compressed A frames again (cycle ${i + 1})`, 20);
      recovery.push(back - killedAt);
      await framesAfter(hit.log, hit.log.frames, FPS, 10_000, 'a steady second before the next cycle');
      stray.push(pid);
    }
    const seconds = (Date.now() - t0) / 1000;
    let lost = assertUntouched('compressed B', cB.log, from[0]!, Math.floor(seconds * 10));
    lost += assertUntouched('raw A', rA.log, from[1]!, Math.floor(seconds * 10));
    report("kill -9 compressor's ffmpeg (one camera)", recovery, lost, { measured: 'kill -> first compressed frame at a slave reader (worker restart with backoff; kills in groups of 3)' });
    await stopMeters(hit, cB, rA);
  });

  it('the compressor role: restarted, both compressed streams back; raw A and B lose nothing', async () => {
    const hitA = track(meter(slave.rtspUrl(A, 'compressed'), { reconnect: true }));
    const hitB = track(meter(slave.rtspUrl(B, 'compressed'), { reconnect: true }));
    const rA = track(meter(slave.rtmpUrl(A)));
    const rB = track(meter(slave.rtmpUrl(B)));
    await Promise.all([framesAfter(hitA.log, 0, 10, 20_000, 'compressed A'), framesAfter(hitB.log, 0, 10, 20_000, 'compressed B')]);
    await Promise.all([framesAfter(rA.log, 0, 10, 20_000, 'raw A'), framesAfter(rB.log, 0, 10, 20_000, 'raw B')]);
    const from = [rA.log.frames, rB.log.frames];
    const t0 = Date.now();
    const recovery: number[] = [];
    for (let i = 0; i < CYCLES; i++) {
      const pids = [await compressionPid(A), await compressionPid(B)].filter((p): p is number => p !== undefined);
      stray.push(...pids);
      await compressor.kill();
      // Its ffmpeg children notice the worker's pipes closing and exit.
      for (const p of pids) await waitFor(() => !isAlive(p), 10_000, `compressor ffmpeg ${p} gone after the kill`);
      await waitFor(async () => (await liveStream(slave, 'compressed', A)) === undefined && (await liveStream(slave, 'compressed', B)) === undefined, 10_000, 'compressed streams gone from the slave');
      const spawnedAt = Date.now();
      compressor = await startServer({ role: 'compressor', args: [...compressorArgs(), ...samePorts(compressor)], dataDir: compressor.dataDir });
      const restartAt = Date.now();
      const [a, b] = await Promise.all([
        waitFor(() => resumedAt(hitA.log, restartAt), 30_000, `compressed A back (cycle ${i + 1})`, 20),
        waitFor(() => resumedAt(hitB.log, restartAt), 30_000, `compressed B back (cycle ${i + 1})`, 20),
      ]);
      recovery.push(Math.max(a, b) - restartAt);
      await Promise.all([hitA, hitB].map((h) => framesAfter(h.log, h.log.frames, FPS, 10_000, 'a steady second before the next cycle')));
      if (i === 0) console.log(`FAULT-NOTE compressor role start to listening: ${restartAt - spawnedAt} ms`);
    }
    const seconds = (Date.now() - t0) / 1000;
    let lost = assertUntouched('raw A', rA.log, from[0]!, Math.floor(seconds * 10));
    lost += assertUntouched('raw B', rB.log, from[1]!, Math.floor(seconds * 10));
    report('kill -9 compressor role', recovery, lost, { measured: 'restarted process listening -> first frame of both compressed streams at slave readers' });
    await stopMeters(hitA, hitB, rA, rB);
  });

  it('the master: restarted on its ports, replication back; the slave loses nothing', async () => {
    const hit = track(meter(master.rtmpUrl(A), { reconnect: true }));
    const rA = track(meter(slave.rtmpUrl(A)));
    const cB = track(meter(slave.rtspUrl(B, 'compressed')));
    await Promise.all([framesAfter(hit.log, 0, 10, 20_000, "the master's A"), framesAfter(rA.log, 0, 10, 20_000, 'raw A'), framesAfter(cB.log, 0, 10, 20_000, 'compressed B')]);
    const from = [rA.log.frames, cB.log.frames];
    const t0 = Date.now();
    const recovery: number[] = [];
    for (let i = 0; i < CYCLES; i++) {
      cams.get(D)?.stop();
      await master.kill();
      master = await startServer({ role: 'master', args: [...masterArgs(), ...samePorts(master)], dataDir: master.dataDir });
      const restartAt = Date.now();
      const back = await waitFor(() => resumedAt(hit.log, restartAt), 30_000, `the master's A back (cycle ${i + 1})`, 20);
      recovery.push(back - restartAt);
      await framesAfter(hit.log, hit.log.frames, FPS, 10_000, 'a steady second before the next cycle');
    }
    publish(D, master);
    const seconds = (Date.now() - t0) / 1000;
    let lost = assertUntouched('slave raw A', rA.log, from[0]!, Math.floor(seconds * 10));
    lost += assertUntouched('slave compressed B', cB.log, from[1]!, Math.floor(seconds * 10));
    report('kill -9 master', recovery, lost, { measured: 'restarted master listening -> first replicated frame at a master reader' });
    await stopMeters(hit, rA, cB);
  });

  it('the slave: restarted on its ports, cameras republish, the master replicates again; D on the master loses nothing', async () => {
    await waitFor(async () => (await liveStream(master, 'raw', D)) !== undefined, 20_000, 'D live on the master');
    const hit = track(meter(master.rtmpUrl(A), { reconnect: true }));
    const dMaster = track(meter(master.rtmpUrl(D)));
    await Promise.all([framesAfter(hit.log, 0, 10, 20_000, "the master's A"), framesAfter(dMaster.log, 0, 10, 20_000, "the master's D")]);
    const from = dMaster.log.frames;
    const t0 = Date.now();
    const recovery: number[] = [];
    for (let i = 0; i < CYCLES; i++) {
      await slave.kill();
      await Promise.all([cams.get(A)!.exited, cams.get(B)!.exited]); // the cameras' connections broke
      slave = await startServer({ role: 'slave', args: [...slaveArgs, ...samePorts(slave)], dataDir: slave.dataDir });
      const restartAt = Date.now();
      publish(A, slave);
      publish(B, slave);
      const back = await waitFor(() => resumedAt(hit.log, restartAt), 30_000, `the master's A back (cycle ${i + 1})`, 20);
      recovery.push(back - restartAt);
      await framesAfter(hit.log, hit.log.frames, FPS, 10_000, 'a steady second before the next cycle');
    }
    const seconds = (Date.now() - t0) / 1000;
    const lost = assertUntouched("master's direct D", dMaster.log, from, Math.floor(seconds * 10));
    report('kill -9 slave', recovery, lost, { measured: 'restarted slave listening (cameras republish at once) -> first replicated frame at a master reader' });
    await stopMeters(hit, dMaster);
    // Everything is back: compression resumed against the restarted slave too.
    await waitFor(allLive, 60_000, 'the whole layout live again', 250);
    assert.ok(true);
  });
});
