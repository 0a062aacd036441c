/**
 * Ingest: M publishers each replaying a ~1.6 Mbit/s 720p25 FLV in real time over RTMP publish, no
 * readers. Server CPU % (of one core) per 100 Mbit/s ingested, Cupola and the RTMP peers
 * (Node-Media-Server, nginx-rtmp) side by side in one run. Publishers start 20 ms apart, so their
 * keyframes are spread over the GOP.
 *
 * Publishers (`--ingest-publisher`): `loadgen` = the load generator's own RTMP publishers (one
 * process, Set Chunk Size of each `--chunk-sizes` value, bytes = wire bytes it wrote); `ffmpeg` =
 * M real `ffmpeg -re -stream_loop -1 -i FILE -c copy -f flv` processes (ffmpeg-publishers.ts; its
 * chunk size is the server's, measured once per server through rtmp-sniff.ts; bytes = the sum of
 * ffmpeg's `-progress` total_size rates, FLV bytes). Only the server's PID is measured for the
 * server's CPU; the publishers' CPU is its own column. On Cupola the API's per-stream bytesIn
 * (media payload bytes) is a server-side cross-check.
 */
import { statSync } from 'node:fs';
import { CAMERA_INGEST, ensureFlv, readFlv } from '../lib/media.ts';
import type { LoadGen } from '../lib/loadgen-client.ts';
import { FfmpegPublishers } from '../lib/ffmpeg-publishers.ts';
import { startSniffer } from '../lib/rtmp-sniff.ts';
import type { ServerProc } from '../lib/servers.ts';
import { measureCpu, round, servesRtmp, sleep, type IngestPublisher, type Peer, type PeerServers, type SuiteOptions } from './common.ts';

export interface IngestRow {
  server: Peer;
  publisher: IngestPublisher;
  /** The chunk size the publishers sent with (loadgen: the option; ffmpeg: measured, NaN if not). */
  chunkSize: number;
  m: number;
  publishing: number;
  windowSec: number;
  ingestMbps: number;
  /** What ingestMbps counts. */
  bytesSource: 'loadgen wire bytes' | 'ffmpeg -progress total_size';
  /** ingestMbps / (M x the file's own rate): ~1 when every publisher keeps real time. */
  publisherRateShare: number;
  /** Cupola only: the API's bytesIn growth of the M streams (media payload bytes), Mbit/s. */
  serverCountedMbps: number;
  cpuSeconds: number;
  serverCores: number;
  cpuPercentPer100Mbps: number;
  rssMb: number;
  maxPublisherBacklogKB: number;
  /** CPU of the publishers: the load generator process, or every ffmpeg process. */
  publisherCores: number;
  errors: string[];
}

interface Variant {
  readonly publisher: IngestPublisher;
  /** loadgen: the chunk size it sends with; ffmpeg: undefined (the server decides). */
  readonly chunkSize: number | undefined;
}

interface Window {
  windowSec: number;
  ingestBytesPerSec: number;
  publishing: number;
  maxBacklog: number;
  publisherCpuSeconds: number;
  errors: string[];
  cpu: { cpuSeconds: number; rssMb: number };
  serverCountedBytesPerSec: number;
}

export async function runIngest(o: SuiteOptions, servers: PeerServers, gen: LoadGen): Promise<IngestRow[]> {
  const file = await ensureFlv(CAMERA_INGEST, o.log);
  const flv = readFlv(file);
  const fileBytesPerSec = statSync(file).size / (flv.loopMs / 1000);
  const rows: IngestRow[] = [];
  const targets = o.peers.filter((p) => servers[p] !== undefined && servesRtmp(p)).map((p) => ({ server: p, proc: servers[p]! }));
  const variants: Variant[] = o.ingestPublishers.flatMap((p): Variant[] => (p === 'loadgen' ? o.chunkSizes.map((c) => ({ publisher: p, chunkSize: c })) : [{ publisher: p, chunkSize: undefined }]));
  const ffmpegChunk = new Map<Peer, number>();
  if (o.ingestPublishers.includes('ffmpeg')) {
    for (const t of targets) ffmpegChunk.set(t.server, await sniffFfmpegChunkSize(t.proc, file, o.log));
  }
  for (const m of o.publisherCounts) {
    for (const v of variants) {
      for (const t of targets) {
        o.log(`ingest ${t.server} M=${m} ${v.publisher}${v.chunkSize !== undefined ? ` chunk ${v.chunkSize}` : ''}...`);
        const w = v.publisher === 'loadgen' ? await loadgenWindow(o, t, m, v.chunkSize!, file, gen) : await ffmpegWindow(o, t, m, file, gen);
        const mbps = (w.ingestBytesPerSec * 8) / 1e6;
        const cores = w.cpu.cpuSeconds / w.windowSec;
        const row: IngestRow = {
          server: t.server, publisher: v.publisher, chunkSize: v.chunkSize ?? ffmpegChunk.get(t.server) ?? Number.NaN, m, publishing: w.publishing,
          windowSec: round(w.windowSec), ingestMbps: round(mbps, 1),
          bytesSource: v.publisher === 'loadgen' ? 'loadgen wire bytes' : 'ffmpeg -progress total_size',
          publisherRateShare: round(w.ingestBytesPerSec / (m * fileBytesPerSec), 3),
          serverCountedMbps: round((w.serverCountedBytesPerSec * 8) / 1e6, 1),
          cpuSeconds: round(w.cpu.cpuSeconds), serverCores: round(cores, 3),
          cpuPercentPer100Mbps: round((cores * 100) / (mbps / 100), 2), rssMb: round(w.cpu.rssMb, 1),
          maxPublisherBacklogKB: round(w.maxBacklog / 1024, 1), publisherCores: round(w.publisherCpuSeconds / w.windowSec, 2),
          errors: w.errors,
        };
        rows.push(row);
        o.log(`  ${JSON.stringify(row)}`);
        await sleep(2000);
      }
    }
  }
  return rows;
}

async function loadgenWindow(o: SuiteOptions, t: { server: Peer; proc: ServerProc }, m: number, chunkSize: number, file: string, gen: LoadGen): Promise<Window> {
  const prefix = `ing-${t.server}-`;
  try {
    for (let i = 0; i < m; i++) {
      await gen.send({ cmd: 'publish', id: `${prefix}${i}`, url: `rtmp://127.0.0.1:${t.proc.ports['rtmp']}/site2/cam${i + 1}`, file, stamp: false, chunkSize });
      await sleep(20);
    }
    const ready = await gen.send<{ publishing: number; total: number; errors: string[] }>({ cmd: 'publishers-ready', prefix, timeoutMs: 15_000 });
    await sleep(o.settleSeconds * 1000);
    let rep: { windowSec: number; ingestBytes: number; ingestPublishing: number; maxBacklog: number } | undefined;
    const api0 = await cupolaBytesIn(t.proc);
    const cpu = await measureCpu(t.proc.pid, gen.pid, async () => {
      await gen.send({ cmd: 'mark' });
      await sleep(o.seconds * 1000);
      rep = await gen.send({ cmd: 'report', publisherId: prefix });
    });
    const api1 = await cupolaBytesIn(t.proc);
    const r = rep!;
    return {
      windowSec: r.windowSec, ingestBytesPerSec: r.ingestBytes / r.windowSec, publishing: r.ingestPublishing, maxBacklog: r.maxBacklog,
      publisherCpuSeconds: cpu.loadgenCpuSeconds, errors: ready.errors, cpu, serverCountedBytesPerSec: apiRate(api0, api1),
    };
  } finally {
    await gen.send({ cmd: 'closePublishers', prefix });
  }
}

async function ffmpegWindow(o: SuiteOptions, t: { server: Peer; proc: ServerProc }, m: number, file: string, gen: LoadGen): Promise<Window> {
  const pubs = new FfmpegPublishers();
  try {
    for (let i = 0; i < m; i++) {
      pubs.start(`rtmp://127.0.0.1:${t.proc.ports['rtmp']}/site2/cam${i + 1}`, file);
      await sleep(20);
    }
    const ready = await pubs.ready(20_000);
    await sleep(o.settleSeconds * 1000);
    const api0 = await cupolaBytesIn(t.proc);
    let win: ReturnType<FfmpegPublishers['since']> | undefined;
    const t0 = performance.now();
    const cpu = await measureCpu(t.proc.pid, gen.pid, async () => {
      const mark = pubs.mark();
      await sleep(o.seconds * 1000);
      win = pubs.since(mark);
    });
    const windowSec = (performance.now() - t0) / 1000;
    const api1 = await cupolaBytesIn(t.proc);
    const w = win!;
    return {
      windowSec, ingestBytesPerSec: w.bytesPerSecond, publishing: w.publishing, maxBacklog: Number.NaN,
      publisherCpuSeconds: w.cpuSeconds, errors: [...ready.errors, ...w.errors].slice(0, 5), cpu, serverCountedBytesPerSec: apiRate(api0, api1),
    };
  } finally {
    await pubs.stop();
  }
}

/** One ffmpeg publisher through a relay that notes the Set Chunk Size each side sends; the chunk size ffmpeg used last. */
async function sniffFfmpegChunkSize(proc: ServerProc, file: string, log: (s: string) => void): Promise<number> {
  const sniffer = await startSniffer(Number(proc.ports['rtmp']));
  const pub = new FfmpegPublishers();
  try {
    pub.start(`rtmp://127.0.0.1:${sniffer.port}/site2/sniff`, file);
    await pub.ready(10_000);
    await sleep(1000);
    const s = sniffer.seen;
    log(`ffmpeg (${pub.binary}) against ${proc.name}: server sent chunk size ${JSON.stringify(s.serverSent)}, ffmpeg sent ${JSON.stringify(s.publisherSent)}, ${s.mediaMessages} media messages parsed${s.error !== undefined ? `, error ${s.error}` : ''}`);
    if (s.error !== undefined || s.mediaMessages === 0) return Number.NaN;
    return s.publisherSent.at(-1) ?? 128;
  } finally {
    await pub.stop();
    await sniffer.close();
  }
}

interface ApiSample {
  readonly atMs: number;
  readonly bytes: number;
}

/** Cupola's API: sum of bytesIn over the site2/ streams (the ingest cameras); undefined for the peers without it. */
async function cupolaBytesIn(proc: ServerProc): Promise<ApiSample | undefined> {
  const port = proc.ports['api'];
  if (port === undefined) return undefined;
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/streams`, { signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as { items: { path: string; bytesIn: number }[] };
  return { atMs: performance.now(), bytes: body.items.filter((s) => s.path.startsWith('site2/')).reduce((a, s) => a + s.bytesIn, 0) };
}

function apiRate(a: ApiSample | undefined, b: ApiSample | undefined): number {
  if (a === undefined || b === undefined || b.atMs <= a.atMs) return Number.NaN;
  return ((b.bytes - a.bytes) / (b.atMs - a.atMs)) * 1000;
}
