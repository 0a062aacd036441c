/**
 * Fault suite: a network partition between slave and master, for real. The slave runs in one
 * network namespace, the master in another, joined by a veth pair (10.213.n.1/.2, addresses that
 * exist only inside the namespaces); the link goes down (partition) and up (heal), CYCLES times.
 * The camera and a local reader sit with the slave, another reader with the master (frame meters
 * run as processes inside the namespaces). Measured: heal -> first frame at the master's reader;
 * the slave's local reader, which the partition did not touch, loses no frame.
 * Skipped, with the reason printed, when not root or `ip netns` is unavailable.
 */
import { after, describe, it } from 'node:test';
import { killAllFfmpeg } from '../helpers/ffmpeg.ts';
import { meterInNamespace, stopAllMeters } from '../helpers/frame-meter.ts';
import { createNetnsPair, removeAllNetns } from '../helpers/netns.ts';
import { startServer, stopAllServers, waitFor } from '../helpers/server.ts';
import { CYCLES, assertUntouched, camera, framesAfter, report, resumedAt, FPS, suiteTimeout } from './fault-kit.ts';

const CAM = 'site1/cam1';
/** How long the link stays down once the master's reader has noticed: 2 s, CUPOLA_FAULT_PARTITION_MS for the long run. */
const PARTITION_HOLD_MS = Math.max(0, Number(process.env['CUPOLA_FAULT_PARTITION_MS'] ?? 2000));

const pair = createNetnsPair();
const skip = 'skip' in pair ? pair.skip : false;
if (skip !== false) console.log(`SKIP partition fault test: ${skip}`);

after(async () => {
  await stopAllMeters();
  await killAllFfmpeg();
  await stopAllServers();
  removeAllNetns();
});

describe('fault suite: slave/master partition over a veth pair between network namespaces', { timeout: suiteTimeout(120000, 60000) }, () => {
  it(`partition and heal ${CYCLES} times: the master resumes, the slave's local reader loses nothing`, { skip }, async () => {
    if ('skip' in pair) return;
    const slave = await startServer({ role: 'slave', netns: pair.a, host: '0.0.0.0', args: ['--no-compress'] });
    const master = await startServer({
      role: 'master',
      netns: pair.b,
      args: ['--upstream', `http://${pair.addrA}:${slave.ports.api}`, '--failover-after', '600000'],
    });
    camera(`rtmp://127.0.0.1:${slave.ports.rtmp}/${CAM}`, { netns: pair.a });
    const local = meterInNamespace(pair.a, `rtmp://127.0.0.1:${slave.ports.rtmp}/${CAM}`, { reconnect: true });
    await framesAfter(local.log, 0, 5, 30_000, "the slave's local reader");
    // Started once the camera is live: a session refused before does not count as a close.
    local.log.closes = 0;
    const hit = meterInNamespace(pair.b, `rtmp://127.0.0.1:${master.ports.rtmp}/${CAM}`, { reconnect: true });
    await framesAfter(hit.log, 0, 10, 30_000, "the master's reader");
    const from = local.log.frames;
    const t0 = Date.now();
    const recovery: number[] = [];
    for (let i = 0; i < CYCLES; i++) {
      pair.setLink(false);
      // The partition is in effect once the master's reader stops receiving.
      await waitFor(() => Date.now() - (hit.log.samples.at(-1)?.at ?? 0) > 1000, 15_000, `the master's reader starved (cycle ${i + 1})`, 50);
      await new Promise((r) => setTimeout(r, PARTITION_HOLD_MS));
      const healedAt = Date.now();
      pair.setLink(true);
      const back = await waitFor(() => resumedAt(hit.log, healedAt), 30_000, `the master's reader after the heal (cycle ${i + 1})`, 20);
      recovery.push(back - healedAt);
      await framesAfter(hit.log, hit.log.frames, FPS, 15_000, 'a steady second before the next cycle');
    }
    const seconds = (Date.now() - t0) / 1000;
    const lost = assertUntouched("slave's local reader", local.log, from, Math.floor(seconds * 10));
    report('partition slave/master (veth down/up)', recovery, lost, { measured: 'link up -> first frame at a master reader', holdMs: PARTITION_HOLD_MS });
  });
});
