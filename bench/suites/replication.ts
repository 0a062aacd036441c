/**
 * Replication hop: camera (the load generator's stamped RTMP publisher) -> slave -> master.
 * The master (`serve --role master --upstream <slave API>`) pulls the slave's Factory 1 over RTMP
 * and re-serves it; readers on the slave and then on the master measure the stamp -> arrival
 * latency; the difference is what the hop adds.
 */
import { CAMERA_720P, ensureFlv } from '../lib/media.ts';
import type { LoadGen } from '../lib/loadgen-client.ts';
import { startCupola, type ServerProc } from '../lib/servers.ts';
import { round, sleep, type SuiteOptions } from './common.ts';

export interface ReplicationRow {
  via: 'slave' | 'master';
  proto: 'rtmp' | 'rtsp';
  readers: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  samples: number;
  joinKeyframeP50Ms: number;
}

export interface ReplicationResult {
  rows: ReplicationRow[];
  error?: string;
  masterReadyAfterMs?: number;
}

interface Report { latency: { n: number; p50: number; p99: number } }

export async function runReplication(o: SuiteOptions, slave: ServerProc, gen: LoadGen): Promise<ReplicationResult> {
  const file = await ensureFlv(CAMERA_720P, o.log);
  const path = 'site3/cam1';
  await gen.send({ cmd: 'publish', id: 'rep-cam', url: `rtmp://127.0.0.1:${slave.ports['rtmp']}/${path}`, file, stamp: true });
  await gen.send({ cmd: 'publishers-ready', prefix: 'rep-', timeoutMs: 10_000 });
  let master: ServerProc;
  try {
    master = await startCupola({ role: 'master', extra: ['--upstream', `http://127.0.0.1:${slave.ports['api']}`] });
  } catch (err) {
    await gen.send({ cmd: 'closePublishers', prefix: 'rep-' });
    return { rows: [], error: `master did not start: ${String((err as Error).message).slice(0, 600)}` };
  }
  try {
    const started = Date.now();
    let ready = false;
    for (let i = 0; i < 60 && Date.now() - started < 30_000; i++) {
      const r = await gen.send<{ ok: number }>({ cmd: 'readers', proto: 'rtmp', url: `rtmp://127.0.0.1:${master.ports['rtmp']}/${path}`, n: 1, probes: 0, timeoutMs: 1500 });
      await gen.send({ cmd: 'closeReaders' });
      if (r.ok === 1) {
        ready = true;
        break;
      }
      await sleep(500);
    }
    if (!ready) return { rows: [], error: `master never served ${path} within 30 s; master log tail:\n${master.logs().slice(-1500)}` };
    const masterReadyAfterMs = Date.now() - started;
    await sleep(2000);
    const rows: ReplicationRow[] = [];
    const n = Math.min(10, o.probes);
    for (const via of ['slave', 'master'] as const) {
      for (const proto of ['rtmp', 'rtsp'] as const) {
        const ports = via === 'slave' ? slave.ports : master.ports;
        const url = `${proto}://127.0.0.1:${ports[proto]}/${path}`;
        await gen.send({ cmd: 'readers', proto, url, n, probes: n, timeoutMs: 5000 });
        await sleep(1000);
        await gen.send({ cmd: 'mark' });
        await sleep(o.seconds * 1000);
        const r = await gen.send<Report>({ cmd: 'report', publisherId: 'rep-cam' });
        const join = await gen.send<{ p50: number }>({ cmd: 'join', proto, url, count: Math.min(5, o.joins), timeoutMs: 5000 });
        await gen.send({ cmd: 'closeReaders' });
        const row = { via, proto, readers: n, latencyP50Ms: round(r.latency.p50), latencyP99Ms: round(r.latency.p99), samples: r.latency.n, joinKeyframeP50Ms: round(join.p50, 1) };
        o.log(`  ${JSON.stringify(row)}`);
        rows.push(row);
      }
    }
    return { rows, masterReadyAfterMs };
  } finally {
    await gen.send({ cmd: 'closePublishers', prefix: 'rep-' });
    await master.stop();
  }
}
