/**
 * The load generator: ONE Node process holding every publisher and reader of a benchmark step,
 * driven by the runner over IPC (child_process.fork). It only counts and samples; the runner
 * measures the servers. Messages: see `Command` below; every command gets one reply.
 */
import { readFlv } from '../lib/media.ts';
import { parseRtmpUrl, RtmpPlayer } from './rtmp-player.ts';
import { RtmpPublisher } from './rtmp-publisher.ts';
import { RtspPlayer } from './rtsp-player.ts';
import { HlsViewer } from './hls-viewer.ts';
import { WhepViewer } from './whep-viewer.ts';
import type { ReaderStats } from './reader-stats.ts';
import { nowUs } from './stamp.ts';

/** rtmp/rtsp: players of those URLs; hls: LL-HLS viewers of an index.m3u8 URL; whep: werift peers of a WHEP URL. */
export type ReaderProto = 'rtmp' | 'rtsp' | 'hls' | 'whep';

export type Command =
  /** recordSends: keep each video frame's send time (see RtmpPublisher.sendEpochMs, command sendTimes). chunkSize: RTMP chunk size (default 4096). */
  | { cmd: 'publish'; id: string; url: string; file: string; stamp: boolean; recordSends?: boolean; chunkSize?: number }
  | { cmd: 'readers'; proto: ReaderProto; url: string; n: number; probes: number; timeoutMs: number }
  | { cmd: 'join'; proto: ReaderProto; url: string; count: number; timeoutMs: number }
  /** A recordSends publisher's send times, its video frames per loop, and Date.now() - (timeOrigin + now). */
  | { cmd: 'sendTimes'; id: string }
  | { cmd: 'mark' }
  | { cmd: 'report'; publisherId: string }
  | { cmd: 'closeReaders' }
  /** Soak: close `close` readers (oldest first), open `open` new ones spread over `urls` (round robin, protocol per URL scheme). */
  | { cmd: 'churn'; urls: string[]; close: number; open: number }
  | { cmd: 'closePublishers'; prefix?: string }
  | { cmd: 'publishers-ready'; prefix: string; timeoutMs: number }
  | { cmd: 'exit' };

interface Reader {
  readonly stats: ReaderStats;
  close(): void;
}

const publishers = new Map<string, RtmpPublisher>();
const pubMark = new Map<string, number>();
let readers: Reader[] = [];
let markUs = 0;
let churnSeq = 0;
const files = new Map<string, ReturnType<typeof readFlv>>();

// One shared real-time clock for every publisher.
const TICK_MS = 2;
const ticker = setInterval(() => {
  const now = performance.now();
  for (const p of publishers.values()) p.tick(now);
}, TICK_MS);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function openReader(proto: ReaderProto, url: string, probe: boolean): Reader {
  switch (proto) {
    case 'rtmp': return new RtmpPlayer(parseRtmpUrl(url), probe);
    case 'rtsp': return new RtspPlayer(url, probe);
    case 'hls': return new HlsViewer(url);
    case 'whep': return new WhepViewer(url);
  }
}

async function handle(c: Command): Promise<unknown> {
  switch (c.cmd) {
    case 'publish': {
      let f = files.get(c.file);
      if (f === undefined) {
        f = readFlv(c.file);
        files.set(c.file, f);
      }
      publishers.get(c.id)?.close();
      publishers.set(c.id, new RtmpPublisher(parseRtmpUrl(c.url), f.tags, f.loopMs, c.stamp, c.recordSends === true, c.chunkSize));
      return { ok: true, bytesPerSecond: f.bytesPerSecond };
    }
    case 'sendTimes': {
      const p = publishers.get(c.id);
      if (p === undefined) throw new Error(`no publisher ${c.id}`);
      const f = [...files.values()].find((x) => x.tags === p.tags);
      const framesPerLoop = (f?.tags ?? []).filter((t) => t.type === 9 && t.body[1] === 1).length;
      return { framesPerLoop, sendEpochMs: p.sendEpochMs, clockOffsetMs: Date.now() - (performance.timeOrigin + performance.now()) };
    }
    case 'publishers-ready': {
      const deadline = Date.now() + c.timeoutMs;
      const mine = () => [...publishers.entries()].filter(([id]) => id.startsWith(c.prefix)).map(([, p]) => p);
      for (let i = 0; i < 10_000 && Date.now() < deadline; i++) {
        if (mine().every((p) => p.stats.publishing || p.stats.error !== undefined || p.stats.closed)) break;
        await sleep(50);
      }
      const ps = mine();
      return { publishing: ps.filter((p) => p.stats.publishing).length, total: ps.length, errors: ps.map((p) => p.stats.error).filter(Boolean).slice(0, 5) };
    }
    case 'readers': {
      const step = Math.max(1, Math.floor(c.n / Math.max(1, c.probes)));
      const BATCH = 20;
      for (let i = 0; i < c.n; i++) {
        readers.push(openReader(c.proto, c.url, c.probes > 0 && i % step === 0 && i / step < c.probes));
        if (i % BATCH === BATCH - 1) await sleep(10);
      }
      const deadline = Date.now() + c.timeoutMs;
      for (let i = 0; i < 10_000 && Date.now() < deadline; i++) {
        if (readers.every((r) => r.stats.firstKeyframeUs !== 0 || r.stats.closed)) break;
        await sleep(50);
      }
      const ok = readers.filter((r) => r.stats.firstKeyframeUs !== 0 && !r.stats.closed).length;
      const errs = readers.map((r) => r.stats.error).filter(Boolean);
      return { ok, total: readers.length, closed: readers.filter((r) => r.stats.closed).length, errors: [...new Set(errs)].slice(0, 5) };
    }
    case 'join': {
      // Readers joining one at a time while the load runs: connect -> first keyframe.
      const times: number[] = [];
      let failed = 0;
      for (let i = 0; i < c.count; i++) {
        const r = openReader(c.proto, c.url, false);
        const deadline = Date.now() + c.timeoutMs;
        for (let k = 0; k < 10_000 && Date.now() < deadline && r.stats.firstKeyframeUs === 0 && !r.stats.closed; k++) await sleep(2);
        if (r.stats.firstKeyframeUs !== 0) times.push((r.stats.firstKeyframeUs - r.stats.connectStartUs) / 1000);
        else failed++;
        r.close();
        await sleep(100);
      }
      times.sort((a, b) => a - b);
      return { p50: percentile(times, 0.5), p95: percentile(times, 0.95), n: times.length, failed };
    }
    case 'mark': {
      markUs = nowUs();
      for (const r of readers) r.stats.mark();
      for (const [id, p] of publishers) pubMark.set(id, p.stats.bytes);
      return { ok: true };
    }
    case 'report': {
      const windowSec = (nowUs() - markUs) / 1e6;
      const pub = publishers.get(c.publisherId);
      const pubBytes = pub === undefined ? 0 : pub.stats.bytes - (pubMark.get(c.publisherId) ?? 0);
      let delivered = 0;
      let keepingUp = 0;
      const lat: number[] = [];
      const ramp: number[] = [];
      for (const r of readers) {
        const b = r.stats.bytes - r.stats.markBytes;
        delivered += b;
        if (!r.stats.closed && b >= 0.95 * pubBytes) keepingUp++;
        for (const l of r.stats.latencies) lat.push(l / 1000);
        if (r.stats.firstKeyframeUs !== 0) ramp.push((r.stats.firstKeyframeUs - r.stats.connectStartUs) / 1000);
      }
      lat.sort((a, b) => a - b);
      ramp.sort((a, b) => a - b);
      // Publishers (ingest): wire bytes since mark, summed by id prefix.
      let ingestBytes = 0;
      let ingestPublishing = 0;
      let maxBacklog = 0;
      for (const [id, p] of publishers) {
        if (!id.startsWith(c.publisherId)) continue;
        ingestBytes += p.stats.bytes - (pubMark.get(id) ?? 0);
        if (p.stats.publishing) ingestPublishing++;
        maxBacklog = Math.max(maxBacklog, p.stats.maxBacklog);
      }
      return {
        windowSec, pubBytes, delivered, readers: readers.length, keepingUp,
        closed: readers.filter((r) => r.stats.closed).length,
        latency: { n: lat.length, p50: percentile(lat, 0.5), p99: percentile(lat, 0.99), max: lat.at(-1) ?? Number.NaN },
        rampFirstKeyframe: { p50: percentile(ramp, 0.5), p95: percentile(ramp, 0.95) },
        ingestBytes, ingestPublishing, maxBacklog,
      };
    }
    case 'churn': {
      const leaving = readers.splice(0, Math.min(c.close, readers.length));
      for (const r of leaving) r.close();
      // Readers closed by the server (a flapping camera's readers after the grace) leave the set too.
      const dead = readers.filter((r) => r.stats.closed);
      readers = readers.filter((r) => !r.stats.closed);
      for (let i = 0; i < c.open && c.urls.length > 0; i++) {
        const url = c.urls[(churnSeq++) % c.urls.length]!;
        readers.push(openReader(url.startsWith('rtsp:') ? 'rtsp' : 'rtmp', url, false));
      }
      const live = readers.filter((r) => r.stats.firstKeyframeUs !== 0 && !r.stats.closed).length;
      return { total: readers.length, live, left: leaving.length, deadRemoved: dead.length };
    }
    case 'closeReaders': {
      for (const r of readers) r.close();
      readers = [];
      return { ok: true };
    }
    case 'closePublishers': {
      for (const [id, p] of [...publishers]) {
        if (c.prefix !== undefined && !id.startsWith(c.prefix)) continue;
        p.close();
        publishers.delete(id);
      }
      return { ok: true };
    }
    case 'exit': {
      clearInterval(ticker);
      for (const r of readers) r.close();
      for (const p of publishers.values()) p.close();
      setTimeout(() => process.exit(0), 50);
      return { ok: true };
    }
  }
}

process.on('message', (m: { seq: number; command: Command }) => {
  handle(m.command).then(
    (result) => process.send?.({ seq: m.seq, result }),
    (err: unknown) => process.send?.({ seq: m.seq, error: String((err as Error)?.stack ?? err) }),
  );
});
process.on('disconnect', () => process.exit(0));
