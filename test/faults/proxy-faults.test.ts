/**
 * Fault suite: the network between master and slave made bad by the fault proxy
 * (test/helpers/fault-proxy.ts), with real processes. The slave listens on 127.0.0.2; one proxy per
 * slave port listens on 127.0.0.1 with the same port number, so the master, following
 * http://127.0.0.1:<api>, learns the slave's real ports from its API and still goes through the
 * proxies for the API, the event socket and both media pulls. Faults: delay, throttle below the
 * stream's bitrate, stall (connections held open, nothing forwarded), reset (RST on every
 * connection, CYCLES times). The slave's local reader, which no fault touches, loses no frame.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { killAllFfmpeg } from '../helpers/ffmpeg.ts';
import { FaultProxy, type FaultMode } from '../helpers/fault-proxy.ts';
import { meter, type FrameMeter } from '../helpers/frame-meter.ts';
import { startServer, stopAllServers, waitFor, type ServerProcess } from '../helpers/server.ts';
import { CYCLES, FPS, FRAME_MS, assertUntouched, camera, framesAfter, json, liveAgainAt, medianLag, report, resumedAt, stopMeters, suiteTimeout } from './fault-kit.ts';

const CAM = 'site1/cam1';
const SLAVE_HOST = '127.0.0.2';
/**
 * Resets come in groups of 3 back to back (the pull's reconnect backoff grows 0.5, 1, 2 s), with a
 * stable live period between groups: live for PULL_STABLE_MS (src/replication/pull-state.ts,
 * stableMs) restarts the backoff, as after a real one-off network reset.
 */
const RESETS_PER_GROUP = 3;
const PULL_STABLE_MS = 10_000;

describe('fault suite: fault proxy between master and slave (delay, throttle, stall, reset)', { timeout: suiteTimeout(120000, 20000) }, () => {
  let slave: ServerProcess;
  let master: ServerProcess;
  const proxies: FaultProxy[] = [];
  let local: FrameMeter;
  let hit: FrameMeter;
  let localFrom = 0;
  const setMode = (mode: FaultMode): void => {
    for (const p of proxies) p.setMode(mode);
  };
  const pullState = async (): Promise<{ state: string; reconnects: number } | undefined> =>
    (await json<{ items: { factory: string; path: string; state: string; reconnects: number }[] }>(master.apiUrl('/api/v1/replication'))).items.find(
      (p) => p.factory === 'raw' && p.path === CAM,
    );

  before(async () => {
    slave = await startServer({ role: 'slave', host: SLAVE_HOST, args: ['--no-compress'] });
    const p = slave.ports;
    for (const port of [p.rtmp, p.rtsp, p.compressedRtsp, p.api]) proxies.push(await FaultProxy.start({ host: SLAVE_HOST, port }, { port }));
    master = await startServer({ role: 'master', args: ['--upstream', `http://127.0.0.1:${p.api}`, '--failover-after', '600000'] });
    camera(slave.rtmpUrl(CAM));
    local = meter(slave.rtmpUrl(CAM), { reconnect: true });
    await framesAfter(local.log, 0, 5, 30_000, "the slave's local reader");
    local.log.closes = 0; // sessions refused before the camera was live do not count
    hit = meter(master.rtmpUrl(CAM), { reconnect: true });
    await framesAfter(hit.log, 0, 10, 30_000, "the master's reader");
    assert.ok(proxies[0]!.counters.bytesDown > 0, 'the master pulls through the RTMP proxy');
    assert.ok(proxies[3]!.counters.accepted > 0, 'the master follows the API through its proxy');
    localFrom = local.log.frames;
    await framesAfter(hit.log, hit.log.frames, FPS, 10_000, "a second at the master's reader");
    const lag = medianLag(hit.log, local.log, Date.now() - 1000);
    assert.ok(lag !== undefined, 'the master relays the slave timestamps as they are (frames matched by timestamp)');
    console.log(`FAULT-NOTE master reader lag behind the slave reader before any fault: ${lag} ms`);
  });

  after(async () => {
    await stopMeters(local, hit);
    await killAllFfmpeg();
    await stopAllServers();
    await Promise.all(proxies.map((p) => p.close()));
  });

  it('delay 150 ms each way for 4 s: the master keeps its session and every frame', async () => {
    const from = hit.log.frames;
    const closes = hit.log.closes;
    setMode({ kind: 'delay', ms: 150 });
    await new Promise((r) => setTimeout(r, 4000));
    setMode({ kind: 'pass' });
    await framesAfter(hit.log, hit.log.frames, FPS, 10_000, "the master's reader after the delay");
    const g = hit.log.gaps(FRAME_MS, from + 1);
    assert.equal(hit.log.closes, closes, `the master's reader kept its session (${hit.log.lastError})`);
    assert.equal(g.lost, 0, `frames lost at the master under delay: ${g.lost}`);
    assert.equal((await pullState())?.state, 'live');
    console.log(`FAULT ${JSON.stringify({ fault: 'delay 150 ms master<->slave for 4 s', framesLostAtMaster: g.lost, masterSessionsLost: hit.log.closes - closes })}`);
  });

  it('throttle to 8 kB/s (stream ~20 kB/s) for 4 s: back to real time after the restore', async () => {
    setMode({ kind: 'throttle', bytesPerSecond: 8000 });
    await new Promise((r) => setTimeout(r, 4000));
    const restoredAt = Date.now();
    setMode({ kind: 'pass' });
    const back = await waitFor(() => liveAgainAt(hit.log, local.log, restoredAt), 20_000, "the master's reader live again", 50);
    report('throttle 8 kB/s master<->slave for 4 s', [back - restoredAt], 0, { measured: 'restore -> first frame at a master reader less than 300 ms behind the slave' });
    await framesAfter(hit.log, hit.log.frames, FPS, 15_000, 'a steady second after the throttle');
  });

  it('stall for 3 s (accepted, nothing forwarded): the master resumes after it ends', async () => {
    setMode({ kind: 'stall' });
    await waitFor(() => Date.now() - (hit.log.samples.at(-1)?.at ?? 0) > 1000, 10_000, "the master's reader starved", 50);
    await new Promise((r) => setTimeout(r, 2000));
    const endedAt = Date.now();
    setMode({ kind: 'pass' });
    const first = await waitFor(() => resumedAt(hit.log, endedAt), 30_000, "the master's reader after the stall", 20);
    const live = await waitFor(() => liveAgainAt(hit.log, local.log, endedAt), 30_000, "the master's reader live again after the stall", 20);
    report('stall master<->slave for 3 s', [live - endedAt], 0, { measured: 'stall ends -> first frame at a master reader less than 300 ms behind the slave', firstFrameMs: first - endedAt });
    await framesAfter(hit.log, hit.log.frames, FPS, 15_000, 'a steady second after the stall');
  });

  it(`reset (RST) of every master<->slave connection, ${CYCLES} times (groups of 3): the master reconnects`, async () => {
    const recovery: number[] = [];
    const reconnectsBefore = (await pullState())?.reconnects ?? 0;
    for (let i = 0; i < CYCLES; i++) {
      if (i > 0 && i % RESETS_PER_GROUP === 0) {
        // Live for stableMs restarts the pull's backoff (it doubles per failure: 0.5, 1, 2 s ... 10 s).
        await new Promise((r) => setTimeout(r, PULL_STABLE_MS + 1000));
      }
      const resetAt = Date.now();
      const n = proxies.reduce((sum, p) => sum + p.reset(), 0);
      assert.ok(n >= 2, `connections reset: ${n} (the RTMP pull and the event socket at least)`);
      // Back: a frame after a visible gap, or, when the pull came back faster than the gap could
      // show (it reconnects in tens of ms and the slave's GOP fills the hole), the first frame at
      // the reader once the pull's new session is live.
      const liveAgain = async (): Promise<number | undefined> => {
        const st = (await json<{ items: { factory: string; path: string; state: string; reconnects: number; since: string }[] }>(master.apiUrl('/api/v1/replication'))).items.find(
          (p) => p.factory === 'raw' && p.path === CAM,
        );
        if (st === undefined || st.state !== 'live' || st.reconnects <= reconnectsBefore + i) return undefined;
        const since = Date.parse(st.since);
        return since >= resetAt ? hit.log.firstFrameAfter(since) : undefined;
      };
      const back = await waitFor(async () => resumedAt(hit.log, resetAt, 100) ?? (await liveAgain()), 20_000, `the master's reader after reset ${i + 1}`, 20);
      recovery.push(back - resetAt);
      await framesAfter(hit.log, hit.log.frames, FPS, 15_000, 'a steady second before the next reset');
    }
    assert.ok(((await pullState())?.reconnects ?? 0) >= reconnectsBefore + CYCLES, 'the pull reconnected after each reset');
    const lost = assertUntouched("slave's local reader (whole run)", local.log, localFrom, 50);
    report('reset master<->slave connections', recovery, lost, { measured: 'RST -> first frame at a master reader (pull backoff; resets in groups of 3)' });
  });
});
