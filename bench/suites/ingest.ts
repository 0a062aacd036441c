/**
 * Ingest: M publishers (one load-generator process) each replaying a ~1.6 Mbit/s 720p25 FLV in
 * real time over RTMP publish, no readers. Server CPU % (of one core) per 100 Mbit/s ingested,
 * Cupola and the RTMP peers (Node-Media-Server, nginx-rtmp) side by side in one run. Publishers start 20 ms apart, so their
 * keyframes are spread over the GOP.
 */
import { CAMERA_INGEST, ensureFlv } from '../lib/media.ts';
import type { LoadGen } from '../lib/loadgen-client.ts';
import { measureCpu, round, servesRtmp, sleep, type Peer, type PeerServers, type SuiteOptions } from './common.ts';

export interface IngestRow {
  server: Peer;
  m: number;
  publishing: number;
  windowSec: number;
  ingestMbps: number;
  cpuSeconds: number;
  serverCores: number;
  cpuPercentPer100Mbps: number;
  rssMb: number;
  maxPublisherBacklogKB: number;
  loadgenCores: number;
  errors: string[];
}

export async function runIngest(o: SuiteOptions, servers: PeerServers, gen: LoadGen): Promise<IngestRow[]> {
  const file = await ensureFlv(CAMERA_INGEST, o.log);
  const rows: IngestRow[] = [];
  const targets = o.peers.filter((p) => servers[p] !== undefined && servesRtmp(p)).map((p) => ({ server: p, proc: servers[p]! }));
  for (const m of o.publisherCounts) {
    for (const t of targets) {
      o.log(`ingest ${t.server} M=${m}...`);
      const prefix = `ing-${t.server}-`;
      for (let i = 0; i < m; i++) {
        await gen.send({ cmd: 'publish', id: `${prefix}${i}`, url: `rtmp://127.0.0.1:${t.proc.ports['rtmp']}/site2/cam${i + 1}`, file, stamp: false });
        await sleep(20);
      }
      const ready = await gen.send<{ publishing: number; total: number; errors: string[] }>({ cmd: 'publishers-ready', prefix, timeoutMs: 15_000 });
      await sleep(o.settleSeconds * 1000);
      let rep: { windowSec: number; ingestBytes: number; ingestPublishing: number; maxBacklog: number } | undefined;
      const cpu = await measureCpu(t.proc.pid, gen.pid, async () => {
        await gen.send({ cmd: 'mark' });
        await sleep(o.seconds * 1000);
        rep = await gen.send({ cmd: 'report', publisherId: prefix });
      });
      const r = rep!;
      await gen.send({ cmd: 'closePublishers', prefix });
      const mbps = (r.ingestBytes * 8) / r.windowSec / 1e6;
      const cores = cpu.cpuSeconds / r.windowSec;
      const row: IngestRow = {
        server: t.server, m, publishing: r.ingestPublishing, windowSec: round(r.windowSec),
        ingestMbps: round(mbps, 1), cpuSeconds: round(cpu.cpuSeconds), serverCores: round(cores, 3),
        cpuPercentPer100Mbps: round((cores * 100) / (mbps / 100), 2), rssMb: round(cpu.rssMb, 1),
        maxPublisherBacklogKB: round(r.maxBacklog / 1024, 1), loadgenCores: round(cpu.loadgenCpuSeconds / r.windowSec, 2),
        errors: ready.errors,
      };
      rows.push(row);
      o.log(`  ${JSON.stringify(row)}`);
      await sleep(2000);
    }
  }
  return rows;
}
