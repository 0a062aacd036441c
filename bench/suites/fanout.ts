/**
 * Fan-out: one publisher (the load generator replaying the pre-encoded 720p25 ~4 Mbit/s FLV in
 * real time over RTMP, every video access unit stamped with its send time), N readers in the
 * load generator. For each N, side by side in one run: RTMP play on every peer (Cupola,
 * Node-Media-Server, nginx-rtmp, ...), then RTSP play (TCP interleaved) on Cupola (the RTMP peers
 * have no RTSP server).
 * Per step: server CPU seconds per GB delivered, share of readers receiving >= 95 % of the publish
 * rate, server RSS, connect -> first keyframe of readers joining under load (median, p95),
 * added latency (send stamp -> frame received) p50/p99 on `probes` readers.
 */
import { CAMERA_720P, ensureFlv } from '../lib/media.ts';
import type { LoadGen } from '../lib/loadgen-client.ts';
import type { ServerProc } from '../lib/servers.ts';
import { measureCpu, round, servesRtmp, servesRtsp, sleep, type Peer, type PeerServers, type SuiteOptions } from './common.ts';

export interface FanoutRow {
  server: Peer;
  proto: 'rtmp' | 'rtsp';
  n: number;
  connected: number;
  windowSec: number;
  deliveredGB: number;
  cpuSeconds: number;
  serverCores: number;
  cpuSecondsPerGB: number;
  /** The user-space part of cpuSecondsPerGB (utime; the rest is stime). */
  userSecondsPerGB: number;
  keepingUpShare: number;
  rssMb: number;
  joinKeyframeP50Ms: number;
  joinKeyframeP95Ms: number;
  rampKeyframeP50Ms: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencySamples: number;
  publishMbps: number;
  loadgenCores: number;
  errors: string[];
}

interface ReadersReply { ok: number; total: number; closed: number; errors: string[] }
interface Report {
  windowSec: number; pubBytes: number; delivered: number; readers: number; keepingUp: number; closed: number;
  latency: { n: number; p50: number; p99: number };
  rampFirstKeyframe: { p50: number; p95: number };
}
interface JoinReply { p50: number; p95: number; n: number; failed: number }

export async function runFanout(o: SuiteOptions, servers: PeerServers, gen: LoadGen): Promise<FanoutRow[]> {
  const file = await ensureFlv(CAMERA_720P, o.log);
  const targets: { server: Peer; proto: 'rtmp' | 'rtsp'; proc: ServerProc; url: string; publisher: string }[] = [];
  const path = 'site1/cam1';
  const present = o.peers.filter((p) => servers[p] !== undefined).map((p) => ({ peer: p, proc: servers[p]! }));
  for (const { peer, proc } of present.filter((p) => servesRtmp(p.peer))) {
    await gen.send({ cmd: 'publish', id: `fan-${peer}`, url: `rtmp://127.0.0.1:${proc.ports['rtmp']}/${path}`, file, stamp: true });
  }
  const ready = await gen.send<{ publishing: number; total: number; errors: string[] }>({ cmd: 'publishers-ready', prefix: 'fan-', timeoutMs: 10_000 });
  if (ready.publishing !== ready.total) throw new Error(`fan-out publishers not publishing: ${JSON.stringify(ready)}`);
  await sleep(2500); // a full GOP cached everywhere
  // gst-rtsp-server relays Cupola's Factory 1: its readers see the frames Cupola's publisher sent.
  const publisherOf = (peer: Peer): string => `fan-${servesRtmp(peer) ? peer : 'cupola'}`;
  for (const { peer, proc } of present.filter((p) => servesRtmp(p.peer))) targets.push({ server: peer, proto: 'rtmp', proc, url: `rtmp://127.0.0.1:${proc.ports['rtmp']}/${path}`, publisher: `fan-${peer}` });
  for (const { peer, proc } of present.filter((p) => servesRtsp(p.peer))) targets.push({ server: peer, proto: 'rtsp', proc, url: `rtsp://127.0.0.1:${proc.ports['rtsp']}/${path}`, publisher: publisherOf(peer) });

  const rows: FanoutRow[] = [];
  for (const n of o.readerCounts) {
    for (const t of targets) {
      o.log(`fan-out ${t.server} ${t.proto} N=${n}...`);
      const opened = await gen.send<ReadersReply>({ cmd: 'readers', proto: t.proto, url: t.url, n, probes: Math.min(n, o.probes), timeoutMs: 20_000 }, 120_000);
      await sleep(o.settleSeconds * 1000);
      let report: Report | undefined;
      const cpu = await measureCpu(t.proc.pid, gen.pid, async () => {
        await gen.send({ cmd: 'mark' });
        await sleep(o.seconds * 1000);
        report = await gen.send<Report>({ cmd: 'report', publisherId: t.publisher });
      });
      const r = report!;
      const join = await gen.send<JoinReply>({ cmd: 'join', proto: t.proto, url: t.url, count: o.joins, timeoutMs: 5000 }, 120_000);
      await gen.send({ cmd: 'closeReaders' });
      const gb = r.delivered / 1e9;
      const row: FanoutRow = {
        server: t.server, proto: t.proto, n, connected: opened.ok,
        windowSec: round(r.windowSec, 2), deliveredGB: round(gb, 3),
        cpuSeconds: round(cpu.cpuSeconds, 2), serverCores: round(cpu.cpuSeconds / r.windowSec, 2),
        cpuSecondsPerGB: round(cpu.cpuSeconds / gb, 2), userSecondsPerGB: round(cpu.userSeconds / gb, 2),
        keepingUpShare: round(r.keepingUp / n, 3), rssMb: round(cpu.rssMb, 1),
        joinKeyframeP50Ms: round(join.p50, 1), joinKeyframeP95Ms: round(join.p95, 1),
        rampKeyframeP50Ms: round(r.rampFirstKeyframe.p50, 1),
        latencyP50Ms: round(r.latency.p50, 2), latencyP99Ms: round(r.latency.p99, 2), latencySamples: r.latency.n,
        publishMbps: round((r.pubBytes * 8) / r.windowSec / 1e6, 2),
        loadgenCores: round(cpu.loadgenCpuSeconds / r.windowSec, 2),
        errors: [...opened.errors, ...(join.failed > 0 ? [`${join.failed} joins without keyframe`] : [])],
      };
      rows.push(row);
      o.log(`  ${JSON.stringify(row)}`);
      await sleep(2000);
    }
  }
  await gen.send({ cmd: 'closePublishers', prefix: 'fan-' });
  return rows;
}
